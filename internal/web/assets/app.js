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

  // A control with data-dialog-open="<id>" opens that <dialog> as a modal
  // instead of following its link; the link (a confirmation page) is what
  // works without JavaScript. The native dialog keeps focus inside, closes
  // on Escape and returns focus to the opener. data-dialog-close closes
  // the dialog it is in.
  document.addEventListener("click", function (ev) {
    var opener = ev.target.closest && ev.target.closest("[data-dialog-open]");
    if (opener) {
      var dlg = document.getElementById(opener.getAttribute("data-dialog-open"));
      if (dlg && typeof dlg.showModal === "function") {
        ev.preventDefault();
        dlg.showModal();
      }
      return;
    }
    var closer = ev.target.closest && ev.target.closest("[data-dialog-close]");
    var box = closer && closer.closest("dialog");
    if (box) box.close();
  });

  // Header menus (<details data-menu>) open and close natively with the
  // keyboard; like other menus they also close on a click elsewhere and
  // on Escape, which gives focus back to their summary.
  document.addEventListener("click", function (ev) {
    document.querySelectorAll("details[data-menu][open]").forEach(function (d) {
      if (!d.contains(ev.target)) d.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Escape") return;
    var d = ev.target.closest && ev.target.closest("details[data-menu][open]");
    if (!d) return;
    d.removeAttribute("open");
    var s = d.querySelector("summary");
    if (s) s.focus();
  });

  document.addEventListener("DOMContentLoaded", function () { initFlashes(document); });
  // Content swapped in by htmx may carry new flashes.
  document.addEventListener("htmx:load", function (ev) { initFlashes(ev.target || document); });
})();

// ---------------------------------------------------------------------------
// Groups: the delete dialog with typed-name confirmation, and
// focus after inline changes of a member's groups. Hooks:
// a[data-group-delete] (the Delete link; without JS it opens the
// confirmation page), dialog[data-group-delete-dialog] (fetched from that
// same URL as an htmx fragment), [data-group-dialog-close] (Cancel), and
// input[data-confirm-expected] which enables its form's
// [data-confirm-submit] only while the typed text matches exactly.
// ---------------------------------------------------------------------------
(function () {
  "use strict";

  var FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), ' +
    'select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

  function syncConfirm(input) {
    var form = input.form;
    if (!form) return;
    var ok = input.value === input.getAttribute("data-confirm-expected");
    form.querySelectorAll("[data-confirm-submit]").forEach(function (btn) { btn.disabled = !ok; });
  }

  function initConfirms(root) {
    root.querySelectorAll("input[data-confirm-expected]").forEach(syncConfirm);
  }

  document.addEventListener("input", function (ev) {
    var el = ev.target;
    if (el.matches && el.matches("input[data-confirm-expected]")) syncConfirm(el);
  });

  // Belt and braces: never submit a mismatched name from the page (the
  // server refuses it as well).
  document.addEventListener("submit", function (ev) {
    var input = ev.target.querySelector && ev.target.querySelector("input[data-confirm-expected]");
    if (input && input.value !== input.getAttribute("data-confirm-expected")) {
      ev.preventDefault();
      input.focus();
    }
  }, true);

  function focusables(root) {
    return Array.prototype.filter.call(root.querySelectorAll(FOCUSABLE), function (el) {
      return el.getClientRects().length > 0;
    });
  }

  // open shows dlg as a modal, focuses its first field and keeps focus
  // inside until it closes; then focus returns to the opener.
  function open(dlg, opener) {
    document.body.appendChild(dlg);
    initConfirms(dlg);
    dlg.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") {
        ev.preventDefault();
        dlg.close();
        return;
      }
      if (ev.key !== "Tab") return;
      var items = focusables(dlg);
      if (items.length === 0) { ev.preventDefault(); return; }
      var first = items[0], last = items[items.length - 1];
      if (ev.shiftKey && (document.activeElement === first || !dlg.contains(document.activeElement))) {
        ev.preventDefault();
        last.focus();
      } else if (!ev.shiftKey && (document.activeElement === last || !dlg.contains(document.activeElement))) {
        ev.preventDefault();
        first.focus();
      }
    });
    dlg.addEventListener("click", function (ev) {
      if (ev.target.closest("[data-group-dialog-close]")) dlg.close();
    });
    dlg.addEventListener("close", function () {
      dlg.remove();
      if (opener && document.contains(opener)) opener.focus();
    });
    dlg.showModal();
    var field = dlg.querySelector("input[data-confirm-expected]") || focusables(dlg)[0];
    if (field) field.focus();
  }

  document.addEventListener("click", function (ev) {
    var link = ev.target.closest && ev.target.closest("a[data-group-delete]");
    if (!link || typeof HTMLDialogElement !== "function") return;
    if (ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    var old = document.getElementById("group-delete-dialog");
    if (old) old.remove();
    fetch(link.href, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (res) {
        if (!res.ok) throw new Error("HTTP " + res.status);
        return res.text();
      })
      .then(function (html) {
        var tpl = document.createElement("template");
        tpl.innerHTML = html;
        var dlg = tpl.content.querySelector("dialog[data-group-delete-dialog]");
        if (!dlg) throw new Error("no dialog in the answer");
        open(dlg, link);
      })
      .catch(function () { window.location.assign(link.href); });
  });

  // After an inline change of a member's groups (htmx swaps
  // #member-groups-body), keep the keyboard user's place: if the focused
  // control went away with the swap, focus the section's heading.
  document.addEventListener("htmx:afterSwap", function (ev) {
    var target = ev.detail && ev.detail.target;
    if (!target || target.id !== "member-groups-body") return;
    var active = document.activeElement;
    if (!active || active === document.body || !document.contains(active)) {
      var heading = document.getElementById("member-groups-title");
      if (heading) heading.focus();
    }
  });

  function initOpeners(root) {
    root.querySelectorAll("a[data-group-delete]").forEach(function (a) { a.setAttribute("aria-haspopup", "dialog"); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initOpeners(document);
    initConfirms(document);
  });
})();
// --- end of Groups ---------------------------------------------------------

// ---------------------------------------------------------------------------
// Groups in the member overview. Hooks:
// input[data-select-all="<form id>"] (hidden without JS: ticks every
// member_id checkbox of that form on this page), #member-bulk-selected
// (data-one / data-other: "N members selected", "#" is the number), and
// #member-results[data-group] (the view's group filter: after an htmx
// update from a badge or the chip the filter's select is set to match).
// ---------------------------------------------------------------------------
(function () {
  "use strict";

  function boxes(formID) {
    return Array.prototype.slice.call(
      document.querySelectorAll('input[type="checkbox"][name="member_id"][form="' + formID + '"]'));
  }

  // syncSelection updates the "select all" box (checked, or mixed) and the
  // selected count for the bulk form formID.
  function syncSelection(formID) {
    var all = boxes(formID);
    var n = all.filter(function (b) { return b.checked; }).length;
    document.querySelectorAll('input[data-select-all="' + formID + '"]').forEach(function (sa) {
      sa.checked = all.length > 0 && n === all.length;
      sa.indeterminate = n > 0 && n < all.length;
    });
    var out = document.getElementById("member-bulk-selected");
    if (out) {
      var text = n === 0 ? "" : n === 1 ? out.getAttribute("data-one") : out.getAttribute("data-other").replace("#", String(n));
      if (out.textContent !== text) out.textContent = text;
    }
  }

  function initSelectAll(root) {
    root.querySelectorAll("input[data-select-all]").forEach(function (sa) {
      sa.hidden = false;
      syncSelection(sa.getAttribute("data-select-all"));
    });
  }

  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (!el.matches) return;
    if (el.matches("input[data-select-all]")) {
      var formID = el.getAttribute("data-select-all");
      boxes(formID).forEach(function (b) { b.checked = el.checked; });
      syncSelection(formID);
    } else if (el.matches('input[type="checkbox"][name="member_id"][form]')) {
      syncSelection(el.getAttribute("form"));
    }
  });

  // syncGroupFilter sets the filter's select to the group of the view
  // shown, so the form's next search keeps (or drops) it.
  function syncGroupFilter() {
    var results = document.getElementById("member-results");
    var sel = document.getElementById("member-group");
    if (!results || !sel) return;
    var want = results.getAttribute("data-group") || "";
    if (sel.value !== want) sel.value = want;
  }

  // Runs after every htmx update on the overview (the event's target may
  // be the swapped-out block or the control that asked): all idempotent.
  document.addEventListener("htmx:afterSettle", function () {
    var results = document.getElementById("member-results");
    if (!results) return;
    syncGroupFilter();
    initSelectAll(results);
    // A badge, sort header or paging link that was clicked is gone with
    // the swap (htmx keeps the focus only on elements with an id that
    // come back): put the keyboard user at the results' count.
    var active = document.activeElement;
    if (!active || active === document.body) {
      var count = document.getElementById("member-count");
      if (count) count.focus();
    }
  });
  document.addEventListener("htmx:historyRestore", function () {
    syncGroupFilter();
    initSelectAll(document);
  });
  window.addEventListener("pageshow", syncGroupFilter);
  document.addEventListener("DOMContentLoaded", function () {
    syncGroupFilter();
    initSelectAll(document);
  });
})();
// --- end of Groups in the member overview ----------------------------------
