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

  // A date and time; the year too when it is not this year's (a lesson of last March).
  function shortDate(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    var options = { weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit" };
    if (d.getFullYear() !== new Date().getFullYear()) options.year = "numeric";
    return d.toLocaleString(undefined, options);
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

  // What was typed into a field and refused (too long, out of range): kept on this tablet,
  // by person, page and control, so a redraw or a reload shows it again with its error
  // instead of the last saved value, and the sync line can say it is not saved. Nothing
  // typed is lost to a refusal. (localStorage: it is small, and cleared at sign-out.)
  var REFUSED = "cadence-refused";

  function refusedAll() {
    try { return JSON.parse(localStorage.getItem(REFUSED) || "{}"); } catch (e) { return {}; }
  }

  function refusedKey(control) {
    var user = Cadence.sync ? Cadence.sync.userId() : null;
    return user + " " + location.pathname + location.search + "#" + control.id;
  }

  function keepRefused(control, value) {
    var all = refusedAll();
    if (value === null) delete all[refusedKey(control)]; else all[refusedKey(control)] = value;
    try { localStorage.setItem(REFUSED, JSON.stringify(all)); } catch (e) { /* full: kept in the page */ }
    if (Cadence.sync) Cadence.sync.render();
  }

  // This person's refused fields: [{page, id}], for the sync line.
  function refusedFields(user) {
    var prefix = user + " ";
    return Object.keys(refusedAll()).filter(function (k) { return k.indexOf(prefix) === 0; }).map(function (k) {
      var rest = k.slice(prefix.length), hash = rest.lastIndexOf("#");
      return { page: rest.slice(0, hash), id: rest.slice(hash + 1) };
    });
  }

  function forgetRefused() { localStorage.removeItem(REFUSED); }

  function showProblem(wrap, control, message) {
    var old = wrap.querySelector(":scope > .field-error");
    if (old) old.remove();
    wrap.classList.toggle("has-error", !!message);
    if (!message) { control.removeAttribute("aria-invalid"); describedBy(control); return; }
    var note = h("p", { class: "field-error", id: "error-" + control.id, text: message });
    control.after(note);
    control.setAttribute("aria-invalid", "true");
    describedBy(control);
  }

  // A control is described by its error and its warning, whichever it has.
  function describedBy(control) {
    var ids = ["error-" + control.id, "warning-" + control.id].filter(function (i) { return document.getElementById(i); });
    if (ids.length) control.setAttribute("aria-describedby", ids.join(" ")); else control.removeAttribute("aria-describedby");
  }

  // "Saved 10:42" / "Not saved" under each part of a screen, by the part's id and page: a
  // redraw (a sync, the save itself) draws the part again and says it again.
  var statuses = {};

  function statusKey(id) { return location.pathname + location.search + "#" + id; }

  function setStatus(box, text) {
    if (box.id) statuses[statusKey(box.id)] = text;
    var live = (box.id && document.getElementById(box.id)) || box;  // the part as drawn now
    var status = live.querySelector(":scope > .save-status");
    if (status) status.textContent = text;
  }

  function markSaved(box) { setStatus(box, "Saved " + clock(new Date().toISOString())); }

  function restoreStatuses(root) {
    root.querySelectorAll("[id] > .save-status").forEach(function (status) {
      var text = statuses[statusKey(status.parentElement.id)];
      if (text && !status.textContent) status.textContent = text;
    });
  }

  // Refuse a value (message) or accept it (null): returns whether it was refused.
  function refuse(control, wrap, message) {
    keepRefused(control, message ? control.value : null);
    if (message) setStatus(wrap, "Not saved");
    showProblem(wrap, control, message);
    return !!message;
  }

  // Fill a control with its saved value, or with what was refused (and say why again).
  function restore(control, wrap, saved, check) {
    var all = refusedAll(), key = refusedKey(control);
    if (Object.prototype.hasOwnProperty.call(all, key)) {
      control.value = all[key];
      control.dataset.dirty = "1";
      var message = check(control.value);
      if (!message) keepRefused(control, null);
      showProblem(wrap, control, message);
    } else {
      control.value = saved === null || saved === undefined ? "" : saved;
    }
  }

  // A question about a value that is allowed but unlikely (a lesson in 2099): said under the
  // control, without stopping the save.
  function warn(control, message) {
    var old = document.getElementById("warning-" + control.id);
    if (old) old.remove();
    if (message) {
      var after = document.getElementById("error-" + control.id) || control;
      after.after(h("p", { class: "field-warning", id: "warning-" + control.id, text: message }));
    }
    describedBy(control);
  }

  // "That is in 2099: is the year right?" for a day more than a year from today.
  function farDate(value, what) {
    if (!value) return null;
    var d = new Date(value.length === 10 ? value + "T12:00:00" : value);
    if (isNaN(d.getTime())) return null;
    var days = (d.getTime() - Date.now()) / 86400000;
    if (Math.abs(days) <= 366) return null;
    return (what || "That") + " is " + (days > 0 ? "more than a year from now" : "more than a year ago") +
      ", in " + d.getFullYear() + ". Is the year right?";
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
    refuse: refuse, restore: restore, warn: warn, farDate: farDate, refusedFields: refusedFields,
    forgetRefused: forgetRefused, markSaved: markSaved, restoreStatuses: restoreStatuses,
  };
})();
