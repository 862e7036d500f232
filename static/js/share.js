/* Voces: copying and sharing a collector's link. Without this file the link is on the page
   in full (press and hold it to copy) with plain WhatsApp and email links; this adds a copy
   button and, on a phone that has one, its own share sheet in place of the plain links. */
(function () {
  "use strict";

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  document.querySelectorAll("[data-share]").forEach(function (box) {
    var link = box.querySelector("[data-share-link]");
    var copy = box.querySelector("[data-share-copy]");
    var native = box.querySelector("[data-share-native]");
    var plain = box.querySelector("[data-share-plain]");
    var status = box.querySelector("[data-share-status]");
    if (!link) return;
    var url = link.getAttribute("href");

    function say(message) {
      if (!status) return;
      status.textContent = "";
      // A fresh text each time, so a screen reader says it again on a second press.
      window.setTimeout(function () { status.textContent = message; }, 50);
    }

    function copyBySelection() {
      // No Clipboard API (a page served over plain HTTP): the old way, else leave the link
      // selected for the phone's own menu.
      selectText(link);
      var done = false;
      try { done = document.execCommand("copy"); } catch (error) { done = false; }
      say(status.getAttribute(done ? "data-copied" : "data-selected"));
    }

    if (copy) {
      copy.hidden = false;
      copy.addEventListener("click", function () {
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(url).then(function () {
            say(status.getAttribute("data-copied"));
          }, copyBySelection);
        } else {
          copyBySelection();
        }
      });
    }

    var data = {
      title: box.getAttribute("data-share-title") || "",
      text: box.getAttribute("data-share-text") || "",
      url: url,
    };
    if (native && navigator.share && (!navigator.canShare || navigator.canShare(data))) {
      native.hidden = false;
      if (plain) plain.hidden = true;
      native.addEventListener("click", function () {
        // A person who closes the share sheet is no error to report.
        navigator.share(data).catch(function () {});
      });
    }
  });
})();
