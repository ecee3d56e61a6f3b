// The survey answering page: autosave every change (personal links only: the anonymous open link
// has no draft to save), show/hide conditional questions and number the questions shown, progress,
// and take a question's error away once it is answered.
// No framework and no build step; the form also works without JavaScript (submit posts it all).
(function () {
  "use strict";
  const form = document.querySelector("form.survey-form");
  if (!form) { return; }
  const autosave = Boolean(form.dataset.autosave);
  const status = document.querySelector("[data-save-status]");
  let timer = null;
  let inFlight = null;

  function scoreOf(code) {
    const checked = form.querySelector('input[name="q-' + code + '"]:checked');
    return checked ? parseInt(checked.value, 10) : null;
  }

  function applyConditions() {
    form.querySelectorAll("fieldset[data-condition]").forEach(function (fieldset) {
      const score = scoreOf(fieldset.dataset.condition);
      fieldset.hidden = !(score !== null && score <= parseInt(fieldset.dataset.conditionMax, 10));
    });
  }

  // The numbers follow the questions shown: a hidden conditional question takes none.
  function renumber() {
    let number = 0;
    form.querySelectorAll("fieldset.survey-question").forEach(function (fieldset) {
      const label = fieldset.querySelector(".survey-number");
      if (!label) { return; }
      if (fieldset.hidden) { label.textContent = ""; return; }
      number += 1;
      label.textContent = String(number);
    });
  }

  // A question answered after a refused submission loses its error; the summary goes with the last.
  function clearAnsweredErrors() {
    form.querySelectorAll("fieldset.survey-question.has-error").forEach(function (fieldset) {
      if (!answered(fieldset) && !fieldset.hidden) { return; }
      fieldset.classList.remove("has-error");
      const error = fieldset.querySelector(".survey-error");
      if (error) { error.remove(); }
      fieldset.querySelectorAll("[aria-describedby]").forEach(function (element) { element.removeAttribute("aria-describedby"); });
    });
    const summary = document.querySelector("[data-error-summary]");
    if (summary && !form.querySelector("fieldset.survey-question.has-error")) { summary.hidden = true; }
  }

  function answered(fieldset) {
    if (fieldset.querySelector("input[type=radio]:checked, input[type=checkbox]:checked")) {
      // The importance rating alone does not answer the question.
      const main = fieldset.querySelector('input[name="q-' + fieldset.dataset.code + '"]:checked');
      return main !== null;
    }
    const text = fieldset.querySelector("textarea");
    return text !== null && text.value.trim() !== "";
  }

  function updateProgress() {
    const shown = Array.from(form.querySelectorAll("fieldset.survey-question")).filter(function (f) { return !f.hidden; });
    const done = shown.filter(answered).length;
    const bar = document.querySelector("[data-progress-bar]");
    const doneEl = document.querySelector("[data-answered]");
    const totalEl = document.querySelector("[data-total]");
    if (bar) { bar.style.width = (shown.length ? Math.round(done * 100 / shown.length) : 0) + "%"; }
    if (doneEl) { doneEl.textContent = done; }
    if (totalEl) { totalEl.textContent = shown.length; }
  }

  function save() {
    const body = new FormData(form);
    inFlight = fetch(form.dataset.autosave, { method: "POST", body: body, credentials: "omit", referrerPolicy: "no-referrer" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function () { if (status) { status.textContent = status.dataset.saved; } form.dataset.saved = "1"; })
      .catch(function () { if (status) { status.textContent = status.dataset.failed; } });
    return inFlight;
  }

  function changed(delay) {
    applyConditions();
    renumber();
    clearAnsweredErrors();
    updateProgress();
    if (!autosave) { return; }
    form.dataset.saved = "0";
    window.clearTimeout(timer);
    timer = window.setTimeout(save, delay);
  }

  form.addEventListener("change", function () { changed(150); });
  form.addEventListener("input", function (event) { if (event.target.tagName === "TEXTAREA") { changed(800); } });
  // Leaving the page: send what is pending without waiting.
  window.addEventListener("pagehide", function () {
    if (autosave && form.dataset.saved === "0" && navigator.sendBeacon) { navigator.sendBeacon(form.dataset.autosave, new FormData(form)); }
  });
  applyConditions();
  renumber();
  updateProgress();
})();
