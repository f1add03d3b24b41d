/* Online form enhancement: questions whose `relevant` condition is false are
 * hidden and disabled (so they are not sent) as the respondent answers.
 * The form works without this script; the server applies the same rules
 * (survey/questionnaire) and stays the judge. */
(function () {
  "use strict";
  if (!window.SipasRelevant || !document.querySelector) return;
  var R = window.SipasRelevant;

  function parse(json) {
    try { return JSON.parse(json); } catch (e) { return null; }
  }

  function collectItems() {
    return Array.prototype.map.call(document.querySelectorAll("fieldset[data-item]"), function (fieldset) {
      return {
        code: fieldset.getAttribute("data-item"),
        type: fieldset.getAttribute("data-type"),
        codes: parse(fieldset.getAttribute("data-codes")) || [],
        relevant_ast: parse(fieldset.getAttribute("data-relevant-ast")),
        fieldset: fieldset
      };
    });
  }

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
      var value = raw === "" ? NaN : Number(raw);
      return isFinite(value) ? value : undefined;
    }
    return raw;
  }

  function update(items) {
    var answers = {};
    items.forEach(function (item) { answers[item.code] = answerOf(item); });
    var relevance = R.relevance(items, answers);
    items.forEach(function (item) {
      var applies = relevance[item.code];
      item.fieldset.hidden = !applies;
      Array.prototype.forEach.call(item.fieldset.querySelectorAll("input, textarea, select"), function (input) {
        input.disabled = !applies;
      });
    });
    // A section whose every question is hidden is hidden too.
    Array.prototype.forEach.call(document.querySelectorAll("section"), function (section) {
      var questions = section.querySelectorAll("fieldset[data-item]");
      if (!questions.length) return;
      section.hidden = Array.prototype.every.call(questions, function (q) { return q.hidden; });
    });
  }

  function init() {
    var items = collectItems();
    if (!items.some(function (item) { return item.relevant_ast; })) return;
    update(items);
    document.addEventListener("change", function () { update(items); });
    document.addEventListener("input", function () { update(items); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
