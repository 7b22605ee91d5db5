// Mila's own script. The Content-Security-Policy allows no inline script,
// so every enhancement lives here and hooks onto data- attributes.
// Pages must work without it; it only makes them nicer.
(function () {
  "use strict";

  // How long a success flash stays before it fades (UI.md: about five seconds).
  var FLASH_FADE_MS = 5000;

  function dismiss(el) {
    el.classList.add("is-fading");
    var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    window.setTimeout(function () { el.remove(); }, reduce ? 0 : 600);
  }

  // Success flashes fade after a while; error flashes stay until dismissed.
  function initFlashes(root) {
    root.querySelectorAll("[data-flash='success']:not([data-flash-init])").forEach(function (el) {
      el.setAttribute("data-flash-init", "");
      window.setTimeout(function () { dismiss(el); }, FLASH_FADE_MS);
    });
  }

  // Any button with data-dismiss removes its closest [data-dismissible].
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest && ev.target.closest("[data-dismiss]");
    if (!btn) return;
    var box = btn.closest("[data-dismissible]");
    if (box) dismiss(box);
  });

  document.addEventListener("DOMContentLoaded", function () { initFlashes(document); });
  // Content swapped in by htmx may carry new flashes.
  document.addEventListener("htmx:load", function (ev) { initFlashes(ev.target || document); });
})();
