/* Organization space forms: progressive enhancement only — every form works without this file.
 * - moves the keyboard focus to the error summary so screen readers read it first;
 * - in a slot form, disables the date fields while "ongoing" is ticked. */
(function () {
  "use strict";

  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }

  document.querySelectorAll("[data-slot-form]").forEach(function (form) {
    var ongoing = form.querySelector("input[name$='is_ongoing']");
    var dates = form.querySelector("[data-slot-dates]");
    if (!ongoing || !dates) {
      return;
    }
    function sync() {
      dates.disabled = ongoing.checked;
    }
    ongoing.addEventListener("change", sync);
    sync();
  });
})();
