// Small DOM helpers shared by the coach's screens (coach.js, screens/). Text from people
// is only ever set with textContent.
(function () {
  "use strict";
  var Cadence = (window.Cadence = window.Cadence || {});
  var TYPE_DELAY = 700;

  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") el.textContent = v;
      else if (k.slice(0, 2) === "on") el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? "" : v);
    });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined || c === false) return;
      el.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return el;
  }

  function params() { return new URLSearchParams(location.search); }

  function shortDate(iso) {
    if (!iso) return "";
    return new Date(iso).toLocaleString(undefined, { weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit" });
  }

  function clock(iso) {
    return new Date(iso).toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit" });
  }

  function alertBox(id, title, lines) {
    return h("div", { class: "alert error", role: "alert", id: id }, [
      h("p", {}, [h("strong", { text: title })]),
      lines.length ? h("ul", { class: "missing" }, lines.map(function (l) { return h("li", { text: l }); })) : null,
    ]);
  }

  function localInput(date) {
    var d = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
    return d.toISOString().slice(0, 16);
  }

  function field(id, label, control, hint) {
    return h("div", { class: "field", id: "field-" + id }, [h("label", { for: id, text: label }), hint ? h("p", { class: "hint", text: hint }) : null, control]);
  }

  function showErrors(form, errors) {
    form.querySelectorAll(".field-error").forEach(function (e) { e.remove(); });
    form.querySelectorAll(".has-error").forEach(function (e) { e.classList.remove("has-error"); });
    form.querySelectorAll("[aria-invalid]").forEach(function (e) { e.removeAttribute("aria-invalid"); e.removeAttribute("aria-describedby"); });
    var first = null;
    Object.keys(errors).forEach(function (name) {
      var box = form.querySelector("#field-" + name);
      var msg = h("p", { class: "field-error", id: "error-" + name, text: errors[name] });
      box.classList.add("has-error");
      box.appendChild(msg);
      var control = box.querySelector("input, select, textarea");
      if (control) {
        control.setAttribute("aria-invalid", "true");
        control.setAttribute("aria-describedby", "error-" + name);
        first = first || control;
      }
    });
    if (first) first.focus();
  }

  function typed(control, send) {
    var timer = null;
    var flush = function () {
      clearTimeout(timer);
      if (control.dataset.dirty !== "1") return;
      delete control.dataset.dirty;
      send(control.value).catch(function () { control.dataset.dirty = "1"; });
    };
    control.addEventListener("input", function () {
      control.dataset.dirty = "1";
      clearTimeout(timer);
      timer = setTimeout(flush, TYPE_DELAY);
    });
    control.addEventListener("blur", flush);
    window.addEventListener("pagehide", flush);
  }

  // What was typed into a field and refused (too long, out of range): kept here, by the
  // control's id, so a redraw of the screen shows it again with its error instead of the
  // last saved value. Nothing typed is lost to a refusal.
  var drafts = {};

  function showProblem(wrap, control, message) {
    var old = wrap.querySelector(":scope > .field-error");
    if (old) old.remove();
    wrap.classList.toggle("has-error", !!message);
    if (!message) { control.removeAttribute("aria-invalid"); control.removeAttribute("aria-describedby"); return; }
    var note = h("p", { class: "field-error", id: "error-" + control.id, text: message });
    control.after(note);
    control.setAttribute("aria-invalid", "true");
    control.setAttribute("aria-describedby", note.id);
  }

  // Refuse a value (message) or accept it (null): returns whether it was refused.
  function refuse(control, wrap, message) {
    if (message) drafts[control.id] = control.value; else delete drafts[control.id];
    showProblem(wrap, control, message);
    return !!message;
  }

  // Fill a control with its saved value, or with what was refused (and say why again).
  function restore(control, wrap, saved, check) {
    if (Object.prototype.hasOwnProperty.call(drafts, control.id)) {
      control.value = drafts[control.id];
      control.dataset.dirty = "1";
      showProblem(wrap, control, check(control.value));
    } else {
      control.value = saved === null || saved === undefined ? "" : saved;
    }
  }

  function isoDay(date) { return localInput(date).slice(0, 10); }

  var DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  // "Tue 17 Nov 2026", as the server's pages write a day (strftime "%a %-d %b %Y"), so the
  // tablet's copy of a page reads like the server's.
  function dayName(day) {
    var d = new Date(day + "T12:00:00");
    return DAYS[d.getDay()] + " " + d.getDate() + " " + MONTHS[d.getMonth()] + " " + d.getFullYear();
  }

  Cadence.ui = {
    h: h, params: params, shortDate: shortDate, clock: clock, alertBox: alertBox, localInput: localInput,
    field: field, showErrors: showErrors, typed: typed, isoDay: isoDay, dayName: dayName,
    refuse: refuse, restore: restore,
  };
})();
