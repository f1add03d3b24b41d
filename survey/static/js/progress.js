// Job progress: poll the job's JSON and move the bar; without JavaScript the page refreshes itself.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("job-progress");
  var percent = document.getElementById("job-percent");
  var message = document.getElementById("job-message");
  var status = document.getElementById("job-status");
  var result = document.getElementById("job-result");

  function show(state) {
    bar.value = state.progress;
    bar.textContent = Math.round(state.progress * 100) + " %";
    percent.textContent = Math.round(state.progress * 100);
    message.textContent = state.message || "";
    if (state.status === "done") {
      status.textContent = box.getAttribute("data-done-label");
    } else if (state.status === "failed") {
      status.textContent = box.getAttribute("data-failed-label");
      status.className = "error";
    }
    if (state.result_url) {
      result.querySelector("a").href = state.result_url;
      result.hidden = false;
    }
  }

  function poll() {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (state) {
        show(state);
        if (!state.done) { window.setTimeout(poll, 700); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
})();
