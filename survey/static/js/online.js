/* Online form enhancement. The form works without this script (the server pages
 * it, carries every answer and stays the judge); with it:
 * - questions whose `relevant` condition is false are hidden and disabled (not sent);
 * - the sections are paged here, without a round trip, with "Phần 3/10" progress;
 * - required questions of a page are checked before moving on, with the same
 *   error summary as the server's (count, links, focus, "Lỗi:" title);
 * - a draft is kept in this browser's localStorage (never sent anywhere) and
 *   removed when the form is sent. */
(function () {
  "use strict";
  if (!window.SipasRelevant || !document.querySelector) return;
  var R = window.SipasRelevant;
  var form = document.getElementById("answer-form");
  if (!form) return;
  var summary = document.getElementById("error-summary");
  var forward = document.getElementById("go-forward");
  var back = document.getElementById("go-back");
  var stepInput = form.querySelector("input[name=step]");
  var baseTitle = document.title.replace(summary.getAttribute("data-error-prefix") + " ", "");
  var draftKey = form.getAttribute("data-draft-key") + ":" + window.location.pathname;
  var NOT_SAVED = { response_uuid: 1, website: 1, step: 1, go: 1 };

  function each(list, fn) { Array.prototype.forEach.call(list, fn); }
  function parse(json) { try { return JSON.parse(json); } catch (e) { return null; } }

  var items = Array.prototype.map.call(form.querySelectorAll("fieldset[data-item]"), function (fieldset) {
    return {
      code: fieldset.getAttribute("data-item"),
      type: fieldset.getAttribute("data-type"),
      required: fieldset.hasAttribute("data-required"),
      codes: parse(fieldset.getAttribute("data-codes")) || [],
      relevant_ast: parse(fieldset.getAttribute("data-relevant-ast")),
      fieldset: fieldset
    };
  });
  var sections = Array.prototype.slice.call(form.querySelectorAll("section[data-step]"));

  function optionCode(item, value) {
    for (var i = 0; i < item.codes.length; i++) if (String(item.codes[i]) === value) return item.codes[i];
    return value;
  }

  /* The answer as the server would type it (option codes, numbers, trimmed text). */
  function answerOf(item) {
    var inputs = item.fieldset.querySelectorAll("input, textarea, select");
    var checked = item.fieldset.querySelectorAll("input:checked");
    if (item.type === "multiple") {
      return Array.prototype.map.call(checked, function (input) { return optionCode(item, input.value); });
    }
    if (item.codes.length) return checked.length ? optionCode(item, checked[0].value) : undefined;
    if (!inputs.length) return undefined;
    var raw = inputs[0].value.trim();
    if (item.type === "number") {
      var value = raw === "" ? NaN : Number(raw.replace(",", "."));
      return isFinite(value) ? value : undefined;
    }
    return raw;
  }

  function updateRelevance() {
    var answers = {};
    items.forEach(function (item) { answers[item.code] = answerOf(item); });
    var relevance = R.relevance(items, answers);
    items.forEach(function (item) {
      var applies = relevance[item.code];
      item.fieldset.hidden = !applies;
      each(item.fieldset.querySelectorAll("input, textarea, select"), function (input) { input.disabled = !applies; });
    });
  }

  // ------------------------------------------------------------- pages

  function applicable() {
    return sections.filter(function (section) {
      return Array.prototype.some.call(section.querySelectorAll("fieldset[data-item]"), function (q) { return !q.hidden; });
    });
  }

  function currentStep() { return stepInput.value; }

  function showStep(code, focus) {
    var steps = applicable();
    var codes = steps.map(function (s) { return s.getAttribute("data-step"); });
    var index = codes.indexOf(code);
    if (index < 0) index = 0;
    stepInput.value = codes[index] || "";
    sections.forEach(function (section) { section.hidden = section !== steps[index]; });
    var last = index === steps.length - 1;
    forward.value = last ? "send" : "next";
    forward.textContent = form.getAttribute(last ? "data-send-label" : "data-next-label");
    back.hidden = index === 0;
    document.getElementById("form-intro").hidden = index !== 0;
    document.getElementById("form-progress").hidden = false;
    document.getElementById("form-progress-text").textContent = form.getAttribute("data-step-label")
      .replace("{n}", index + 1).replace("{total}", steps.length);
    var bar = document.getElementById("form-progress-bar");
    bar.max = steps.length;
    bar.value = index + 1;
    if (focus && steps[index]) {
      window.scrollTo(0, 0);
      steps[index].querySelector("h2").focus();
    }
  }

  function move(delta) {
    var codes = applicable().map(function (s) { return s.getAttribute("data-step"); });
    var index = codes.indexOf(currentStep());
    showStep(codes[Math.max(0, Math.min(codes.length - 1, index + delta))], true);
    saveDraft();
  }

  // ------------------------------------------------------------- errors

  function setError(item, message) {
    var error = document.getElementById("q-" + item.code + "-error");
    item.fieldset.classList.toggle("has-error", !!message);
    error.textContent = message || "";
    error.hidden = !message;
    each(item.fieldset.querySelectorAll("input, textarea"), function (input) {
      if (message) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", error.id);
      } else {
        input.removeAttribute("aria-invalid");
        input.removeAttribute("aria-describedby");
      }
    });
  }

  function showSummary(problems) {
    var list = summary.querySelector("ul");
    list.textContent = "";
    problems.forEach(function (problem) {
      var link = document.createElement("a");
      link.href = "#q-" + problem.item.code;
      link.textContent = problem.item.fieldset.querySelector("legend").firstChild.textContent.trim() + ": " + problem.message;
      var li = document.createElement("li");
      li.appendChild(link);
      list.appendChild(li);
    });
    var title = problems.length === 1 ? summary.getAttribute("data-title-one")
      : summary.getAttribute("data-title-many").replace("{n}", problems.length);
    summary.querySelector("h2").textContent = title;
    summary.hidden = false;
    document.title = summary.getAttribute("data-error-prefix") + " " + baseTitle;
    window.scrollTo(0, 0);
    summary.focus();
  }

  function clearErrors() {
    items.forEach(function (item) { setError(item, null); });
    summary.hidden = true;
    document.title = baseTitle;
  }

  /* Required questions of the page on screen that apply and have no answer. */
  function missingOnPage() {
    var section = sections.filter(function (s) { return s.getAttribute("data-step") === currentStep(); })[0];
    return items.filter(function (item) {
      return item.required && !item.fieldset.hidden && (!section || section.contains(item.fieldset)) &&
        R.isMissing(answerOf(item));
    }).map(function (item) { return { item: item, message: summary.getAttribute("data-required") }; });
  }

  function onSubmit(event) {
    var go = event.submitter ? event.submitter.value : "send";
    if (go === "back") { event.preventDefault(); clearErrors(); move(-1); return; }
    var problems = currentStep() ? missingOnPage() : [];
    if (problems.length) {
      event.preventDefault();
      clearErrors();
      problems.forEach(function (p) { setError(p.item, p.message); });
      showSummary(problems);
      return;
    }
    if (go === "next") { event.preventDefault(); clearErrors(); move(1); return; }
    removeDraft();  // sent: the server is the judge now; a refused form comes back with every answer
  }

  function onSummaryClick(event) {
    var link = event.target.closest("a[href^='#q-']");
    if (!link) return;
    var fieldset = document.getElementById(link.getAttribute("href").slice(1));
    var input = fieldset && fieldset.querySelector("input:not([disabled]), textarea:not([disabled])");
    if (!input) return;
    event.preventDefault();
    fieldset.scrollIntoView({ block: "start" });
    input.focus({ preventScroll: true });
  }

  // ------------------------------------------------------------- draft on this device

  function storage() { try { return window.localStorage; } catch (e) { return null; } }

  function saveDraft() {
    var store = storage();
    if (!store) return;
    var fields = [];
    each(form.elements, function (input) {
      if (!input.name || NOT_SAVED[input.name] || input.disabled) return;
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) return;
      if (input.type !== "radio" && input.type !== "checkbox" && input.value === "") return;
      fields.push([input.name, input.value]);
    });
    try {
      store.setItem(draftKey, JSON.stringify({ step: currentStep(), fields: fields }));
      document.getElementById("draft-note").hidden = false;
    } catch (e) { /* storage full or refused: the form still works */ }
  }

  function removeDraft() {
    var store = storage();
    if (store) try { store.removeItem(draftKey); } catch (e) { /* nothing to remove */ }
  }

  function restoreDraft() {
    var store = storage();
    var draft = store && parse(store.getItem(draftKey));
    if (!draft || !draft.fields) return null;
    draft.fields.forEach(function (pair) {
      each(form.querySelectorAll("[name='" + pair[0].replace(/'/g, "") + "']"), function (input) {
        if (input.type === "radio" || input.type === "checkbox") { if (input.value === pair[1]) input.checked = true; }
        else input.value = pair[1];
      });
    });
    document.getElementById("draft-note").hidden = false;
    return draft;
  }

  // ------------------------------------------------------------- start

  function init() {
    var draft = form.getAttribute("data-fresh") === "1" ? restoreDraft() : null;
    updateRelevance();
    if (currentStep()) showStep(draft && draft.step ? draft.step : currentStep(), false);
    if (form.getAttribute("data-fresh") !== "1") saveDraft();
    if (!summary.hidden) summary.focus();
    form.addEventListener("submit", onSubmit);
    summary.addEventListener("click", onSummaryClick);
    form.addEventListener("change", function () {
      updateRelevance();
      if (currentStep()) showStep(currentStep(), false);  // a follow-up page may appear or go: new total
      saveDraft();
    });
    form.addEventListener("input", function () { updateRelevance(); saveDraft(); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
