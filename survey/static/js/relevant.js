/* The `relevant` condition evaluator for the browser.
 * It evaluates the JSON AST of questionnaires/SCHEMA.md exactly as
 * survey/questionnaire/expressions.py does; the server stays the judge.
 * A missing answer (absent, null, "" or []) makes every comparison false,
 * including != and "not in"; numbers compare with numbers, text with text. */
(function (root) {
  "use strict";

  function isMissing(value) {
    return value === undefined || value === null || value === "" ||
      (Array.isArray(value) && value.length === 0);
  }

  function isNumber(value) {
    return typeof value === "number";
  }

  function sameKind(a, b) {
    return (isNumber(a) && isNumber(b)) || (typeof a === "string" && typeof b === "string");
  }

  function equal(a, b) {
    return sameKind(a, b) && a === b;
  }

  function compare(op, a, b) {
    if (isMissing(a) || isMissing(b)) return false;
    if (op === "==") return equal(a, b);
    if (op === "!=") return !equal(a, b);
    if (!(isNumber(a) && isNumber(b))) return false;
    if (op === "<") return a < b;
    if (op === "<=") return a <= b;
    if (op === ">") return a > b;
    if (op === ">=") return a >= b;
    throw new Error("unknown comparison " + op);
  }

  function answerOf(answers, name) {
    return Object.prototype.hasOwnProperty.call(answers, name) ? answers[name] : undefined;
  }

  function operandValue(operand, answers) {
    if (operand.op === "var") return answerOf(answers, operand.name);
    if (operand.op === "const") return operand.value;
    throw new Error("not an operand: " + JSON.stringify(operand));
  }

  function evaluate(node, answers) {
    var i, value;
    switch (node.op) {
      case "and":
        for (i = 0; i < node.args.length; i++) if (!evaluate(node.args[i], answers)) return false;
        return true;
      case "or":
        for (i = 0; i < node.args.length; i++) if (evaluate(node.args[i], answers)) return true;
        return false;
      case "not":
        return !evaluate(node.arg, answers);
      case "==": case "!=": case "<": case "<=": case ">": case ">=":
        return compare(node.op, operandValue(node.left, answers), operandValue(node.right, answers));
      case "in": case "not in":
        value = operandValue(node.left, answers);
        if (isMissing(value)) return false;
        var found = false;
        for (i = 0; i < node.values.length; i++) if (equal(value, node.values[i])) { found = true; break; }
        return node.op === "in" ? found : !found;
      case "selected":
        value = answerOf(answers, node.name);
        if (!Array.isArray(value)) return false;
        for (i = 0; i < value.length; i++) if (equal(value[i], node.value)) return true;
        return false;
      case "answered":
        return !isMissing(answerOf(answers, node.name));
      default:
        throw new Error("not an expression node: " + JSON.stringify(node));
    }
  }

  /* Which items apply, in questionnaire order: an answer to an item that does
   * not apply counts as missing for the conditions of later items.
   * items: [{code, relevant_ast}], answers: {code: value}; returns {code: bool}. */
  function relevance(items, answers) {
    var effective = {}, result = {};
    for (var i = 0; i < items.length; i++) {
      var item = items[i];
      var applies = !item.relevant_ast || evaluate(item.relevant_ast, effective);
      result[item.code] = applies;
      if (applies && Object.prototype.hasOwnProperty.call(answers, item.code)) {
        effective[item.code] = answers[item.code];
      }
    }
    return result;
  }

  root.SipasRelevant = { evaluate: evaluate, relevance: relevance, isMissing: isMissing };
})(typeof window !== "undefined" ? window : this);
