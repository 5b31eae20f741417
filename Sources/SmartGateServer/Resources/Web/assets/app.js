// SmartGate pages: live panels over Server-Sent Events, honest about their age.
// No inline script anywhere (the Content-Security-Policy forbids it); this file is all.
"use strict";

(function () {
  // A panel is stale when its feed has said nothing (not even a heartbeat, sent every
  // 10 s) for this long.
  var STALE_AFTER_MS = 25000;

  function format(template, seconds) {
    return template.replace("{seconds}", String(seconds));
  }

  function live(status) {
    var feed = status.getAttribute("data-feed");
    var list = document.getElementById("decision-feed");
    var visible = status.querySelector(".live-text");
    var announced = status.querySelector("[role=status]");
    var lastHeard = 0;
    var connecting = Date.now();
    var state = "connecting";
    var source = null;

    function heard() { lastHeard = Date.now(); render(); }

    function connect() {
      connecting = Date.now();
      source = new EventSource(feed);
      source.addEventListener("heartbeat", heard);
      source.addEventListener("decision", function (event) {
        if (list) {
          list.insertAdjacentHTML("afterbegin", event.data);
          while (list.children.length > 50) { list.removeChild(list.lastElementChild); }
        }
        heard();
      });
      source.addEventListener("replace", function (event) {
        var target = document.getElementById(status.getAttribute("data-target"));
        if (target) { target.innerHTML = event.data; }
        heard();
      });
      source.onerror = function () {
        // EventSource retries by itself; a closed source is opened again here.
        if (source.readyState === EventSource.CLOSED) { setTimeout(connect, 3000); }
        render();
      };
    }

    function render() {
      var now = Date.now();
      var since = lastHeard || connecting;
      var age = Math.round((now - since) / 1000);
      var next = now - since > STALE_AFTER_MS ? "stale" : lastHeard ? "live" : "connecting";
      status.classList.toggle("stale", next === "stale");
      status.setAttribute("data-state", next);
      var text = next === "connecting" ? status.getAttribute("data-text-connecting")
        : format(status.getAttribute(next === "stale" ? "data-text-stale" : "data-text-live"), age);
      visible.textContent = text;
      if (next !== state) { announced.textContent = text; state = next; }
    }

    connect();
    setInterval(render, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var panels = document.querySelectorAll(".live-status[data-feed]");
    for (var i = 0; i < panels.length; i++) { live(panels[i]); }
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  });
})();
