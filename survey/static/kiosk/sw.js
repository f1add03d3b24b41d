/* SIPAS kiosk service worker (KIOSK_VERSION, KIOSK_URL and KIOSK_ASSETS are
 * prepended by the server). It keeps the kiosk page, its configuration and its
 * assets so that the tablet starts and works without a network. Answers never
 * pass through here: the page queues them in IndexedDB and posts them itself. */
"use strict";

var CACHE = "sipas-kiosk-" + KIOSK_VERSION;
var CONFIG_URL = KIOSK_URL + "/config.json";
var NETWORK_TIMEOUT_MS = 5000;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return cache.addAll([KIOSK_URL, CONFIG_URL].concat(KIOSK_ASSETS));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("sipas-kiosk-") === 0 && name !== CACHE;
      }).map(function (name) { return caches["delete"](name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function withTimeout(promise, ms) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("timeout")); }, ms);
    promise.then(function (value) { clearTimeout(timer); resolve(value); },
      function (err) { clearTimeout(timer); reject(err); });
  });
}

/* The page and its configuration: the network first (fresh questionnaire, and
 * the server notes the tablet's contact), the kept copy when it does not answer. */
function networkFirst(request, cacheKey) {
  return withTimeout(fetch(request), NETWORK_TIMEOUT_MS).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(cacheKey, copy); });
      return response;
    }
    // The server answered: a closed round or a withdrawn tablet is shown as it is.
    if (response.status < 500) return response;
    return caches.match(cacheKey, { ignoreVary: true }).then(function (kept) { return kept || response; });
  }, function () {
    return caches.match(cacheKey, { ignoreVary: true }).then(function (kept) {
      return kept || Response.error();
    });
  });
}

function cacheFirst(request) {
  return caches.match(request).then(function (kept) {
    return kept || fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;  // answers go straight to the network
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === KIOSK_URL) {
    event.respondWith(networkFirst(request, KIOSK_URL));
  } else if (url.pathname === CONFIG_URL) {
    event.respondWith(networkFirst(request, CONFIG_URL));
  } else if (KIOSK_ASSETS.indexOf(url.pathname + url.search) >= 0) {
    event.respondWith(cacheFirst(request));
  }
});
