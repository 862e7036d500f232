/* Voces: a search box above the dashboard's country selects (select[data-country-search]).
   Optional: without this file the select works as it is, campaign's countries first. */
(function () {
  "use strict";

  // "Perú", "peru" and "PERU" are one search; so are "Côte" and "cote".
  function fold(text) {
    var folded = String(text).toLowerCase();
    return folded.normalize ? folded.normalize("NFD").replace(/[\u0300-\u036f]/g, "") : folded;
  }

  function enhance(select) {
    // Every option in its place (a group, or the select itself), remembered once: options
    // are taken out and put back, since hidden <option>s still show in some browsers.
    var entries = Array.prototype.map.call(select.children, function (child) {
      if (child.tagName === "OPTGROUP") {
        return { group: child, options: Array.prototype.slice.call(child.children) };
      }
      return { option: child };
    });
    var label = select.getAttribute("data-country-search");
    var input = document.createElement("input");
    input.type = "search";
    input.className = "country-search";
    input.id = select.id + "-search";
    input.placeholder = label;
    input.setAttribute("aria-label", label);
    input.setAttribute("aria-controls", select.id);
    input.setAttribute("autocomplete", "off");
    input.setAttribute("spellcheck", "false");
    select.parentNode.insertBefore(input, select);

    function matches(option, query) {
      return !query || option.value === "" || fold(option.text).indexOf(query) !== -1 ||
        option.value.toLowerCase() === query;
    }

    function filter() {
      var query = fold(input.value.trim());
      var chosen = select.value;
      var found = [];
      while (select.firstChild) select.removeChild(select.firstChild);
      entries.forEach(function (entry) {
        if (entry.option) {
          if (matches(entry.option, query)) select.appendChild(entry.option);
          if (entry.option.value && matches(entry.option, query)) found.push(entry.option);
          return;
        }
        while (entry.group.firstChild) entry.group.removeChild(entry.group.firstChild);
        entry.options.forEach(function (option) {
          if (matches(option, query)) {
            entry.group.appendChild(option);
            found.push(option);
          }
        });
        if (entry.group.children.length) select.appendChild(entry.group);
      });
      var stillThere = found.some(function (option) { return option.value === chosen; });
      if (stillThere) {
        select.value = chosen;
      } else if (query && found.length === 1) {
        select.value = found[0].value; // one country answers the search: take it
      } else {
        select.value = "";
      }
      if (select.value !== chosen) select.dispatchEvent(new Event("change", { bubbles: true }));
    }

    input.addEventListener("input", filter);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { // not the form's submit: go choose in the list
        event.preventDefault();
        select.focus();
      }
    });
  }

  document.querySelectorAll("select[data-country-search]").forEach(enhance);
})();
