// Counters page: fetch fresh numbers every minute without reloading the page (no meta refresh,
// WCAG 2.2.1), with a button to pause and resume. Without JavaScript the "Tải lại" link reloads.
(function () {
  "use strict";
  var live = document.getElementById("live");
  var toggle = document.getElementById("refresh-toggle");
  var status = document.getElementById("refresh-status");
  if (!live || !toggle || !status || !window.fetch || !window.DOMParser) return;
  var seconds = Number(live.getAttribute("data-refresh-seconds")) || 60;
  var timer = null;
  var paused = false;

  function refresh() {
    return fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        // Each part is replaced inside its own element, so the alerts' live region stays in place.
        live.querySelectorAll("[data-live]").forEach(function (part) {
          var next = fresh.getElementById(part.id);
          if (next) part.innerHTML = next.innerHTML;
        });
        var freshStatus = fresh.getElementById("refresh-status");
        if (freshStatus) status.textContent = freshStatus.textContent;
        live.setAttribute("data-refreshes", String(Number(live.getAttribute("data-refreshes") || 0) + 1));
      })
      .catch(function () {
        status.textContent = toggle.getAttribute("data-failed");
      });
  }

  function start() {
    timer = window.setInterval(refresh, seconds * 1000);
  }

  toggle.addEventListener("click", function () {
    paused = !paused;
    if (paused) {
      window.clearInterval(timer);
      timer = null;
    } else {
      refresh();
      start();
    }
    toggle.textContent = toggle.getAttribute(paused ? "data-resume" : "data-pause");
  });
  toggle.hidden = false;
  start();
})();
