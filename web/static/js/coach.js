// The coach's app: one drawing of every coach screen, read from this tablet's store and
// written through its outbox, with or without a network (docs/offline.md, "One coach app").
// The server sends the same shell (coach.html) for every path below; this file picks the
// screen from the address, draws it, and draws it again when the store changes.
//
//   /week, /week?cycle=…, /week?check_in=…   the week, a cycle, a check-in (screens/week.js)
//   /caseload, /teachers/ID                  the caseload, a teacher (screens/teachers.js)
//   /teachers/ID/observations/new            a new observation (screens/teachers.js)
//   /observe, /observe/UUID                  observations on this tablet, one observation
//   /review                                  conflicts and refused changes (screens/review.js)
//
// Text from people is only ever set with textContent (ui.h).
(function () {
  "use strict";
  var Cadence = window.Cadence;
  var store = Cadence.store;
  var sync = Cadence.sync;
  var ui = Cadence.ui;
  var h = ui.h;
  var routes = [];
  var root = null;
  var scrolled = false;

  // The state every screen reads: the bootstrap (caseload, rubrics, choices) and this
  // person's records by entity (their local views).
  var app = {
    user: null,
    boot: null,
    data: { observation: [], cycle: [], check_in: [], commitment: [] },
    pending: [],
    problems: [],  // this tablet's refused writes (the /review screen adds the server's list)
    pulled: false,  // a full pull has reached this tablet
    device: null,  // this tablet's device id (a conflict names "this tablet" by it)
  };

  // route("/teachers/:id", draw): draw(params) returns the screen's parts (or a promise).
  function route(pattern, draw, options) {
    var names = [];
    var source = "^" + pattern.replace(/:([a-z_]+)/g, function (_m, name) { names.push(name); return "([^/]+)"; }) + "$";
    routes.push({ re: new RegExp(source), names: names, draw: draw, keepForm: !!(options && options.keepForm) });
  }

  function match(path) {
    for (var i = 0; i < routes.length; i++) {
      var m = routes[i].re.exec(path);
      if (m) {
        var params = {};
        routes[i].names.forEach(function (n, j) { params[n] = decodeURIComponent(m[j + 1]); });
        return { route: routes[i], params: params };
      }
    }
    return null;
  }

  function load() {
    return Promise.all([store.records(app.user), store.getMeta("boot:" + app.user), store.pending(app.user), store.problems(app.user), store.getMeta("pulled:" + app.user), store.deviceId()]).then(function (got) {
      app.boot = got[1] || null;
      app.device = got[5];
      app.problems = got[3];
      app.pulled = !!got[4];
      var by = { observation: [], cycle: [], check_in: [], commitment: [] };
      got[0].forEach(function (r) {
        if (r.view && by[r.entity]) by[r.entity].push(Object.assign({ id: r.id, synced: !!r.version, version: r.version }, r.view));
      });
      app.data = by;
      app.pending = got[2];
    });
  }

  // --- Shared by the screens ----------------------------------------------------------------

  function teacher(id) {
    return (app.boot && app.boot.caseload || []).find(function (t) { return t.teacher_id === id; }) || null;
  }

  // The caseload's name, a past teacher's, or the one a co-observed lesson carries (a second
  // observer need not coach the teacher).
  function teacherName(id) {
    var t = teacher(id) || (app.boot && app.boot.known_teachers || []).find(function (k) { return k.teacher_id === id; });
    if (t) return t.name;
    var obs = (app.data && app.data.observation || []).find(function (o) { return o.teacher_id === id && o.teacher_name; });
    return obs ? obs.teacher_name : "Teacher #" + id;
  }

  function rubricOf(rv) {
    return (app.boot && app.boot.rubrics || []).find(function (r) { return r.rubric_version_id === rv; }) || null;
  }

  // Save operations (all in one IndexedDB transaction); say so in place when it fails.
  // Online, the outbox is sent at once.
  function save(items, where) {
    return store.saveAll(app.user, items).then(function (rows) {
      sync.soon();
      sync.render();
      // Draw the tablet's new copy now: with no network no pull will come to do it.
      document.dispatchEvent(new CustomEvent("cadence:changed"));
      return rows;
    }, function (error) {
      var target = where || root;
      var box = target.querySelector(":scope > .save-error") || h("p", { class: "save-error", role: "alert" });
      box.textContent = Cadence.app.saveError(error);
      target.appendChild(box);
      throw error;
    });
  }

  function saveOne(entity, id, payload, where) {
    return save([{ entity: entity, id: id, payload: payload }], where).then(function (rows) { return rows[0]; });
  }

  function crumbs(links) {
    return h("nav", { class: "crumbs", "aria-label": "Where you are" }, links.map(function (l, i) {
      return [i ? " · " : null, h("a", { href: l[0], text: l[1] })];
    }).reduce(function (a, b) { return a.concat(b); }, []));
  }

  function needsBoot(title) {
    return [h("h1", { text: title }), h("div", { class: "alert error", role: "alert" }, [
      h("p", { text: "Open Cadence once with a network to load your caseload and rubrics onto this tablet." }),
    ])];
  }

  function notHere(title, back) {
    return [h("h1", { text: title }), h("p", {}, [
      "It may belong to someone else, or this tablet has not received it yet. ",
      h("a", { href: back[0], text: back[1] }),
    ])];
  }

  // --- Drawing ------------------------------------------------------------------------------

  var redrawLater = false;  // a redraw put off while someone types

  function busyTyping() {
    var el = document.activeElement;
    return !!el && root.contains(el) && el.dataset && el.dataset.dirty === "1";
  }

  function draw() {
    var found = match(location.pathname);
    if (!found) return Promise.resolve();
    // A form being filled in (a new observation, a check-in) keeps what is typed.
    if (found.route.keepForm && root.querySelector("form[data-keep]")) return Promise.resolve();
    return load().then(function () { return found.route.draw(found.params, ui.params()); }).then(function (parts) {
      var focused = document.activeElement && root.contains(document.activeElement) ? document.activeElement.id : null;
      var open = Array.prototype.map.call(root.querySelectorAll("details[open]"), function (d) { return d.id; });
      var y = window.scrollY;
      // Half-written input that is not saved yet (a note, its tags) survives the redraw a
      // sync or another tab causes.
      var drafts = Array.prototype.map.call(root.querySelectorAll("[data-draft]"), function (el) {
        return [el.id, el.type === "checkbox" ? el.checked : el.value];
      });
      // Someone started typing while this screen was being drawn from the store: the new copy
      // would replace their box with what was saved before. Draw again once they leave it.
      if (busyTyping()) { redrawLater = true; return; }
      redrawLater = false;
      parts = (parts || []).filter(Boolean);
      // Until the first full pull, a screen may be missing records the server has.
      if (!app.pulled && app.boot) parts.unshift(h("p", { class: "alert", role: "status", text: "Bringing your coaching records onto this tablet. This screen fills in as they arrive." }));
      root.replaceChildren.apply(root, parts);
      open.forEach(function (o) { var d = document.getElementById(o); if (d) d.open = true; });
      drafts.forEach(function (d) {
        var el = document.getElementById(d[0]);
        if (!el || !el.hasAttribute("data-draft")) return;
        if (el.type === "checkbox") el.checked = d[1];
        else if (!el.value) el.value = d[1];
      });
      ui.restoreStatuses(root);
      var title = root.querySelector("h1");
      if (title) document.title = title.textContent + " · Cadence";
      root.setAttribute("data-ready", "1");  // the tablet's copy is showing (tests wait on it)
      if (focused && document.getElementById(focused)) document.getElementById(focused).focus({ preventScroll: true });
      if (location.hash && !scrolled) {  // e.g. #conflicts, once the screen is drawn
        scrolled = true;
        var target = document.getElementById(location.hash.slice(1));
        if (target) target.scrollIntoView();
      } else {
        window.scrollTo(0, y);
      }
    });
  }

  function start() {
    root = document.getElementById("app");
    app.user = sync.userId();
    if (!root || app.user === null) return;
    draw().catch(function (error) {
      root.replaceChildren(h("h1", { text: "Cadence" }), ui.alertBox("problems", Cadence.app.saveError(error), []));
    });
    document.addEventListener("cadence:booted", function () { draw(); });
    document.addEventListener("cadence:changed", function () { if (busyTyping()) redrawLater = true; else draw(); });
    // After the box's own save (its blur handler) has had its turn.
    root.addEventListener("focusout", function () {
      if (redrawLater) setTimeout(function () { if (redrawLater && !busyTyping()) { redrawLater = false; draw(); } }, 50);
    });
  }

  Cadence.coach = {
    app: app, route: route, draw: draw, save: save, saveOne: saveOne, teacher: teacher,
    teacherName: teacherName, rubricOf: rubricOf, crumbs: crumbs, needsBoot: needsBoot, notHere: notHere,
  };
  // Screens register their routes as their scripts run (all deferred, in order); the first
  // drawing waits for the page to be parsed.
  if (document.readyState === "complete") setTimeout(start);
  else document.addEventListener("DOMContentLoaded", start);
})();
