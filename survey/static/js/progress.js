// Job progress: poll the job's JSON, move the bar and write the state once (#job-status, aria-live
// polite, so a screen reader hears each new step once). The page never reloads itself; without
// JavaScript it offers a "reload" link instead.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("job-progress");
  var percent = document.getElementById("job-percent");
  var status = document.getElementById("job-status");
  var result = document.getElementById("job-result");

  function show(state) {
    bar.value = state.progress;
    bar.textContent = state.percent;
    percent.textContent = state.percent;
    if (status.textContent !== state.text) { status.textContent = state.text; }
    status.className = state.status === "failed" ? "error" : "";
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
  if (!box.hasAttribute("data-done")) { poll(); }
})();
