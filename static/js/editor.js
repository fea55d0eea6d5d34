// The one-screen editor: show a row's reason field as soon as "not applicable" is
// chosen. Without this script the server shows it whenever it matters (the status is
// "not applicable", the reason holds text or an error), so the page works without it.
(function () {
  "use strict";
  var NOT_APPLICABLE = "nicht_zutreffend";
  document.querySelectorAll("[data-editor-row]").forEach(function (row) {
    var status = row.querySelector("select[name$='-status']");
    var reason = row.querySelector("[data-reason]");
    if (!status || !reason) {
      return;
    }
    var text = reason.querySelector("textarea");
    status.addEventListener("change", function () {
      reason.hidden = status.value !== NOT_APPLICABLE && !(text && text.value.trim());
      row.className = row.className.replace(/\bfactor-[a-z_]+/, "factor-" + status.value);
    });
  });
})();
