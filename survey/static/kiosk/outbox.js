/* The kiosk's outbox: answers wait in IndexedDB (with their UUIDs) until the server
 * acknowledges them; in memory only when IndexedDB is unavailable (a private window).
 * Used by kiosk.js as window.SipasOutbox. */
(function () {
  "use strict";
  if (!window.Promise) return;

  window.SipasOutbox = (function () {
    var dbPromise = null;
    var memory = {};  // used only when IndexedDB is unavailable (e.g. a private window)

    function open() {
      if (!dbPromise) {
        dbPromise = new Promise(function (resolve, reject) {
          if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
          var request = indexedDB.open("sipas-kiosk", 1);
          request.onupgradeneeded = function () {
            request.result.createObjectStore("outbox", { keyPath: "uuid" });
          };
          request.onsuccess = function () { resolve(request.result); };
          request.onerror = function () { reject(request.error); };
        });
        dbPromise.catch(function (err) { console.warn("SIPAS kiosk: IndexedDB unavailable", err); });
      }
      return dbPromise;
    }

    function run(mode, action) {
      return open().then(function (db) {
        return new Promise(function (resolve, reject) {
          var tx = db.transaction("outbox", mode);
          var request = action(tx.objectStore("outbox"));
          tx.oncomplete = function () { resolve(request ? request.result : undefined); };
          tx.onerror = function () { reject(tx.error); };
          tx.onabort = function () { reject(tx.error); };
        });
      });
    }

    function values() { return Object.keys(memory).map(function (k) { return memory[k]; }); }

    return {
      put: function (entry) {
        return run("readwrite", function (s) { return s.put(entry); })
          .catch(function () { memory[entry.uuid] = entry; });
      },
      remove: function (uuid) {
        delete memory[uuid];
        return run("readwrite", function (s) { return s["delete"](uuid); }).catch(function () {});
      },
      all: function () {
        return run("readonly", function (s) { return s.getAll(); })
          .then(function (rows) { return rows.concat(values()); }, function () { return values(); })
          .then(function (rows) {
            return rows.sort(function (a, b) { return a.queued_at < b.queued_at ? -1 : 1; });
          });
      }
    };
  })();
})();
