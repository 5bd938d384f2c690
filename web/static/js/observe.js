// The scoring page (observations/observe.html). Everything works without this file; it adds:
// a ticking lesson timer, in-place error messages, "not saved" warnings, and a last save of
// half-typed text when the page goes away. The timer's state lives on the server.
(function () {
  "use strict";

  // --- Lesson timer: the server renders the seconds; we count on from page (or swap) time.
  function tick() {
    document.querySelectorAll("[data-timer]").forEach(function (el) {
      if (!el.dataset.loadedAt) el.dataset.loadedAt = String(Date.now());
      var seconds = parseInt(el.dataset.seconds || "0", 10);
      if (el.dataset.running === "true") {
        seconds += Math.floor((Date.now() - Number(el.dataset.loadedAt)) / 1000);
      }
      var minutes = Math.floor(seconds / 60);
      var rest = seconds % 60;
      el.textContent = minutes + ":" + (rest < 10 ? "0" : "") + rest;
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSwap", tick);

  // --- Errors: the server marks 4xx fragments that belong in the page (a message in place).
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var xhr = evt.detail.xhr;
    if (xhr.status >= 400 && xhr.getResponseHeader("X-Cadence-Swap") === "1") {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });

  function formOf(evt) {
    var elt = evt.detail.elt;
    return elt && elt.closest ? elt.closest("form") : null;
  }

  function warn(form, text) {
    if (!form || !form.isConnected) return;
    var box = form.querySelector(".save-error");
    if (!box) {
      box = document.createElement("p");
      box.className = "save-error";
      box.setAttribute("role", "alert");
      form.appendChild(box);
    }
    box.textContent = text;
  }

  document.addEventListener("htmx:sendError", function (evt) {
    warn(formOf(evt), "Not saved: no connection. What you entered is still here; try again.");
  });
  document.addEventListener("htmx:responseError", function (evt) {
    if (evt.detail.xhr.getResponseHeader("X-Cadence-Swap") === "1") return;
    warn(formOf(evt), "Not saved (error " + evt.detail.xhr.status + "). Reload the page and try again.");
  });

  // --- Typed text: remember which forms have unsaved typing; send it if the page goes away.
  document.addEventListener("input", function (evt) {
    var form = evt.target.closest && evt.target.closest("form[data-autosave]");
    if (form) form.dataset.dirty = "1";
  });
  document.addEventListener("htmx:afterRequest", function (evt) {
    var form = formOf(evt);
    if (!form || !evt.detail.successful) return;
    delete form.dataset.dirty;
    var box = form.querySelector(".save-error");
    if (box) box.remove();
  });
  window.addEventListener("pagehide", function () {
    document.querySelectorAll("form[data-autosave][data-dirty]").forEach(function (form) {
      if (navigator.sendBeacon) navigator.sendBeacon(form.action, new FormData(form));
    });
  });

  // --- Notes: after adding one, the cursor is back in the (now empty) note field.
  document.addEventListener("htmx:afterSwap", function (evt) {
    if (evt.detail.target && evt.detail.target.id === "notes" && evt.detail.xhr.status < 400) {
      var input = document.getElementById("note-text");
      if (input) input.focus();
    }
  });
})();
