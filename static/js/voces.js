/* Voces: optional enhancements. Every page works without this file. */
(function () {
  "use strict";
  var lang = document.documentElement.lang || undefined;
  var format = window.Intl ? new Intl.NumberFormat(lang) : { format: String };

  // Refresh the signature count without reloading (every 30 s while the page is visible).
  document.querySelectorAll("[data-count-url]").forEach(function (box) {
    var url = box.getAttribute("data-count-url");
    var text = box.querySelector("[data-count]");
    var bar = box.querySelector("progress");
    var etag = null;
    function refresh() {
      if (document.hidden || !window.fetch) return;
      var headers = etag ? { "If-None-Match": etag } : {};
      fetch(url, { headers: headers, credentials: "omit" }).then(function (response) {
        if (response.status !== 200) return null;
        etag = response.headers.get("ETag");
        return response.json();
      }).then(function (data) {
        if (!data) return;
        if (text) text.textContent = format.format(data.signature_count);
        if (bar) bar.value = Math.min(data.signature_count, Number(bar.max));
      }).catch(function () {});
    }
    setInterval(refresh, 30000);
    document.addEventListener("visibilitychange", refresh);
  });

  // "Copy link" on the thank-you page.
  var source = document.querySelector("[data-copy-source]");
  var button = document.querySelector("[data-copy-button]");
  if (source && button && navigator.clipboard) {
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.value).then(function () {
        button.setAttribute("data-copied", "true");
      });
    });
  }
})();
