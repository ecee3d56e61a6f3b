// Keyboard shortcuts for staff pages. Kept tiny: no framework, no build step.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // The main menu's disclosure button (shown on narrow screens only, see app.css).
  const navToggle = document.querySelector(".nav-toggle");
  function navOpen(open) {
    navToggle.setAttribute("aria-expanded", open ? "true" : "false");
    navToggle.closest(".topbar").classList.toggle("nav-open", open);
  }
  if (navToggle) {
    navToggle.addEventListener("click", function () { navOpen(navToggle.getAttribute("aria-expanded") !== "true"); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && navToggle.getAttribute("aria-expanded") === "true") { navOpen(false); navToggle.focus(); }
    });
    document.addEventListener("click", function (event) {
      if (!event.target.closest(".topbar")) { navOpen(false); }
    });
  }
  // A table wider than the screen scrolls inside its own box; the keyboard can scroll that box only
  // once it can take the focus (WCAG 2.1.1), so an overflowing box becomes a tab stop, and only then.
  function scrollBoxesFocusable() {
    document.querySelectorAll(".table-wrap, .chart-numbers, .month-wrap").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth) { box.setAttribute("tabindex", "0"); } else { box.removeAttribute("tabindex"); }
    });
  }
  scrollBoxesFocusable();
  window.addEventListener("resize", scrollBoxesFocusable);
  document.addEventListener("htmx:afterSettle", scrollBoxesFocusable);
  let pendingG = false;
  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  function go(selector) {
    const link = document.querySelector(selector);
    if (link) { window.location.href = link.getAttribute("href"); }
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    if (event.key === "/") {
      const search = document.querySelector("[data-search]");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
      return;
    }
    if (pendingG) {
      pendingG = false;
      if (event.key === "c") { go("[data-nav=customers], .mainnav a[href$='/customers/']"); }
      if (event.key === "s") { go(".mainnav a[href$='/segments/']"); }
      if (event.key === "d") { go(".brand"); }
      return;
    }
    if (event.key === "g") { pendingG = true; window.setTimeout(function () { pendingG = false; }, 1200); return; }
    if (event.key === "n") { go("[data-shortcut=new]"); }
  });
  // Filters submit on change, so the list updates without a click.
  document.addEventListener("change", function (event) {
    const form = event.target.closest("form[data-autosubmit]");
    if (form && event.target.name !== "q") { form.requestSubmit(); }
  });
  // Confirm destructive buttons; switching language keeps the page as it is now (filters that
  // htmx pushed into the address bar included).
  document.addEventListener("submit", function (event) {
    if (event.target.classList.contains("langswitch")) {
      const next = event.target.querySelector("input[name=next]");
      if (next) { next.value = window.location.pathname + window.location.search; }
    }
    const message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
})();
