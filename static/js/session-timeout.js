// Warns a signed-in user shortly before the session ends for inactivity.
// Wired by templates/includes/session_timeout.html through data-* attributes:
//   data-session-expires-at   epoch second at which the server ends the session
//   data-session-server-now   the server's clock when the page was made
//   data-session-warn-seconds how long before the end the warning appears
// "Stay signed in" fetches the current page again, which moves the expiry forward
// on the server, and reads the new expiry from the answer.
(function () {
  "use strict";
  var box = document.getElementById("session-timeout");
  if (!box || !window.fetch || !window.DOMParser) {
    return;
  }
  var warning = box.querySelector("[data-session-warning]");
  var ended = box.querySelector("[data-session-ended]");
  var button = box.querySelector("[data-session-extend]");
  var warnSeconds = parseInt(box.dataset.sessionWarnSeconds, 10) || 120;
  var timers = [];

  function clearTimers() {
    timers.forEach(window.clearTimeout);
    timers = [];
  }

  // Seconds left, measured from the server's clock so a wrong client clock is harmless.
  function schedule(expiresAt, serverNow) {
    clearTimers();
    var left = expiresAt - serverNow;
    if (!(left > 0)) {
      return;
    }
    timers.push(window.setTimeout(showWarning, Math.max(left - warnSeconds, 0) * 1000));
    timers.push(window.setTimeout(showEnded, left * 1000));
  }

  function showWarning() {
    box.hidden = false;
    warning.hidden = false;
    ended.hidden = true;
    button.focus();
  }

  function showEnded() {
    clearTimers();
    box.hidden = false;
    warning.hidden = true;
    ended.hidden = false;
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    window
      .fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser()
          .parseFromString(html, "text/html")
          .getElementById("session-timeout");
        if (!fresh) {
          showEnded();
          return;
        }
        box.hidden = true;
        schedule(
          parseInt(fresh.dataset.sessionExpiresAt, 10),
          parseInt(fresh.dataset.sessionServerNow, 10)
        );
      })
      .catch(showEnded)
      .then(function () {
        button.disabled = false;
      });
  });

  schedule(parseInt(box.dataset.sessionExpiresAt, 10), parseInt(box.dataset.sessionServerNow, 10));
})();
