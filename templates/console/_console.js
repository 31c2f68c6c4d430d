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

  // Event photos: drag (finger or mouse) on the photo to fill the blur box's x, y, w, h
  // in the photo's own pixels; the fields stay usable without this.
  function photoBoxes(stage) {
    var img = stage.querySelector("img");
    var mark = stage.querySelector(".photo-box");
    var form = document.getElementById("blur-form");
    if (!img || !mark || !form) { return; }
    var natW = parseInt(stage.getAttribute("data-width"), 10);
    var natH = parseInt(stage.getAttribute("data-height"), 10);
    var start = null;
    function at(ev) {
      var r = img.getBoundingClientRect();
      return {
        x: Math.min(Math.max(ev.clientX - r.left, 0), r.width),
        y: Math.min(Math.max(ev.clientY - r.top, 0), r.height),
        sx: natW / r.width, sy: natH / r.height
      };
    }
    function draw(a, b) {
      var x = Math.min(a.x, b.x), y = Math.min(a.y, b.y);
      var w = Math.abs(a.x - b.x), h = Math.abs(a.y - b.y);
      mark.hidden = false;
      mark.style.left = x + "px"; mark.style.top = y + "px";
      mark.style.width = w + "px"; mark.style.height = h + "px";
      form.elements.x.value = String(Math.round(x * b.sx));
      form.elements.y.value = String(Math.round(y * b.sy));
      form.elements.w.value = String(Math.round(w * b.sx));
      form.elements.h.value = String(Math.round(h * b.sy));
    }
    stage.addEventListener("pointerdown", function (ev) {
      ev.preventDefault();
      start = at(ev);
      stage.setPointerCapture(ev.pointerId);
    });
    stage.addEventListener("pointermove", function (ev) {
      if (start) { draw(start, at(ev)); }
    });
    function end(ev) {
      if (!start) { return; }
      var stop = at(ev);
      if (Math.abs(stop.x - start.x) < 4 && Math.abs(stop.y - start.y) < 4) {
        // A tap: a box of a tenth of the photo's width around the point.
        var half = img.getBoundingClientRect().width / 20;
        start = { x: stop.x - half, y: stop.y - half, sx: stop.sx, sy: stop.sy };
        stop = { x: stop.x + half, y: stop.y + half, sx: stop.sx, sy: stop.sy };
      }
      draw(start, stop);
      start = null;
    }
    stage.addEventListener("pointerup", end);
    stage.addEventListener("pointercancel", function () { start = null; });
  }

  // A phone's upload takes a few seconds: say so, and keep the button from a second send.
  function busyForms() {
    document.querySelectorAll("form[data-busy]").forEach(function (form) {
      form.addEventListener("submit", function () {
        var note = form.querySelector(".busy");
        if (note) { note.textContent = form.getAttribute("data-busy"); note.hidden = false; }
        var button = form.querySelector("button[type=submit]");
        if (button) { setTimeout(function () { button.disabled = true; }, 0); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var stage = document.getElementById("photo-stage");
    if (stage) { photoBoxes(stage); }
    busyForms();
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
