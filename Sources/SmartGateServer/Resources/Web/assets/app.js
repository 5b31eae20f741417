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
    var lastHeard = 0;
    var source = null;

    function connect() {
      source = new EventSource(feed);
      source.addEventListener("heartbeat", function () { lastHeard = Date.now(); render(); });
      source.addEventListener("decision", function (event) {
        lastHeard = Date.now();
        if (list) {
          list.insertAdjacentHTML("afterbegin", event.data);
          while (list.children.length > 50) { list.removeChild(list.lastElementChild); }
        }
        render();
      });
      source.addEventListener("replace", function (event) {
        lastHeard = Date.now();
        var target = document.getElementById(status.getAttribute("data-target"));
        if (target) { target.innerHTML = event.data; }
        render();
      });
      source.onerror = function () {
        // EventSource retries by itself; a closed source is opened again here.
        if (source.readyState === EventSource.CLOSED) { setTimeout(connect, 3000); }
        render();
      };
    }

    function render() {
      var age = lastHeard ? Math.round((Date.now() - lastHeard) / 1000) : null;
      var stale = age === null ? false : Date.now() - lastHeard > STALE_AFTER_MS;
      status.classList.toggle("stale", stale);
      status.setAttribute("data-state", age === null ? "connecting" : stale ? "stale" : "live");
      if (age === null) {
        status.textContent = status.getAttribute("data-text-connecting");
      } else {
        status.textContent = format(status.getAttribute(stale ? "data-text-stale" : "data-text-live"), age);
      }
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
