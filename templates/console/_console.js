// Staff console: a 5-second poll for new escalations and canned-reply filling.
// Plain JavaScript, no dependencies; pages work without it.
(function () {
  "use strict";

  function pollEscalations(box) {
    var url = box.getAttribute("data-poll-url");
    var every = parseInt(box.getAttribute("data-poll-seconds"), 10) * 1000 || 5000;
    var seenInquiry = parseInt(box.getAttribute("data-inquiry"), 10) || 0;
    var seenCallback = parseInt(box.getAttribute("data-callback"), 10) || 0;
    var originalTitle = document.title;
    function tick() {
      if (document.hidden) { return; }
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (m) {
          if (!m) { return; }
          if (m.inquiry > seenInquiry || m.callback > seenCallback) {
            box.hidden = false;
            document.title = "(!) " + originalTitle;
          }
        })
        .catch(function () { /* offline for a moment: try again next tick */ });
    }
    setInterval(tick, every);
  }

  function cannedReplies() {
    document.querySelectorAll("select[data-fills]").forEach(function (sel) {
      sel.addEventListener("change", function () {
        var target = document.getElementById(sel.getAttribute("data-fills"));
        if (target && sel.value) {
          target.value = target.value ? target.value + "\n" + sel.value : sel.value;
          target.focus();
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("new-escalations");
    if (box) { pollEscalations(box); }
    cannedReplies();
    // Show the latest lines of a transcript first.
    document.querySelectorAll(".transcript").forEach(function (t) { t.scrollTop = t.scrollHeight; });
  });
})();
