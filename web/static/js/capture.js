// The observation screen that works with or without a network (/capture). Everything is read
// from and written to this tablet's store (store.js); sync.js sends the writes. Views:
//   /capture                      observations on this tablet, conflicts, refused changes
//   /capture?new=1&teacher=ID     start an observation
//   /capture?obs=UUID             score, take notes, resolve conflicts, finalize
// Text from people (notes, evidence, names) is only ever set with textContent.
(function () {
  "use strict";
  var Cadence = window.Cadence;
  var store = Cadence.store;
  var sync = Cadence.sync;
  var ui = Cadence.ui;
  var review = Cadence.review;
  var h = ui.h, params = ui.params, shortDate = ui.shortDate, clock = ui.clock, alertBox = ui.alertBox;
  var localInput = ui.localInput, field = ui.field, showErrors = ui.showErrors, typed = ui.typed;
  var root = null;
  var boot = null;
  var user = null;
  var askedToFinalize = {};

  function teacherName(id) {
    var t = (boot && boot.caseload || []).find(function (x) { return x.teacher_id === id; });
    return t ? t.name : "Teacher #" + id;
  }

  function rubricOf(rv) {
    return (boot && boot.rubrics || []).find(function (r) { return r.rubric_version_id === rv; }) || null;
  }

  function scaleOf(content, dim) {
    return content.scales.find(function (s) { return s.id === dim.scale; });
  }

  function scoreOf(view, rv, dim, item) {
    return view.scores.find(function (s) { return s.rubric_version_id === rv && s.dimension_id === dim && (s.item_id || "") === (item || ""); }) || null;
  }

  function isScored(score) { return !!score && (score.value !== null || score.not_observed); }

  // Required dimensions (or their items) not yet scored: the server's finalize rule.
  function missing(view) {
    var out = [];
    view.rubric_version_ids.forEach(function (rv) {
      var r = rubricOf(rv);
      if (!r) { out.push("Rubric version " + rv + " is not on this tablet yet"); return; }
      r.content.dimensions.forEach(function (dim) {
        if (dim.required === false) return;
        var name = view.rubric_version_ids.length > 1 ? r.title + ": " + dim.name : dim.name;
        if (!dim.items || !dim.items.length) {
          if (!isScored(scoreOf(view, rv, dim.id, ""))) out.push(name);
          return;
        }
        dim.items.forEach(function (item) {
          if (!isScored(scoreOf(view, rv, dim.id, item.id))) out.push(name + ", item " + item.id + ": " + item.text);
        });
      });
    });
    return out;
  }

  // Save one operation; on failure say so in place (a full tablet gets its own message).
  function save(id, payload, where) {
    return store.save(user, "observation", id, payload).then(function (row) {
      sync.soon();
      sync.render();
      return row;
    }, function (error) {
      var text = Cadence.app.saveError(error);
      var target = where || root;
      var box = target.querySelector(":scope > .save-error") || h("p", { class: "save-error", role: "alert" });
      box.textContent = text;
      target.appendChild(box);
      throw error;
    });
  }

  // --- Home: this tablet's observations -------------------------------------------------------

  function homeView() {
    return Promise.all([store.records(user), review.refused(user), store.pending(user)]).then(function (got) {
      var records = got[0].filter(function (r) { return r.entity === "observation" && r.view; });
      var waiting = {};
      got[2].forEach(function (row) { waiting[row.id] = (waiting[row.id] || 0) + 1; });
      records.sort(function (a, b) { return (b.view.observed_at || "").localeCompare(a.view.observed_at || ""); });
      var conflicted = records.filter(function (r) { return r.view.open_conflicts && r.view.open_conflicts.length; });
      var parts = [h("h1", { text: "Observations on this tablet" })];
      parts.push(h("p", { class: "lede", text: "Everything here is saved on this tablet first and sent when there is a network." }));
      if (!boot) {
        parts.push(h("div", { class: "alert error", role: "alert" }, [h("p", { text: "Open Cadence once with a network to load your caseload and rubrics onto this tablet." })]));
      }
      if (conflicted.length) {
        parts.push(h("section", { class: "card", id: "conflicts", "aria-labelledby": "conflicts-h" }, [
          h("h2", { id: "conflicts-h", text: "Conflict: needs you" }),
          h("p", { text: "Two devices changed the same thing. Both values are kept until you choose." }),
          h("ul", { class: "link-list" }, conflicted.map(function (r) {
            return h("li", {}, [h("a", { href: "/capture?obs=" + r.id + "#conflicts", text: teacherName(r.view.teacher_id) + ", " + shortDate(r.view.observed_at) })]);
          })),
        ]));
      }
      var problems = got[1].filter(function (p) { return !review.isCoaching(p); });
      if (problems.length) parts.push(review.problemsSection(problems, refresh));
      parts.push(startSection());
      parts.push(h("section", { class: "card", "aria-labelledby": "list-h" }, [
        h("h2", { id: "list-h", text: "Observations" }),
        records.length ? h("ul", { class: "obs-list", "aria-label": "Observations on this tablet" }, records.map(function (r) {
          return h("li", {}, [
            h("a", { href: "/capture?obs=" + r.id, text: teacherName(r.view.teacher_id) + ", " + shortDate(r.view.observed_at) }),
            h("span", { class: "badge badge-" + (r.view.status === "final" ? "final" : "draft"), text: r.view.status === "final" ? "Final" : "Draft" }),
            h("span", { class: "meta", text: waiting[r.id] ? "Waiting to send" : "Saved on the server" }),
          ]);
        })) : h("p", { class: "meta", text: "No observations on this tablet yet." }),
      ]));
      return parts;
    });
  }

  function startSection() {
    var teachers = boot ? boot.caseload : [];
    return h("section", { class: "card", "aria-labelledby": "start-h" }, [
      h("h2", { id: "start-h", text: "Start an observation" }),
      teachers.length ? h("ul", { class: "link-list" }, teachers.map(function (t) {
        return h("li", {}, [h("a", { href: "/capture?new=1&teacher=" + t.teacher_id, text: "Observe " + t.name }), " ", h("span", { class: "meta", text: t.school })]);
      })) : h("p", { class: "meta", text: "No teachers in your caseload on this tablet." }),
    ]);
  }

  // --- New observation ----------------------------------------------------------------------

  function newView() {
    var teacherId = Number(params().get("teacher")) || null;
    if (!boot) return Promise.resolve([h("h1", { text: "New observation" }), h("div", { class: "alert error", role: "alert" }, [h("p", { text: "Open Cadence once with a network to load your caseload and rubrics onto this tablet." })])]);
    var teacherSelect = h("select", { id: "teacher", name: "teacher" }, [h("option", { value: "", text: "Choose a teacher" })].concat(boot.caseload.map(function (t) {
      return h("option", { value: String(t.teacher_id), selected: t.teacher_id === teacherId, text: t.name + " (" + t.school + ")" });
    })));
    var grade = h("select", { id: "grade", name: "grade" }, [h("option", { value: "", text: "Choose a grade" })].concat(boot.grades.map(function (g) { return h("option", { value: g, text: g }); })));
    var rubrics = h("fieldset", { class: "field", id: "field-rubrics" }, [h("legend", { text: "Rubrics" })].concat(boot.rubrics.filter(function (r) { return r.current; }).map(function (r) {
      return h("label", { class: "check" }, [h("input", { type: "checkbox", name: "rubric", value: String(r.rubric_version_id) }), r.title]);
    })));
    var form = h("form", { class: "card form-card", method: "get", action: "/capture", novalidate: true }, [
      field("teacher", "Teacher", teacherSelect),
      field("observed_at", "Date and time", h("input", { id: "observed_at", name: "observed_at", type: "datetime-local", value: localInput(new Date()) })),
      field("grade", "Grade", grade),
      field("course_unit", "Course or unit", h("input", { id: "course_unit", name: "course_unit", type: "text", autocomplete: "off", maxlength: "200" })),
      field("lesson_goal", "Lesson goal", h("textarea", { id: "lesson_goal", name: "lesson_goal", rows: "2", maxlength: "2000" })),
      rubrics,
      h("div", { class: "actions" }, [h("button", { type: "submit", class: "button primary", text: "Start observing" })]),
    ]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      startObservation(form);
    });
    var title = teacherId ? "Observe " + teacherName(teacherId) : "New observation";
    return Promise.resolve([h("p", { class: "crumbs" }, [h("a", { href: "/capture", text: "Observations on this tablet" })]), h("h1", { text: title }), form]);
  }

  function startObservation(form) {
    var teacher = Number(form.teacher.value) || null;
    var when = form.observed_at.value ? new Date(form.observed_at.value) : null;
    var rubricIds = Array.prototype.filter.call(form.querySelectorAll("input[name=rubric]"), function (c) { return c.checked; }).map(function (c) { return Number(c.value); });
    var errors = {};
    if (!teacher) errors.teacher = "Choose the teacher you are observing.";
    if (!when || isNaN(when.getTime())) errors.observed_at = "Give the date and time of the lesson.";
    if (!form.grade.value) errors.grade = "Choose a grade.";
    if (!rubricIds.length) errors.rubrics = "Choose at least one rubric.";
    if (Object.keys(errors).length) { showErrors(form, errors); return; }
    var id = store.uuid();
    var data = { teacher_id: teacher, observed_at: when.toISOString(), grade: form.grade.value, rubric_version_ids: rubricIds };
    if (form.course_unit.value.trim()) data.course_unit = form.course_unit.value.trim();
    if (form.lesson_goal.value.trim()) data.lesson_goal = form.lesson_goal.value.trim();
    save(id, { op: "create_observation", data: data }, form).then(function () {
      location.assign("/capture?obs=" + id);
    });
  }

  // --- One observation ------------------------------------------------------------------------

  function obsView() {
    var id = params().get("obs");
    return Promise.all([store.record(user, "observation", id), store.pending(user)]).then(function (got) {
      var record = got[0];
      if (!record || !record.view) {
        return [h("h1", { text: "Observation not on this tablet" }), h("p", {}, [
          "It may belong to someone else, or this tablet has not received it yet. ",
          h("a", { href: "/capture", text: "Observations on this tablet" }),
        ])];
      }
      var view = record.view;
      var waiting = got[1].filter(function (r) { return r.id === id; }).length;
      var parts = [
        h("p", { class: "crumbs" }, [h("a", { href: "/capture", text: "Observations on this tablet" })]),
        h("h1", { text: "Observing " + teacherName(view.teacher_id) }),
        h("p", { class: "lede" }, [shortDate(view.observed_at) + " · Grade " + view.grade + (view.course_unit ? " · " + view.course_unit : "") + " · ",
          h("span", { class: "badge badge-" + (view.status === "final" ? "final" : "draft"), text: view.status === "final" ? "Final" : "Draft" })]),
        h("p", { class: "meta", id: "obs-sync", role: "status", text: waiting ? "Saved on this tablet; " + waiting + " change" + (waiting === 1 ? "" : "s") + " waiting to send." : record.version ? "Saved on the server." : "Saved on this tablet." }),
      ];
      if (view.open_conflicts && view.open_conflicts.length) parts.push(conflictsSection(id, view));
      parts.push(contextSection(id, view));
      parts.push(notesSection(id, view));
      view.rubric_version_ids.forEach(function (rv) { parts.push(rubricSection(id, view, rv)); });
      parts.push(finishSection(id, view));
      return parts;
    });
  }

  function contextSection(id, view) {
    var fields = [["course_unit", "Course or unit", "input"], ["lesson_goal", "Lesson goal", "textarea"], ["task_description", "Task", "textarea"]];
    var box = h("details", { class: "card context", id: "context" }, [h("summary", { text: "Lesson details" })]);
    fields.forEach(function (f) {
      var control = h(f[2], { id: f[0], name: f[0], type: f[2] === "input" ? "text" : null, rows: f[2] === "textarea" ? "2" : null, autocomplete: "off", "data-save": "context" });
      control.value = view[f[0]] || "";
      typed(control, function (value) {
        var data = {};
        data[f[0]] = value;
        return save(id, { op: "update_context", data: data }, box);
      });
      box.appendChild(field(f[0], f[1], control));
    });
    return box;
  }

  // Save typed text a moment after the typing stops, and when the field is left.

  function notesSection(id, view) {
    var input = h("input", { id: "note-text", name: "text", type: "text", autocomplete: "off", maxlength: "2000" });
    var list = h("ul", { class: "note-list", "aria-label": "Notes" }, view.notes.slice().reverse().map(function (n) {
      return h("li", {}, [h("span", { class: "note-when", text: clock(n.written_at) }), " ", h("span", { class: "note-text", text: n.text })]);
    }));
    var form = h("form", { class: "note-form", method: "get", action: "/capture" }, [
      h("div", { class: "field" }, [h("label", { for: "note-text", text: "Note" }), h("div", { class: "note-row" }, [input, h("button", { type: "submit", class: "button primary", text: "Add note" })])]),
    ]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text) { showErrors(form, {}); input.focus(); return; }
      save(id, { op: "add_note", note_id: store.uuid(), text: text, written_at: new Date().toISOString() }, form).then(function () {
        input.value = "";
        refresh().then(function () { var again = document.getElementById("note-text"); if (again) again.focus(); });
      });
    });
    return h("section", { class: "notes card", id: "notes", "aria-labelledby": "notes-h" }, [h("h2", { id: "notes-h", text: "Running notes" }), form, list]);
  }

  function levelButtons(id, view, rv, scale, dim, item, legend) {
    var current = scoreOf(view, rv, dim.id, item ? item.id : "");
    var unit = "u-" + rv + "-" + dim.id + (item ? "-" + item.id : "");
    var buttons = scale.levels.map(function (level) {
      var pressed = !!current && !current.not_observed && current.value === level.value;
      return h("button", { type: "button", class: "level", "aria-pressed": String(pressed), "data-value": String(level.value) }, [
        h("span", { class: "level-value", text: String(level.value) }), h("span", { class: "level-label", text: level.label }),
      ]);
    });
    if (scale.not_observed) {
      buttons.push(h("button", { type: "button", class: "level level-no", "aria-pressed": String(!!current && current.not_observed), "data-value": "not_observed", text: "Not observed" }));
    }
    var box = h("div", { class: "levels", id: unit }, [h("fieldset", {}, [h("legend", { text: legend }), h("div", { class: "level-buttons" }, buttons)])]);
    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        var notObserved = button.dataset.value === "not_observed";
        var payload = { op: "set_score", rubric_version_id: rv, dimension_id: dim.id, item_id: item ? item.id : "" };
        if (notObserved) payload.not_observed = true; else payload.value = Number(button.dataset.value);
        save(id, payload, box).then(function () {
          buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
        });
      });
    });
    return box;
  }

  function rubricSection(id, view, rv) {
    var r = rubricOf(rv);
    if (!r) return h("section", { class: "card" }, [h("p", { text: "Rubric version " + rv + " is not on this tablet yet; connect once to load it." })]);
    var content = r.content;
    var section = h("section", { class: "rubric", "aria-labelledby": "rubric-" + rv }, [h("h2", { id: "rubric-" + rv, text: r.title })]);
    content.groups.forEach(function (group) {
      var dims = content.dimensions.filter(function (d) { return d.group === group.id; });
      if (!dims.length) return;
      section.appendChild(h("h3", { class: "group-name", text: group.name }));
      dims.forEach(function (dim) {
        var scale = scaleOf(content, dim);
        var card = h("div", { class: "dimension card" }, [h("h4", { text: dim.name })]);
        if (dim.items && dim.items.length) {
          dim.items.forEach(function (item) { card.appendChild(levelButtons(id, view, rv, scale, dim, item, item.text)); });
        } else {
          card.appendChild(levelButtons(id, view, rv, scale, dim, null, "Score for " + dim.name));
        }
        var ev = view.evidence.find(function (e) { return e.rubric_version_id === rv && e.dimension_id === dim.id; });
        var boxId = "evidence-" + rv + "-" + dim.id;
        var area = h("textarea", { id: boxId, rows: "2", maxlength: "10000", "data-save": "evidence" });
        area.value = ev ? ev.text : "";
        var wrap = h("div", { class: "evidence" }, [h("label", { for: boxId, text: "Evidence for " + dim.name }), area]);
        typed(area, function (value) { return save(id, { op: "set_evidence", rubric_version_id: rv, dimension_id: dim.id, text: value }, wrap); });
        card.appendChild(wrap);
        section.appendChild(card);
      });
    });
    (content.tallies || []).forEach(function (tally) { section.appendChild(tallyCard(id, view, rv, tally)); });
    return section;
  }

  function tallyCard(id, view, rv, tally) {
    var card = h("div", { class: "tally card" }, [h("h3", { text: tally.name })]);
    var list = h("ul", { class: "tally-list" }, tally.categories.map(function (cat) {
      var row = view.tallies.find(function (t) { return t.rubric_version_id === rv && t.tally_id === tally.id && t.category_id === cat.id; });
      var count = h("span", { class: "tally-count", text: String(row ? row.count : 0) });
      var button = h("button", { type: "button", class: "tally-tap" }, [h("span", { text: cat.label }), count]);
      button.addEventListener("click", function () {
        save(id, { op: "set_tally", rubric_version_id: rv, tally_id: tally.id, category_id: cat.id, delta: 1 }, card).then(function () {
          count.textContent = String(Number(count.textContent) + 1);
        });
      });
      return h("li", {}, [button]);
    }));
    card.appendChild(list);
    return card;
  }

  function finishSection(id, view) {
    var box = h("section", { class: "card finish", "aria-labelledby": "finish-h" }, [h("h2", { id: "finish-h", text: "Finish" })]);
    if (view.status === "final") {
      box.appendChild(h("p", { text: "This observation is final. Changes you make now are kept as revisions." }));
      return box;
    }
    var button = h("button", { type: "button", class: "button primary", text: "Finalize observation" });
    button.addEventListener("click", function () {
      askedToFinalize[id] = true;
      if (missing(view).length) { refresh(); return; }
      save(id, { op: "finalize" }, box).then(refresh);
    });
    box.appendChild(h("p", { class: "meta", text: "Every required dimension needs a score or “not observed”." }));
    // Once asked, the list of gaps stays (and shrinks as they are scored) through redraws.
    var gaps = askedToFinalize[id] ? missing(view) : [];
    if (gaps.length) box.appendChild(alertBox("problems", "Score these first (or mark them not observed):", gaps));
    box.appendChild(button);
    return box;
  }

  // --- Conflicts ------------------------------------------------------------------------------

  function fieldLabel(view, field) {
    var space = field.indexOf(" ");
    var context = { grade: "Grade", course_unit: "Course or unit", lesson_goal: "Lesson goal", task_description: "Task", class_size: "Class size", observed_at: "Date and time" };
    if (space < 0) return context[field] || field;
    var kind = field.slice(0, space);
    var parts = field.slice(space + 1).split(":");
    var r = rubricOf(Number(parts[0]));
    var dim = r && r.content.dimensions.find(function (d) { return d.id === parts[1]; });
    var name = dim ? dim.name : parts[1];
    if (kind === "score") return "Score for " + name + (parts[2] ? ", item " + parts[2] : "");
    if (kind === "evidence") return "Evidence for " + name;
    if (kind === "tally") return "Tally " + parts.slice(1).join(" / ");
    return field;
  }

  function conflictsSection(id, view) {
    return review.conflictsSection({
      conflicts: view.open_conflicts,
      label: function (field) { return fieldLabel(view, field); },
      action: "/capture",
      choose: function (payload, form) { return save(id, payload, form).then(refresh); },
    });
  }

  // --- Rendering ------------------------------------------------------------------------------

  function busyTyping() {
    var el = document.activeElement;
    return !!el && root.contains(el) && el.dataset && el.dataset.dirty === "1";
  }

  function refresh() {
    var p = params();
    var build = p.get("obs") ? obsView : p.get("new") ? newView : homeView;
    if (p.get("new") && root.querySelector("form")) return Promise.resolve();  // keep what is typed
    return build().then(function (parts) {
      var focused = document.activeElement && root.contains(document.activeElement) ? document.activeElement.id : null;
      var open = Array.prototype.map.call(root.querySelectorAll("details[open]"), function (d) { return d.id; });
      root.replaceChildren.apply(root, parts);
      open.forEach(function (o) { var d = document.getElementById(o); if (d) d.open = true; });
      if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
      if (location.hash && !root.dataset.scrolled) {
        root.dataset.scrolled = "1";
        var target = document.getElementById(location.hash.slice(1));
        if (target) target.scrollIntoView();
      }
    });
  }

  function start() {
    root = document.getElementById("capture");
    user = sync.userId();
    if (!root || user === null) return;
    var load = function () {
      return store.getMeta("boot:" + user).then(function (kept) { boot = kept || null; });
    };
    load().then(refresh).catch(function (error) {
      root.replaceChildren(h("h1", { text: "Observations on this tablet" }), alertBox("problems", Cadence.app.saveError(error), []));
    });
    document.addEventListener("cadence:booted", function () { load().then(refresh); });
    document.addEventListener("cadence:changed", function () {
      if (busyTyping()) return;
      refresh();
    });
  }

  if (document.readyState === "complete") start();
  else document.addEventListener("DOMContentLoaded", start);
})();
