// Complaint pages: the phone-call screen (customer picker, keyboard) and the detail page's step forms.
(function () {
  "use strict";
  function pickCustomer(chosen) {
    const hidden = document.getElementById("id_customer");
    const contact = document.getElementById("id_contact");
    const finder = document.getElementById("customer-finder");
    if (!hidden || !chosen) { return; }
    hidden.value = chosen.getAttribute("data-customer-chosen");
    const options = chosen.querySelector("template[data-contacts]");
    if (contact && options) {
      contact.innerHTML = "<option value=\"\">—</option>" + options.innerHTML;
      if (contact.options.length > 1) { contact.selectedIndex = 1; }
    }
    if (finder) { finder.hidden = true; }
    const next = document.getElementById("id_subject");
    if (next) { next.focus(); }
  }
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "customer-picked") {
      pickCustomer(event.detail.target.querySelector("[data-customer-chosen]"));
    }
  });
  document.addEventListener("click", function (event) {
    const change = event.target.closest("[data-customer-change]");
    if (change) {
      document.getElementById("customer-picked").innerHTML = "";
      document.getElementById("id_customer").value = "";
      const finder = document.getElementById("customer-finder");
      finder.hidden = false;
      document.getElementById("customer-search").focus();
    }
    if (event.target.closest("[data-print]")) { window.print(); }
    const toggle = event.target.closest("[data-step-toggle]");
    if (toggle) {
      document.querySelectorAll(".step-form").forEach(function (form) {
        form.hidden = form.id !== toggle.getAttribute("data-step-toggle") || !form.hidden;
      });
      const open = document.getElementById(toggle.getAttribute("data-step-toggle"));
      if (open && !open.hidden) { const first = open.querySelector("textarea, select"); if (first) { first.focus(); } }
    }
  });
  document.addEventListener("keydown", function (event) {
    // Arrow keys move through the customer results; Enter picks (a button's own behaviour).
    if (event.target.id === "customer-search" && event.key === "ArrowDown") {
      const first = document.querySelector(".customer-result");
      if (first) { event.preventDefault(); first.focus(); }
    } else if (event.target.classList && event.target.classList.contains("customer-result")) {
      const items = Array.from(document.querySelectorAll(".customer-result"));
      const index = items.indexOf(event.target);
      if (event.key === "ArrowDown" && items[index + 1]) { event.preventDefault(); items[index + 1].focus(); }
      if (event.key === "ArrowUp") {
        event.preventDefault();
        (items[index - 1] || document.getElementById("customer-search")).focus();
      }
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      const form = document.getElementById("intake-form");
      if (form) { event.preventDefault(); form.requestSubmit(); }
    }
  });
})();
