// Staff console: a 5-second poll for new escalations, the city's complaint alert,
// and canned-reply filling.
// Plain JavaScript, no dependencies; pages work without it.
(function () {
  "use strict";

  // GET a small JSON every `every` ms while the page is visible; hand it to `use`.
  function poll(url, every, use) {
    function tick() {
      if (document.hidden) { return; }
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (m) { if (m) { use(m); } })
        .catch(function () { /* offline for a moment: try again next tick */ });
    }
    setInterval(tick, every);
  }

  function pollEscalations(box) {
    var url = box.getAttribute("data-poll-url");
    var every = parseInt(box.getAttribute("data-poll-seconds"), 10) * 1000 || 5000;
    var seenInquiry = parseInt(box.getAttribute("data-inquiry"), 10) || 0;
    var seenCallback = parseInt(box.getAttribute("data-callback"), 10) || 0;
    var originalTitle = document.title;
    poll(url, every, function (m) {
      if (m.inquiry > seenInquiry || m.callback > seenCallback) {
        box.hidden = false;
        document.title = "(!) " + originalTitle;
      }
    });
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

  // Complaints reach the city at once: every page of the roles alerted polls for
  // unacknowledged notices (counts only) and shows the alert without a reload.
  function pollCityAlerts(box) {
    var url = box.getAttribute("data-poll-url");
    var every = parseInt(box.getAttribute("data-poll-seconds"), 10) * 1000 || 15000;
    var newest = parseInt(box.getAttribute("data-newest"), 10) || 0;
    var count = box.querySelector(".count");
    poll(url, every, function (m) {
      if (count) { count.textContent = String(m.open); }
      box.hidden = m.open < 1;
      if (m.newest > newest) {
        newest = m.newest;
        document.title = "(!) " + document.title.replace(/^\(!\) /, "");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("new-escalations");
    if (box) { pollEscalations(box); }
    var alert = document.getElementById("city-alert");
    if (alert) { pollCityAlerts(alert); }
    cannedReplies();
    // Show the latest lines of a transcript first.
    document.querySelectorAll(".transcript").forEach(function (t) { t.scrollTop = t.scrollHeight; });
    Array.prototype.forEach.call(document.querySelectorAll("main table:not(.calendar)"), labelCells);
  });
  // Narrow screens: each table row becomes a card (CSS), each cell labelled with its
  // column's heading so that nothing needs a wide screen. The month calendar stays a grid.
  function labelCells(table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    if (!heads.length) { return; }
    table.classList.add("stacked");
    Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (tr) {
      Array.prototype.forEach.call(tr.children, function (cell, i) {
        if (heads[i]) { cell.setAttribute("data-label", heads[i]); }
      });
    });
  }
})();
