/* SIPAS counter kiosk: one question per screen, thank-you, back to the start.
 * Offline-first: answers wait in IndexedDB (with their UUIDs) until the server
 * acknowledges them; the service worker keeps this page and its questionnaire.
 * All texts come from the server (config.json), in every language offered.
 * Without JavaScript the page keeps its plain form (the fallback below #kiosk-app). */
(function () {
  "use strict";

  var root = document.getElementById("kiosk-app");
  if (!root || !window.fetch || !window.Promise || !window.SipasRelevant || !window.SipasOutbox) return;

  var R = window.SipasRelevant;
  var FACE_MOUTHS = { 1: "M14 34 Q24 24 34 34", 2: "M15 33 Q24 28 33 33", 3: "M15 31 L33 31",
    4: "M15 29 Q24 35 33 29", 5: "M13 28 Q24 40 35 28" };
  var FACE_COLOURS = { 1: "#d64545", 2: "#f08c3a", 3: "#f2c230", 4: "#8cc152", 5: "#2f9e44" };
  var CHOICE_TYPES = { satisfaction: 1, scale4: 1, yesno: 1, single: 1 };
  var SEND_TIMEOUT_MS = 20000;
  var MAX_BACKOFF_S = 300;

  var config = null;        // the configuration in use
  var nextConfig = null;    // a newer one, applied at the next start
  var lang = "vi";
  var answers = {};
  var current = -1;         // index of the item on screen
  var visited = [];         // items seen before the current one (this respondent only)
  var phase = "loading";    // loading | question | thanks | closed
  var renderCount = 0;
  var idleTimer = null, countdownTimer = null, thanksTimer = null;
  var pointerChoiceAt = 0;
  var focusBeforeCountdown = null;  // given back when the respondent stays

  var outbox = window.SipasOutbox;  // kiosk/outbox.js

  // ------------------------------------------------------------- sending

  var sync = (function () {
    var running = false, again = false, failures = 0, retryTimer = null;
    var rejected = 0;

    function retryAfter(response) {
      var value = Number(response.headers.get("Retry-After"));
      return isFinite(value) && value > 0 ? Math.min(value, MAX_BACKOFF_S) : null;
    }

    function send(entry) {
      var controller = window.AbortController ? new AbortController() : null;
      var timer = controller ? setTimeout(function () { controller.abort(); }, SEND_TIMEOUT_MS) : null;
      // No cookies: the tablet is known by the token in the body, and a plain
      // request is answered by the server's fast submission path.
      return fetch(entry.url, {
        method: "POST",
        credentials: "omit",
        cache: "no-store",
        headers: {
          "Content-Type": "application/json",
          "Accept": "application/json",
          "Accept-Language": document.documentElement.lang || "vi"
        },
        body: JSON.stringify(entry.body),
        signal: controller ? controller.signal : undefined
      }).then(function (response) {
        if (response.status === 200 || response.status === 201) return { kind: "ok" };
        if (response.status === 408 || response.status === 429 || response.status >= 500) {
          return { kind: "retry", after: retryAfter(response) };
        }
        if (response.status >= 400) {
          return response.text().then(function (text) {
            return { kind: "rejected", status: response.status, detail: text };
          });
        }
        return { kind: "retry", after: null };
      }, function () {
        return { kind: "retry", after: null };  // no network: try again later
      }).then(function (result) {
        if (timer) clearTimeout(timer);
        return result;
      });
    }

    function schedule(seconds) {
      clearTimeout(retryTimer);
      retryTimer = setTimeout(run, seconds * 1000);
    }

    function sendAll(entries, i) {
      if (i >= entries.length) { failures = 0; return Promise.resolve(); }
      var entry = entries[i];
      return send(entry).then(function (result) {
        if (result.kind === "ok") {
          return outbox.remove(entry.uuid).then(function () { return sendAll(entries, i + 1); });
        }
        if (result.kind === "rejected") {
          rejected += 1;
          console.warn("SIPAS kiosk: the server refused response " + entry.uuid + " (HTTP " +
            result.status + "); it is dropped. " + result.detail);
          return outbox.remove(entry.uuid).then(function () { return sendAll(entries, i + 1); });
        }
        failures += 1;
        var backoff = Math.min(MAX_BACKOFF_S, Math.pow(2, failures));
        schedule(result.after || backoff * (0.75 + Math.random() / 2));
        return null;
      });
    }

    function run() {
      if (running) { again = true; return Promise.resolve(); }
      running = true;
      clearTimeout(retryTimer);
      return outbox.all().then(function (entries) { return sendAll(entries, 0); })
        .catch(function (err) { console.warn("SIPAS kiosk: sending failed", err); schedule(30); })
        .then(function () {
          running = false;
          showPending();
          if (again) { again = false; return run(); }
        });
    }

    window.addEventListener("online", function () { failures = 0; run(); });
    return { run: run, rejectedCount: function () { return rejected; } };
  })();

  function showPending() {
    var box = document.getElementById("kiosk-pending");
    if (!box || !config) return Promise.resolve();
    return outbox.all().then(function (entries) {
      var n = entries.length;
      box.hidden = n === 0;
      box.setAttribute("data-pending", String(n));
      box.textContent = n ? text("pending").replace("{n}", n) : "";
      box.title = n && !navigator.onLine ? text("offline") : "";
    });
  }

  function newUuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function queueResponse(finalAnswers) {
    var q = config.questionnaire;
    var entry = {
      uuid: newUuid(),
      url: config.api_url,
      queued_at: new Date().toISOString(),
      body: {
        uuid: null, questionnaire: q.id, version: q.version, device_token: config.device_token,
        channel: "counter", submitted_at: new Date().toISOString(), answers: finalAnswers
      }
    };
    entry.body.uuid = entry.uuid;
    return outbox.put(entry).then(showPending).then(sync.run);
  }

  // ------------------------------------------------------------- answers

  function text(key) {
    var texts = config.texts[lang] || config.texts[config.default_language];
    return texts[key];
  }

  function label(texts) {
    if (!texts) return "";
    return texts[lang] || texts[config.default_language] || texts.vi;
  }

  function items() { return config.questionnaire.items; }

  function relevance() { return R.relevance(items(), answers); }

  function nextIndex(from) {
    var rel = relevance(), list = items();
    for (var i = from + 1; i < list.length; i++) if (rel[list[i].code]) return i;
    return -1;
  }

  function finalAnswers() {
    var rel = relevance(), result = {};
    items().forEach(function (item) {
      if (rel[item.code] && !R.isMissing(answers[item.code])) result[item.code] = answers[item.code];
    });
    return result;
  }

  function readAnswer(item, form) {
    var inputs = form.querySelectorAll("[data-answer]");
    if (CHOICE_TYPES[item.type]) {
      var chosen = form.querySelector("[data-answer]:checked");
      return chosen ? item.options[Number(chosen.value)].code : undefined;
    }
    if (item.type === "multiple") {
      var codes = [];
      Array.prototype.forEach.call(inputs, function (input) {
        if (input.checked) codes.push(item.options[Number(input.value)].code);
      });
      return codes;
    }
    var raw = inputs[0].value.trim();
    if (item.type === "number") {
      var value = raw === "" ? NaN : Number(raw.replace(",", "."));
      return isFinite(value) ? value : undefined;
    }
    return raw;
  }

  // ------------------------------------------------------------- screens

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function face(code) {
    var span = el("span", { "class": "face-wrap", "aria-hidden": "true" });
    span.innerHTML = '<svg class="face" viewBox="0 0 48 48" width="72" height="72" focusable="false">' +
      '<circle cx="24" cy="24" r="22" fill="' + FACE_COLOURS[code] + '"/>' +
      '<circle cx="17" cy="19" r="3" fill="#1b2430"/><circle cx="31" cy="19" r="3" fill="#1b2430"/>' +
      '<path d="' + FACE_MOUTHS[code] + '" stroke="#1b2430" stroke-width="3" fill="none" stroke-linecap="round"/></svg>';
    return span;
  }

  function choiceList(item, name, isMultiple) {
    var faces = item.type === "satisfaction";
    var box = el("div", { "class": "choices" + (faces ? " faces" : "") + (isMultiple ? " many" : "") });
    var extra = null;
    item.options.forEach(function (option, i) {
      var input = el("input", {
        type: isMultiple ? "checkbox" : "radio", name: name, value: String(i),
        autocomplete: "off", "data-answer": ""
      });
      var value = answers[item.code];
      if (isMultiple ? (value || []).indexOf(option.code) >= 0 : value === option.code) input.checked = true;
      var isFace = faces && FACE_COLOURS[option.code];
      var lbl = el("label", { "data-code": String(option.code) },
        [input, isFace ? face(option.code) : null, el("span", { text: label(option.label) })]);
      if (faces && !isFace) {
        extra = extra || el("div", { "class": "choices extra" });
        extra.appendChild(lbl);
      } else {
        box.appendChild(lbl);
      }
    });
    return extra ? [box, extra] : [box];
  }

  function questionForm(index) {
    var item = items()[index];
    renderCount += 1;
    var name = "k" + renderCount + "-" + item.code;  // new names each time: nothing to autofill
    var form = el("form", { "class": "k-screen", autocomplete: "off", novalidate: "", "data-item": item.code });
    var legend = el("legend", { id: "k-question", tabindex: "-1", text: label(item.label) });
    var fieldset = el("fieldset", {}, [legend]);
    if (item.help) fieldset.appendChild(el("p", { "class": "muted", text: label(item.help) }));
    var controls;
    if (CHOICE_TYPES[item.type] || item.type === "multiple") {
      controls = choiceList(item, name, item.type === "multiple");
    } else {
      var id = "k-input-" + renderCount;
      legend.id = "k-question";
      var field = item.type === "number"
        ? el("input", { type: "text", inputmode: "decimal", id: id, name: name })
        : el("textarea", { id: id, name: name, rows: item.multiline ? "4" : "2" });
      field.setAttribute("autocomplete", "off");
      field.setAttribute("spellcheck", "false");
      field.setAttribute("aria-labelledby", "k-question");
      field.setAttribute("data-answer", "");
      if (item.max_length) field.setAttribute("maxlength", String(item.max_length));
      var value = answers[item.code];
      if (value !== undefined) field.value = String(value);
      controls = [field];
    }
    controls.forEach(function (c) { fieldset.appendChild(c); });
    var error = el("p", { "class": "error", role: "alert", id: "k-error" });
    error.hidden = true;
    fieldset.appendChild(error);
    form.appendChild(fieldset);

    var isLast = nextIndexAfterAnswer(index) === -1;
    var nav = el("div", { "class": "k-nav" });
    if (visited.length) {
      nav.appendChild(el("button", { type: "button", "class": "secondary", "data-action": "back", text: text("back") }));
    }
    nav.appendChild(el("button", { type: "submit", "data-action": isLast ? "send" : "next",
      text: isLast ? text("send") : text("next") }));
    form.appendChild(nav);
    return form;
  }

  function nextIndexAfterAnswer(index) { return nextIndex(index); }

  function header() {
    var q = config.questionnaire;
    var wrap = el("div", { "class": "k-head" }, [el("h1", { text: label(q.title) })]);
    if (current === nextIndex(-1) && q.description) wrap.appendChild(el("p", { "class": "muted", text: label(q.description) }));
    return wrap;
  }

  function render(focus) {
    root.textContent = "";
    document.documentElement.lang = lang;
    markLanguage();
    if (phase === "closed") {
      root.appendChild(el("div", { "class": "thanks" }, [el("h1", { text: config.device.unit }), el("p", { text: text("closed") })]));
      return;
    }
    if (phase === "thanks") {
      root.appendChild(el("div", { "class": "thanks", role: "status" },
        [el("h1", { "class": "big", text: text("thanks") }), el("p", { "class": "muted", text: text("thanks_note") })]));
      return;
    }
    root.appendChild(header());
    root.appendChild(questionForm(current));
    root.appendChild(countdownBox());
    if (focus) {
      var legend = document.getElementById("k-question");
      if (legend) legend.focus({ preventScroll: true });
    }
  }

  function refreshNavButton() {
    var button = root.querySelector(".k-nav [type=submit]");
    if (!button) return;
    var isLast = nextIndex(current) === -1;
    button.setAttribute("data-action", isLast ? "send" : "next");
    button.textContent = isLast ? text("send") : text("next");
  }

  function show(index) {
    current = index;
    phase = "question";
    render(true);
    window.scrollTo(0, 0);
    activity();
  }

  function start() {
    clearTimers();
    if (nextConfig) { config = nextConfig; nextConfig = null; }
    answers = {};
    visited = [];
    lang = config.default_language;
    if (!config.open) { phase = "closed"; render(false); return; }
    phase = "question";
    current = nextIndex(-1);
    render(false);
    window.scrollTo(0, 0);
  }

  function finish() {
    if (phase !== "question") return;
    clearTimers();
    var toSend = finalAnswers();
    phase = "thanks";
    render(false);
    queueResponse(toSend);
    thanksTimer = setTimeout(start, config.thanks_seconds * 1000);
  }

  function onSubmit(event) {
    event.preventDefault();
    var item = items()[current];
    var missing = R.isMissing(answers[item.code]);
    if (item.required && missing && relevance()[item.code]) {
      var error = document.getElementById("k-error");
      error.textContent = text("required");
      error.hidden = false;
      markInvalid(true);
      document.getElementById("k-question").focus();
      return;
    }
    var next = nextIndex(current);
    if (next === -1) { finish(); return; }
    visited.push(current);
    show(next);
  }

  /* The message tied to the answers it is about (WCAG 3.3.1). */
  function markInvalid(invalid) {
    Array.prototype.forEach.call(root.querySelectorAll("[data-answer]"), function (input) {
      if (invalid) { input.setAttribute("aria-invalid", "true"); input.setAttribute("aria-describedby", "k-error"); }
      else { input.removeAttribute("aria-invalid"); input.removeAttribute("aria-describedby"); }
    });
  }

  function onChange(event) {
    var form = event.target.form;
    if (!form || phase !== "question") return;
    var item = items()[current];
    if (item.type === "multiple") keepExclusive(item, form, event.target);
    answers[item.code] = readAnswer(item, form);
    var error = document.getElementById("k-error");
    if (error) error.hidden = true;
    markInvalid(false);
    refreshNavButton();
    // The countdown taking the focus makes a text field fire "change": that is not the respondent back.
    var box = document.getElementById("k-countdown");
    if (!box || box.hidden) activity();
    // A tap on a single choice moves on by itself; keyboard users confirm with Enter.
    if (CHOICE_TYPES[item.type] && Date.now() - pointerChoiceAt < 1500 && nextIndex(current) !== -1) {
      var shown = current;
      setTimeout(function () {
        if (phase === "question" && current === shown) onSubmit({ preventDefault: function () {} });
      }, 250);
    }
  }

  function keepExclusive(item, form, changed) {
    if (!changed.checked) return;
    var option = item.options[Number(changed.value)];
    Array.prototype.forEach.call(form.querySelectorAll("[data-answer]"), function (input) {
      if (input === changed || !input.checked) return;
      var other = item.options[Number(input.value)];
      if (option.exclusive || other.exclusive) input.checked = false;
    });
  }

  // ------------------------------------------------------------- idle reset

  function pristine() {
    return phase !== "question" ||
      (Object.keys(answers).length === 0 && visited.length === 0 && lang === config.default_language);
  }

  function clearTimers() {
    clearTimeout(idleTimer);
    clearInterval(countdownTimer);
    clearTimeout(thanksTimer);
    idleTimer = countdownTimer = thanksTimer = null;
    var box = document.getElementById("k-countdown");
    if (box) box.hidden = true;
  }

  /* WCAG 2.2.1: an alert dialog that takes the focus, so it is announced once; its
   * seconds change on screen only (no live region re-announcing every second). */
  function countdownBox() {
    var box = el("div", { id: "k-countdown", "class": "k-countdown", role: "alertdialog",
      "aria-labelledby": "k-countdown-text" }, [
      el("p", { id: "k-countdown-text" }),
      el("button", { type: "button", "data-action": "stay", text: text("still_here") })
    ]);
    box.hidden = true;
    return box;
  }

  function activity() {
    if (phase !== "question") return;
    clearTimeout(idleTimer);
    clearInterval(countdownTimer);
    countdownTimer = null;
    var box = document.getElementById("k-countdown");
    if (box && !box.hidden) {
      box.hidden = true;
      if (focusBeforeCountdown && document.contains(focusBeforeCountdown)) focusBeforeCountdown.focus({ preventScroll: true });
    }
    focusBeforeCountdown = null;
    if (pristine()) return;
    var quiet = Math.max(config.idle_seconds - config.countdown_seconds, 10);
    idleTimer = setTimeout(startCountdown, quiet * 1000);
  }

  function startCountdown() {
    var remaining = config.countdown_seconds;
    var box = document.getElementById("k-countdown");
    var message = document.getElementById("k-countdown-text");
    function tick() {
      message.textContent = text("countdown").replace("{n}", remaining);
      box.setAttribute("data-seconds", String(remaining));
    }
    tick();
    box.hidden = false;
    focusBeforeCountdown = document.activeElement;
    box.querySelector("button").focus({ preventScroll: true });
    countdownTimer = setInterval(function () {
      remaining -= 1;
      if (remaining <= 0) { timedOut(); return; }
      tick();
    }, 1000);
  }

  function timedOut() {
    clearTimers();
    var main = config.main_item;
    var kept = finalAnswers();
    if (config.keep_partial_with_main_rating && main && !R.isMissing(kept[main])) queueResponse(kept);
    start();
  }

  // ------------------------------------------------------------- language

  function markLanguage() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-lang]"), function (link) {
      if (link.getAttribute("data-lang") === lang) link.setAttribute("aria-current", "true");
      else link.removeAttribute("aria-current");
    });
    var nav = document.querySelector("nav.lang");
    if (nav && config) nav.setAttribute("aria-label", text("language"));
  }

  function onLanguage(event) {
    var link = event.target.closest("[data-lang]");
    if (!link || !config) return;
    event.preventDefault();
    if (config.languages.indexOf(link.getAttribute("data-lang")) < 0) return;
    lang = link.getAttribute("data-lang");
    render(false);
    showPending();
    activity();
  }

  // ------------------------------------------------------------- start-up

  function loadConfig() {
    return fetch(root.getAttribute("data-config-url"), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  function refreshConfig() {
    loadConfig().then(function (fresh) {
      if (JSON.stringify(fresh) === JSON.stringify(config)) return;
      nextConfig = fresh;
      if (pristine() && phase !== "thanks") start();
    }, function () { /* offline: keep the configuration we have */ });
  }

  function registerServiceWorker() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register(root.getAttribute("data-sw-url"), { scope: root.getAttribute("data-scope") })
      .catch(function (err) { console.warn("SIPAS kiosk: no offline support", err); });
  }

  function boot(loaded) {
    config = loaded;
    var pageLang = document.documentElement.lang;  // the server's: a language link tapped before the start-up
    var fallback = document.getElementById("kiosk-fallback");
    if (fallback) fallback.parentNode.removeChild(fallback);
    root.hidden = false;
    root.addEventListener("submit", onSubmit);
    root.addEventListener("change", onChange);
    root.addEventListener("input", function (event) {
      if (event.target.matches("textarea, input[type=text]")) onChange(event);
    });
    root.addEventListener("pointerdown", function (event) {
      if (event.target.closest(".choices")) pointerChoiceAt = Date.now();
    });
    root.addEventListener("click", function (event) {
      var action = event.target.closest("[data-action]");
      if (!action) return;
      if (action.getAttribute("data-action") === "back" && visited.length) show(visited.pop());
      if (action.getAttribute("data-action") === "stay") activity();
    });
    document.addEventListener("click", onLanguage);
    ["pointerdown", "keydown", "input", "wheel", "touchstart"].forEach(function (type) {
      document.addEventListener(type, activity, { passive: true });
    });
    if (navigator.storage && navigator.storage.persist) {
      navigator.storage.persist().catch(function () {});
    }
    start();
    if (pageLang !== lang && config.languages.indexOf(pageLang) >= 0) {
      lang = pageLang;  // for this respondent only: the next start is in the default language again
      render(false);
    }
    showPending();
    sync.run();
    setInterval(refreshConfig, config.config_refresh_seconds * 1000);
    setInterval(sync.run, 60000);
  }

  loadConfig().then(boot, function (err) {
    console.warn("SIPAS kiosk: configuration unavailable, keeping the plain form", err);
  });
  registerServiceWorker();
})();
