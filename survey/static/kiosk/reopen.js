/* The closed kiosk page looks again every 5 minutes whether a round has opened.
 * There is nothing to answer on it, so reloading takes nothing from anyone. */
(function () {
  "use strict";
  window.setTimeout(function () { window.location.reload(); }, 300000);
})();
