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

  // In a partner's frame (the embed and its thank-you page), tell the partner's page how
  // tall this page is, so that the listener of their snippet fits the frame to it (no scroll
  // bar inside the frame). Without the listener the frame keeps its fixed height and scrolls.
  if (document.body.classList.contains("embed") && window.parent !== window) {
    var root = document.documentElement;
    var sent = 0;
    var postHeight = function () {
      // The content's own height: the document's scrollHeight is never less than the frame,
      // so a frame made tall by the form could never shrink back for the thank-you page.
      var height = Math.ceil(Math.max(root.getBoundingClientRect().height, document.body.scrollHeight));
      if (!height || height === sent) return;
      sent = height;
      // "*": the partner's origin is not known here, and a height is no secret.
      window.parent.postMessage({ voces: "height", height: height }, "*");
    };
    postHeight();
    window.addEventListener("load", postHeight);
    window.addEventListener("resize", postHeight);
    if (window.ResizeObserver) new ResizeObserver(postHeight).observe(root);
  }

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
