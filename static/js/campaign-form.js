/* Voces: the campaign form's enhancements. The form works without this file: the server
   makes the address from the title when it is left empty, and every country is listed. */
(function () {
  "use strict";

  // Letters without their accents, lower case: "Perú" and "peru" match.
  function plain(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  // The address follows the title (as Django's slugify makes it) until the person edits it.
  var title = document.getElementById("id_title");
  var slug = document.getElementById("id_slug");
  if (title && slug && !slug.value) {
    var following = true;
    slug.addEventListener("input", function () {
      following = slug.value === "";
    });
    title.addEventListener("input", function () {
      if (!following) return;
      slug.value = plain(title.value)
        .replace(/[^\w\s-]/g, "")
        .replace(/[-\s]+/g, "-")
        .replace(/^[-_]+|[-_]+$/g, "")
        .slice(0, 72)
        .replace(/[-_]+$/, "");
    });
  }

  // The countries' filter: shown only where it works.
  document.querySelectorAll("[data-countries]").forEach(function (box) {
    var filter = box.querySelector("[data-country-filter]");
    var input = filter && filter.querySelector("input");
    var status = box.querySelector("[data-country-status]");
    var options = Array.prototype.slice.call(box.querySelectorAll(".country-option"));
    var groups = box.querySelectorAll(".country-group");
    if (!filter || !input) return;
    options.forEach(function (option) {
      option.setAttribute("data-search", plain(option.textContent));
    });
    filter.hidden = false;
    input.addEventListener("input", function () {
      var words = plain(input.value).trim();
      var shown = 0;
      options.forEach(function (option) {
        var match = !words || option.getAttribute("data-search").indexOf(words) !== -1;
        option.hidden = !match;
        if (match) shown += 1;
      });
      groups.forEach(function (group) {
        group.hidden = !!words;
      });
      status.textContent = shown ? "" : status.getAttribute("data-none");
    });
    // Enter in the search box would send the whole form.
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();
    });
  });
})();
