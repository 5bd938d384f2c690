// The coach's teachers, in the coach's app:
//   /caseload                         every teacher in the caseload this school year
//   /teachers/ID                      one teacher: their cycle, observations and check-ins here
//   /teachers/ID/observations/new     start an observation (saved on the tablet at once)
(function () {
  "use strict";
  var Cadence = window.Cadence;
  var coach = Cadence.coach;
  var store = Cadence.store;
  var ui = Cadence.ui;
  var h = ui.h;
  var GRADE_NAMES = { K: "Kindergarten", Mixed: "Mixed grades" };

  function firstName(name) { return name.split(" ")[0]; }

  function caseloadScreen() {
    var boot = coach.app.boot;
    if (!boot) return coach.needsBoot("My caseload");
    var list = boot.caseload;
    if (!list.length) {
      return [h("h1", { text: "My caseload" }), h("div", { class: "card" }, [h("p", { text: "No teachers are assigned to you right now. Your district administrator or principal assigns teachers to coaches." })])];
    }
    return [
      h("h1", { text: "My caseload" }),
      h("p", { class: "lede", text: list.length + " teacher" + (list.length === 1 ? "" : "s") + " this school year." }),
      h("ul", { class: "tiles", "aria-label": "Teachers in my caseload" }, list.map(function (t) {
        return h("li", { class: "tile caseload-card" }, [
          h("h2", {}, [h("a", { href: "/teachers/" + t.teacher_id, text: t.name })]),
          h("p", { text: t.school }),
          h("p", {}, [h("a", { class: "button secondary", href: "/teachers/" + t.teacher_id + "/observations/new", text: "Observe " + firstName(t.name) })]),
          h("p", { class: "meta", text: (t.cohort ? "Cohort " + t.cohort : "No cohort set") + (t.since ? " · coaching since " + ui.dayName(t.since) : "") }),
        ]);
      })),
    ];
  }

  function teacherScreen(params) {
    var id = Number(params.id);
    var boot = coach.app.boot;
    if (!boot) return coach.needsBoot("Teacher");
    var t = coach.teacher(id) || (boot.known_teachers || []).find(function (k) { return k.teacher_id === id; });
    var data = coach.app.data;
    var observations = data.observation.filter(function (o) { return o.teacher_id === id; })
      .sort(function (a, b) { return (b.observed_at || "").localeCompare(a.observed_at || ""); });
    var cycles = data.cycle.filter(function (c) { return c.teacher_id === id; })
      .sort(function (a, b) { return (b.start_date || "").localeCompare(a.start_date || ""); });
    if (!t && !observations.length && !cycles.length) return coach.notHere("Teacher not on this tablet", ["/caseload", "My caseload"]);
    var name = t ? t.name : "Teacher #" + id;
    var inCaseload = !!coach.teacher(id);
    return [
      coach.crumbs([["/caseload", "My caseload"]]),
      h("h1", { text: name }),
      h("p", { class: "lede", text: t ? t.school : "" }),
      inCaseload ? h("p", { class: "actions" }, [
        h("a", { class: "button primary", href: "/teachers/" + id + "/observations/new", text: "New observation" }),
        h("a", { class: "button secondary", href: "/teachers/" + id + "/growth", text: firstName(name) + "’s growth" }),
      ]) : h("p", { class: "meta", text: name + " is not in your caseload this school year: you can read your past observations but not start a new one." }),
      h("section", { class: "card", "aria-labelledby": "cycles-h" }, [
        h("h2", { id: "cycles-h", text: "Coaching cycles" }),
        cycles.length ? h("ul", { class: "obs-list", "aria-label": "Cycles with " + name }, cycles.map(function (c) {
          return h("li", {}, [h("a", { href: "/week?cycle=" + c.id, text: ui.dayName(c.start_date) + ": " + c.goal }), h("span", { class: "meta", text: c.status })]);
        })) : h("p", { class: "meta", text: "No cycle yet." }),
        inCaseload ? h("p", {}, [h("a", { class: "button secondary", href: "/week?new_cycle=1&teacher=" + id, text: "Start a cycle with " + firstName(name) })]) : null,
      ]),
      h("section", { class: "card", "aria-labelledby": "obs-h" }, [
        h("h2", { id: "obs-h", text: "My observations" }),
        observations.length ? h("ul", { class: "obs-list", "aria-label": "Observations of " + name + ", newest first" }, observations.map(function (o) {
          var final = o.status === "final";
          return h("li", {}, [
            h("a", { href: "/observe/" + o.id, text: ui.shortDate(o.observed_at) + " · Grade " + o.grade + (o.course_unit ? " · " + o.course_unit : "") }),
            h("span", { class: "badge badge-" + (final ? "final" : "draft"), text: final ? "Final" : "Draft" }),
            o.shared_with_teacher_at ? h("span", { class: "badge badge-shared", text: "Shared with teacher" }) : null,
          ]);
        })) : h("p", { text: "No observations yet." }),
      ]),
    ];
  }

  function newObservationScreen(params) {
    var id = Number(params.id);
    var boot = coach.app.boot;
    if (!boot) return coach.needsBoot("New observation");
    var t = coach.teacher(id);
    if (!t) return [coach.crumbs([["/caseload", "My caseload"]]), h("h1", { text: "New observation" }), h("p", { text: "This teacher is not in your caseload this school year." })];
    var current = boot.rubrics.filter(function (r) { return r.current; });
    var rubrics = h("fieldset", { class: "field", id: "field-rubrics" }, [h("legend", { text: "Rubrics to score with" })].concat(current.map(function (r) {
      return h("label", { class: "check" }, [h("input", { type: "checkbox", name: "rubric", value: String(r.rubric_version_id), checked: current.length === 1 }), r.title, " ", h("span", { class: "meta", text: "(version " + r.version + ")" })]);
    })));
    var grade = h("select", { id: "grade", name: "grade" }, [h("option", { value: "", text: "Choose a grade" })].concat(boot.grades.map(function (g) {
      return h("option", { value: g, text: GRADE_NAMES[g] || "Grade " + g });
    })));
    var form = h("form", { class: "card form-card", method: "get", action: location.pathname, novalidate: true, "data-keep": "1" }, [
      rubrics,
      ui.field("observed_at", "Date and time of the lesson", h("input", { id: "observed_at", type: "datetime-local", value: ui.localInput(new Date()) })),
      ui.field("grade", "Grade", grade),
      ui.field("course_unit", "Course or unit (optional)", h("input", { id: "course_unit", type: "text", autocomplete: "off" })),
      ui.field("lesson_goal", "Lesson goal (optional)", h("textarea", { id: "lesson_goal", rows: "2" }), "What students should learn: the mathematics, not the activity."),
      ui.field("task_description", "Task (optional)", h("textarea", { id: "task_description", rows: "3" })),
      ui.field("class_size", "Class size (optional)", h("input", { id: "class_size", type: "number", inputmode: "numeric" })),
      h("div", { class: "actions" }, [
        h("button", { type: "submit", class: "button primary", text: "Start observing" }),
        h("a", { class: "button secondary", href: "/teachers/" + id, text: "Cancel" }),
      ]),
    ]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      start(form, id);
    });
    var when = form.querySelector("#observed_at");
    when.addEventListener("change", function () { ui.warn(when, ui.farDate(when.value, "This lesson")); });
    when.addEventListener("blur", function () { ui.warn(when, ui.farDate(when.value, "This lesson")); });
    return [coach.crumbs([["/caseload", "My caseload"], ["/teachers/" + id, t.name]]), h("h1", { text: "New observation of " + t.name }), form];
  }

  function start(form, teacherId) {
    var value = function (name) { return form.querySelector("#" + name).value.trim(); };
    var when = value("observed_at") ? new Date(value("observed_at")) : null;
    var rubricIds = Array.prototype.filter.call(form.querySelectorAll("input[name=rubric]"), function (c) { return c.checked; }).map(function (c) { return Number(c.value); });
    var size = value("class_size");
    var errors = {};
    if (!rubricIds.length) errors.rubrics = "Choose at least one rubric.";
    if (!when || isNaN(when.getTime())) errors.observed_at = "Give the date and time of the lesson.";
    if (!value("grade")) errors.grade = "Choose a grade.";
    if (value("course_unit").length > 200) errors.course_unit = "At most 200 characters.";
    ["lesson_goal", "task_description"].forEach(function (n) { if (value(n).length > 2000) errors[n] = "At most 2,000 characters; this has " + value(n).length.toLocaleString("en") + "."; });
    if (size && (!/^[0-9]+$/.test(size) || Number(size) < 1 || Number(size) > 200)) errors.class_size = "A whole number from 1 to 200.";
    if (Object.keys(errors).length) { ui.showErrors(form, errors); return; }
    var id = store.uuid();
    var data = { teacher_id: teacherId, observed_at: when.toISOString(), grade: value("grade"), rubric_version_ids: rubricIds };
    ["course_unit", "lesson_goal", "task_description"].forEach(function (n) { if (value(n)) data[n] = value(n); });
    if (size) data.class_size = Number(size);
    form.querySelector("button[type=submit]").disabled = true;  // one tap, one observation
    coach.saveOne("observation", id, { op: "create_observation", data: data }, form).then(function () {
      location.assign("/observe/" + id);
    }, function () { form.querySelector("button[type=submit]").disabled = false; });
  }

  coach.route("/caseload", caseloadScreen);
  coach.route("/teachers/:id", teacherScreen);
  coach.route("/teachers/:id/observations/new", newObservationScreen, { keepForm: true });
})();
