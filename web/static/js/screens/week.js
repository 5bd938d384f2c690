// The coach's week and the coaching cycle, in the coach's app (coach.js). Read from and
// written to this tablet's store like every coach screen; sync.js sends the writes.
//   /week                          every teacher in the caseload: last and next check-in,
//                                  open commitments, the current cycle, the last observation
//   /week?new_cycle=1&teacher=ID   start a cycle
//   /week?cycle=ID                 a cycle: goal, check-ins, open commitments
//   /week?check_in=new&cycle=ID    this week's check-in (with new and carried-over commitments)
//   /week?check_in=ID              a check-in: edit it, follow up its commitments
(function () {
  "use strict";
  var Cadence = window.Cadence;
  var coach = Cadence.coach;
  var store = Cadence.store;
  var ui = Cadence.ui;
  var review = Cadence.review;
  var h = ui.h, field = ui.field, showErrors = ui.showErrors, typed = ui.typed, dayName = ui.dayName;
  var DAY = 86400000;
  var CYCLE_DAYS = 42;
  var PROMPTS = [
    ["evidence_examined", "What student evidence did we look at?"],
    ["noticed", "What did we notice about student thinking?"],
    ["will_try", "What will we try?"],
    ["look_for_next", "What will we look for next time?"],
  ];
  var FIELD_LABELS = {
    goal: "Goal", evidence_plan: "Evidence that will show progress", start_date: "Starts", end_date: "Ends",
    status: "Status", summary_progress: "Progress (the teacher's words)", focus_rubric_id: "Focus practice",
    focus_dimension_id: "Focus practice", shared: "Shared with the principal", date: "Date", kind: "Kind of meeting",
    student_work: "Student work we looked at", notes: "Notes", observation_id: "Linked observation",
    text: "Next step", owner: "Who will do it", due_date: "Due",
  };
  PROMPTS.forEach(function (p) { FIELD_LABELS[p[0]] = p[1]; });
  var boot = null;
  var data = null;

  function today() { return ui.isoDay(new Date()); }
  function addDays(day, n) { return ui.isoDay(new Date(new Date(day + "T12:00:00").getTime() + n * DAY)); }
  function daysBetween(a, b) { return Math.round((new Date(b + "T12:00:00") - new Date(a + "T12:00:00")) / DAY); }

  var teacherName = coach.teacherName;

  function kindLabel(id) {
    var k = (boot && boot.check_in_kinds || []).find(function (x) { return x.id === id; });
    return k ? k.label : id;
  }

  function focusLabel(cycle) {
    if (cycle.focus_label) return cycle.focus_label;
    var f = (boot && boot.focus_options || []).find(function (o) { return o.rubric_id === cycle.focus_rubric_id && o.dimension_id === cycle.focus_dimension_id; });
    return f ? f.label : cycle.focus_dimension_id;
  }

  function cyclesOf(teacherId) {
    return data.cycle.filter(function (c) { return c.teacher_id === teacherId; })
      .sort(function (a, b) { return (b.start_date || "").localeCompare(a.start_date || ""); });
  }

  function currentCycle(teacherId) {
    var cycles = cyclesOf(teacherId);
    return cycles.find(function (c) { return c.status === "active"; }) ||
      cycles.find(function (c) { return c.status === "planned"; }) || null;
  }

  function checkInsOf(cycleIds) {
    return data.check_in.filter(function (c) { return cycleIds.indexOf(c.cycle_id) >= 0; })
      .sort(function (a, b) { return (b.date || "").localeCompare(a.date || ""); });
  }

  function openCommitments(cycleIds, exceptCheckIn) {
    return data.commitment.filter(function (c) {
      return cycleIds.indexOf(c.cycle_id) >= 0 && c.status === "open" && c.check_in_id !== exceptCheckIn;
    }).sort(function (a, b) {
      // As the server's week (coaching.service._due): by due date, then text.
      return (a.due_date || "9999").localeCompare(b.due_date || "9999") || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0);
    });
  }

  var save = coach.save;
  var needsBoot = coach.needsBoot;

  function crumbs(extra) {
    return coach.crumbs([["/week", "This week"]].concat(extra || []));
  }

  // --- The week -------------------------------------------------------------------------------

  function weekView() {
    var now = today();
    var parts = [h("h1", { text: "This week" }), h("p", { class: "lede", text: dayName(now) + ". One check-in a week with each teacher." })];
    if (!boot) return needsBoot("This week");
    if (!boot.caseload.length) return parts.concat([h("p", { class: "card", text: "No teachers are assigned to you right now." })]);
    parts.push(review.needsYouLine());
    var facts = boot.caseload.map(function (t) { return cardFacts(t, now); });
    // What is late comes first; otherwise the caseload's order (school, then name).
    var order = boot.caseload.map(function (t, i) { return i; }).sort(function (a, b) {
      return (isLate(facts[b], now) - isLate(facts[a], now)) || a - b;
    });
    parts.splice(2, 0, weekSummary(boot.caseload, facts, now));
    parts.push(h("ul", { class: "tiles week", "aria-label": "Teachers this week" }, order.map(function (i) { return teacherCard(boot.caseload[i], now, facts[i]); })));
    return parts;
  }

  // What a teacher's card says, from the tablet's copy (as coaching.service.coach_week).
  function cardFacts(t, now) {
    var ids = cyclesOf(t.teacher_id).map(function (c) { return c.id; });
    var last = checkInsOf(ids)[0] || null;
    var open = openCommitments(ids);
    return {
      cycle: currentCycle(t.teacher_id),
      last: last,
      open: open,
      overdue: open.filter(function (c) { return c.due_date && c.due_date < now; }),
      observed: data.observation.filter(function (o) { return o.teacher_id === t.teacher_id; })
        .map(function (o) { return o.observed_at; }).sort().pop(),
      due: last ? addDays(last.date, 7) : now,
    };
  }

  function isLate(f, now) { return f.due < now || f.overdue.length > 0 ? 1 : 0; }

  // One line over the cards: what is late or due, each part a link to the first card it
  // counts (the server writes the same words with coaching.service.week_summary).
  function weekSummary(caseload, facts, now) {
    function count(n, one, many) { return n + " " + (n === 1 ? one : many); }
    function first(test) { var i = facts.findIndex(test); return "#teacher-" + caseload[i].teacher_id; }
    var late = facts.filter(function (f) { return f.due < now; }).length;
    var today = facts.filter(function (f) { return f.due === now; }).length;
    var commitments = facts.reduce(function (n, f) { return n + f.overdue.length; }, 0);
    var parts = [];
    if (late) parts.push(h("a", { href: first(function (f) { return f.due < now; }), text: count(late, "check-in", "check-ins") + " overdue" }));
    if (today) parts.push(h("a", { href: first(function (f) { return f.due === now; }), text: count(today, "check-in", "check-ins") + " due today" }));
    if (commitments) parts.push(h("a", { href: first(function (f) { return f.overdue.length > 0; }), text: count(commitments, "commitment", "commitments") + " overdue" }));
    if (!parts.length) return h("p", { class: "week-summary", text: "Every check-in is on schedule and no commitment is overdue." });
    return h("p", { class: "week-summary" }, parts.reduce(function (out, a, i) { return out.concat(i ? [" · ", a] : [a]); }, []));
  }

  function teacherCard(t, now, facts) {
    var cycle = facts.cycle, last = facts.last, open = facts.open, overdue = facts.overdue;
    var observed = facts.observed, due = facts.due;
    var lines = [
      h("h2", { text: t.name }),
      h("p", { class: "meta", text: t.school }),
      h("p", { class: "week-line", text: last ? "Last check-in " + daysAgo(last.date, now) + " (" + dayName(last.date) + ")" : "No check-in yet" }),
      h("p", { class: "week-line" + (due < now ? " overdue" : ""), text: due < now ? "Check-in overdue since " + dayName(due) : due === now ? "Check-in due today" : "Next check-in due " + dayName(due) }),
      h("p", { class: "week-line", text: cycle ? "Cycle: " + focusLabel(cycle) + ". Goal: " + cycle.goal : "No cycle under way" }),
      h("p", { class: "week-line", text: open.length ? open.length + " open commitment" + (open.length === 1 ? "" : "s") + (overdue.length ? ", " + overdue.length + " overdue" : "") : "No open commitments" }),
    ];
    if (overdue.length) {
      lines.push(h("ul", { class: "overdue-list", "aria-label": "Overdue commitments for " + t.name }, overdue.map(function (c) {
        return h("li", { class: "overdue", text: c.text + " (" + ownerLabel(c.owner) + ", due " + dayName(c.due_date) + ")" });
      })));
    }
    lines.push(h("p", { class: "week-line", text: observed ? "Last observed " + dayName(ui.isoDay(new Date(observed))) : "Not observed yet" }));
    var first = t.name.split(" ")[0];
    var started = cycle && cycle.start_date <= now;
    if (cycle && !started) lines.splice(4, 0, h("p", { class: "week-line", text: "The cycle starts " + dayName(cycle.start_date) }));
    var actions = h("p", { class: "actions" }, (started ? [
      h("a", { class: "button primary", href: "/week?check_in=new&cycle=" + cycle.id, text: "Start this week's check-in with " + first }),
      h("a", { class: "button secondary", href: "/week?cycle=" + cycle.id, text: "Open the cycle" }),
    ] : cycle ? [h("a", { class: "button primary", href: "/week?cycle=" + cycle.id, text: "Open the cycle" })]
      : [h("a", { class: "button primary", href: "/week?new_cycle=1&teacher=" + t.teacher_id, text: "Start a cycle with " + first })]).concat([
      h("a", { class: "button secondary", href: "/teachers/" + t.teacher_id + "/observations/new", text: "Observe " + first }),
    ]));
    lines.push(actions);
    return h("li", { class: "tile", id: "teacher-" + t.teacher_id }, lines);
  }

  function hasConflicts(r) { return !!(r.open_conflicts && r.open_conflicts.length); }

  // The conflicts of these records (a cycle and its commitments, or a check-in), resolved
  // by a synced write to the record each belongs to.
  function conflictsOf(entity, records, where) {
    var forms = [];
    records.filter(hasConflicts).forEach(function (r) {
      forms.push(review.conflictsSection({
        conflicts: r.open_conflicts,
        label: function (name) {
          var label = name.indexOf("reflection") === 0 ? "The teacher's reflection" : FIELD_LABELS[name] || name;
          return entity === "commitment" ? "Commitment “" + r.text + "”: " + label : label;
        },
        action: "/week",
        choose: function (payload, form) { return save([{ entity: entity, id: r.id, payload: payload }], form); },
      }));
    });
    return forms;
  }

  function daysAgo(day, now) {
    var n = daysBetween(day, now);
    return n === 0 ? "today" : n === 1 ? "yesterday" : n + " days ago";
  }

  function ownerLabel(owner) { return owner === "teacher" ? "teacher" : "coach"; }

  // --- A new cycle ----------------------------------------------------------------------------

  function newCycleView() {
    if (!boot) return needsBoot("New cycle");
    var teacherId = Number(ui.params().get("teacher")) || null;
    var teacher = h("select", { id: "teacher", name: "teacher" }, [h("option", { value: "", text: "Choose a teacher" })].concat(boot.caseload.map(function (t) {
      return h("option", { value: String(t.teacher_id), selected: t.teacher_id === teacherId, text: t.name });
    })));
    var groups = {};
    boot.focus_options.forEach(function (o) { (groups[o.group] = groups[o.group] || []).push(o); });
    var focus = h("select", { id: "focus", name: "focus" }, [h("option", { value: "", text: "Choose a practice" })].concat(Object.keys(groups).map(function (g) {
      return h("optgroup", { label: g }, groups[g].map(function (o) { return h("option", { value: o.rubric_id + ":" + o.dimension_id, text: o.label }); }));
    })));
    var start = today();
    var form = h("form", { class: "card form-card", method: "get", action: "/week", novalidate: true, "data-keep": "1" }, [
      field("teacher", "Teacher", teacher),
      field("focus", "Focus practice", focus),
      field("goal", "Goal for student learning", h("textarea", { id: "goal", name: "goal", rows: "3", maxlength: "1000" }), "A measurable statement, e.g. “By the end of the cycle, most students explain why their strategy works.”"),
      field("evidence_plan", "Evidence that will show progress", h("textarea", { id: "evidence_plan", name: "evidence_plan", rows: "2", maxlength: "2000" })),
      field("start_date", "Starts", h("input", { id: "start_date", name: "start_date", type: "date", value: start })),
      field("end_date", "Ends", h("input", { id: "end_date", name: "end_date", type: "date", value: addDays(start, CYCLE_DAYS) }), "Six weeks by default."),
      h("div", { class: "actions" }, [h("button", { type: "submit", class: "button primary", text: "Start the cycle" })]),
    ]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var errors = {};
      if (!form.teacher.value) errors.teacher = "Choose the teacher.";
      if (!form.focus.value) errors.focus = "Choose the practice this cycle works on.";
      if (!form.goal.value.trim()) errors.goal = "Write the goal for student learning.";
      if (!form.start_date.value) errors.start_date = "Give the first day of the cycle.";
      if (form.end_date.value && form.start_date.value && form.end_date.value < form.start_date.value) errors.end_date = "The cycle must end on or after the day it starts.";
      if (Object.keys(errors).length) { showErrors(form, errors); return; }
      var id = store.uuid();
      var focusParts = form.focus.value.split(":");
      var payload = { op: "create_cycle", data: {
        teacher_id: Number(form.teacher.value), focus_rubric_id: focusParts[0], focus_dimension_id: focusParts[1],
        goal: form.goal.value.trim(), evidence_plan: form.evidence_plan.value.trim(),
        start_date: form.start_date.value, end_date: form.end_date.value || null, status: "active",
      } };
      form.querySelector("button[type=submit]").disabled = true;  // one tap, one cycle
      save([{ entity: "cycle", id: id, payload: payload }], form).then(function () { location.assign("/week?cycle=" + id); },
        function () { form.querySelector("button[type=submit]").disabled = false; });
    });
    return [crumbs(), h("h1", { text: teacherId ? "New cycle with " + teacherName(teacherId) : "New cycle" }), form];
  }

  // --- A cycle --------------------------------------------------------------------------------

  function cycleView() {
    var id = ui.params().get("cycle");
    var cycle = data.cycle.find(function (c) { return c.id === id; });
    if (!cycle) return [crumbs(), h("h1", { text: "Cycle not on this tablet" })];
    var checkIns = checkInsOf([id]);
    var open = openCommitments([id]);
    var section = h("section", { class: "card", "aria-labelledby": "goal-h" }, [
      h("h2", { id: "goal-h", text: "Goal" }),
      h("p", { class: "prewrap", text: cycle.goal }),
      cycle.evidence_plan ? h("p", { class: "prewrap" }, [h("strong", { text: "Evidence of progress: " }), cycle.evidence_plan]) : null,
      h("p", { class: "meta", text: dayName(cycle.start_date) + " to " + (cycle.end_date ? dayName(cycle.end_date) : "open") + " · " + cycle.status }),
      cycle.shared_with_principal_at ? h("p", { class: "meta", text: "The teacher shared this cycle's summary with the principal." }) : null,
    ]);
    if (cycle.status !== "completed") {
      var finish = h("button", { type: "button", class: "button secondary", text: "Mark the cycle completed" });
      finish.addEventListener("click", function () {
        save([{ entity: "cycle", id: id, payload: { op: "update_cycle", data: { status: "completed" } } }], section);
      });
      section.appendChild(finish);
    }
    var commitments = data.commitment.filter(function (c) { return c.cycle_id === id; });
    return [
      crumbs(),
      h("h1", { text: teacherName(cycle.teacher_id) + ": " + focusLabel(cycle) }),
    ].concat(conflictsOf("cycle", [cycle]), conflictsOf("commitment", commitments), [
      section,
      h("p", { class: "actions" }, [h("a", { class: "button primary", href: "/week?check_in=new&cycle=" + id, text: "Start this week's check-in" })]),
      commitmentsSection("Open commitments", open, h("section")),
      h("section", { class: "card", "aria-labelledby": "checkins-h" }, [
        h("h2", { id: "checkins-h", text: "Check-ins" }),
        checkIns.length ? h("ul", { class: "obs-list", "aria-label": "Check-ins" }, checkIns.map(function (c) {
          return h("li", {}, [h("a", { href: "/week?check_in=" + c.id, text: dayName(c.date) + ": " + kindLabel(c.kind) })]);
        })) : h("p", { class: "meta", text: "No check-ins yet." }),
      ]),
    ]);
  }

  function commitmentsSection(title, list, where) {
    var box = h("section", { class: "card commitments", "aria-label": title }, [h("h2", { text: title })]);
    if (!list.length) { box.appendChild(h("p", { class: "meta", text: "None." })); return box; }
    box.appendChild(h("ul", { class: "obs-list" }, list.map(function (c) {
      var done = h("button", { type: "button", class: "button secondary", text: c.status === "open" ? "Mark done" : "Reopen" });
      done.addEventListener("click", function () {
        var status = c.status === "open" ? "done" : "open";
        save([{ entity: "commitment", id: c.id, payload: { op: "update_commitment", data: { status: status } } }], box);
      });
      var due = c.due_date ? ", due " + dayName(c.due_date) : "";
      return h("li", { class: c.status === "open" && c.due_date && c.due_date < today() ? "overdue" : null }, [
        h("span", { class: "prewrap", text: c.text + " (" + ownerLabel(c.owner) + due + ")" + (c.status === "done" ? " · done" : "") }),
        done,
      ]);
    })));
    return box;
  }

  // --- A check-in -----------------------------------------------------------------------------

  function commitmentRow(n) {
    var owner = h("fieldset", { class: "field owner", id: "field-owner-" + n }, [h("legend", { text: "Who will do it" })].concat(["teacher", "coach"].map(function (o) {
      return h("label", { class: "check" }, [h("input", { type: "radio", name: "owner-" + n, value: o }), o === "teacher" ? "The teacher" : "The coach"]);
    })));
    return h("fieldset", { class: "commitment-row", "data-row": String(n) }, [
      h("legend", { text: "New commitment " + n }),
      field("text-" + n, "Next step", h("input", { id: "text-" + n, type: "text", maxlength: "1000", autocomplete: "off" })),
      owner,
      field("due-" + n, "Due", h("input", { id: "due-" + n, type: "date", value: addDays(today(), 7) })),
    ]);
  }

  function newCheckInView() {
    if (!boot) return needsBoot("New check-in");
    var cycleId = ui.params().get("cycle");
    var cycle = data.cycle.find(function (c) { return c.id === cycleId; });
    if (!cycle) return [crumbs(), h("h1", { text: "Cycle not on this tablet" })];
    var carried = openCommitments([cycleId]);
    var observations = data.observation.filter(function (o) { return o.teacher_id === cycle.teacher_id; })
      .sort(function (a, b) { return (b.observed_at || "").localeCompare(a.observed_at || ""); });
    var rows = h("div", { class: "commitment-rows" }, [commitmentRow(1)]);
    var more = h("button", { type: "button", class: "button secondary", text: "Add another commitment" });
    more.addEventListener("click", function () { rows.appendChild(commitmentRow(rows.children.length + 1)); });
    var form = h("form", { class: "card form-card checkin-form", method: "get", action: "/week", novalidate: true, "data-keep": "1" }, [
      field("date", "Date", h("input", { id: "date", type: "date", value: today() })),
      field("kind", "Kind of meeting", h("select", { id: "kind" }, [h("option", { value: "", text: "Choose one" })].concat(boot.check_in_kinds.map(function (k) { return h("option", { value: k.id, text: k.label }); })))),
    ].concat(PROMPTS.map(function (p) { return field(p[0], p[1], h("textarea", { id: p[0], rows: "3", maxlength: "10000" })); })).concat([
      field("student_work", "Student work we looked at", h("textarea", { id: "student_work", rows: "2", maxlength: "10000" }), "Describe the samples (no names)."),
      field("notes", "Notes", h("textarea", { id: "notes", rows: "3", maxlength: "10000" })),
      field("observation", "Linked observation", h("select", { id: "observation" }, [h("option", { value: "", text: "None" })].concat(observations.map(function (o) { return h("option", { value: o.id, text: ui.shortDate(o.observed_at) }); })))),
      carried.length ? h("fieldset", { class: "field carried" }, [h("legend", { text: "Commitments carried over" })].concat(carried.map(function (c) {
        return h("label", { class: "check" }, [h("input", { type: "checkbox", name: "done", value: c.id }), "Done: " + c.text + " (" + ownerLabel(c.owner) + ")"]);
      }))) : null,
      rows, more,
      h("div", { class: "actions" }, [h("button", { type: "submit", class: "button primary", text: "Save the check-in" })]),
    ]));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      saveCheckIn(form, cycle);
    });
    // A day far from today is allowed but questioned (a due date in 1900 is a typo).
    form.addEventListener("change", function (event) { questionDate(event.target); });
    form.addEventListener("focusout", function (event) { questionDate(event.target); });
    return [crumbs([" · ", h("a", { href: "/week?cycle=" + cycle.id, text: "Cycle" })]), h("h1", { text: "Check-in with " + teacherName(cycle.teacher_id) }), h("p", { class: "lede", text: focusLabel(cycle) + ". Goal: " + cycle.goal }), form];
  }

  function questionDate(control) {
    if (!control || control.type !== "date") return;
    var what = control.id === "date" ? "This check-in" : "This due date";
    var message = ui.farDate(control.value, what);
    var day = document.getElementById("date");
    if (!message && control.id !== "date" && control.value && day && day.value && control.value < day.value) {
      message = "This is before the check-in (" + dayName(day.value) + "). Is that right?";
    }
    ui.warn(control, message);
  }

  // Validate everything first; then the check-in and all its commitments are saved in one go.
  function saveCheckIn(form, cycle) {
    var errors = {};
    var date = form.querySelector("#date").value;
    var kind = form.querySelector("#kind").value;
    var pair = coach.teacher(cycle.teacher_id);
    if (!date) errors.date = "Give the date of the check-in.";
    else if (pair && (date < pair.since || (pair.until && date > pair.until))) {
      errors.date = pair.name + " is in your caseload " + (pair.until ? "from " + dayName(pair.since) + " to " + dayName(pair.until) : "from " + dayName(pair.since)) +
        ". A check-in on " + dayName(date) + " is outside that: choose a day " + (date < pair.since ? "from " + dayName(pair.since) + " on." : "up to " + dayName(pair.until) + ".");
    } else if (date < cycle.start_date) errors.date = "The check-in is before the cycle starts (" + dayName(cycle.start_date) + ").";
    if (!kind) errors.kind = "Choose the kind of meeting.";
    var commitments = [];
    form.querySelectorAll(".commitment-row").forEach(function (row) {
      var n = row.dataset.row;
      var text = row.querySelector("#text-" + n).value.trim();
      var owner = row.querySelector("input[name='owner-" + n + "']:checked");
      if (!text && !owner) return;
      if (!text) errors["text-" + n] = "Write the next step, or clear this commitment.";
      if (!owner) errors["owner-" + n] = "Choose who owns this commitment.";
      commitments.push({ text: text, owner: owner ? owner.value : null, due: row.querySelector("#due-" + n).value || null });
    });
    if (Object.keys(errors).length) { showErrors(form, errors); return; }
    var id = store.uuid();
    var record = { cycle_id: cycle.id, date: date, kind: kind, observation_id: form.querySelector("#observation").value || null };
    PROMPTS.concat([["student_work"], ["notes"]]).forEach(function (p) { record[p[0]] = form.querySelector("#" + p[0]).value.trim(); });
    var items = [{ entity: "check_in", id: id, payload: { op: "create_check_in", data: record } }];
    commitments.forEach(function (c) {
      items.push({ entity: "commitment", id: store.uuid(), payload: { op: "create_commitment", data: { cycle_id: cycle.id, check_in_id: id, text: c.text, owner: c.owner, due_date: c.due, status: "open" } } });
    });
    form.querySelectorAll("input[name=done]:checked").forEach(function (box) {
      items.push({ entity: "commitment", id: box.value, payload: { op: "update_commitment", data: { status: "done" } } });
    });
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;  // one tap, one check-in (a second tap finds the button off)
    save(items, form).then(function () { location.assign("/week?check_in=" + id); }, function () { button.disabled = false; });
  }

  function checkInView() {
    var id = ui.params().get("check_in");
    var checkIn = data.check_in.find(function (c) { return c.id === id; });
    if (!checkIn) return [crumbs(), h("h1", { text: "Check-in not on this tablet" })];
    var cycle = data.cycle.find(function (c) { return c.id === checkIn.cycle_id; }) || { id: checkIn.cycle_id, teacher_id: null };
    var box = h("section", { class: "card checkin" }, []);
    PROMPTS.concat([["student_work", "Student work we looked at"], ["notes", "Notes"]]).forEach(function (p) {
      var area = h("textarea", { id: p[0], rows: "3", maxlength: "10000" });
      area.value = checkIn[p[0]] || "";
      typed(area, function (value) {
        var change = {};
        change[p[0]] = value;
        return save([{ entity: "check_in", id: id, payload: { op: "update_check_in", data: change } }], box);
      });
      box.appendChild(field(p[0], p[1], area));
    });
    var made = data.commitment.filter(function (c) { return c.check_in_id === id; });
    var carried = openCommitments([cycle.id], id);
    var linked = checkIn.observation_id ? data.observation.find(function (o) { return o.id === checkIn.observation_id; }) : null;
    var reflections = (checkIn.reflections || []).map(function (r) {
      return h("blockquote", { class: "prewrap reflection", text: r.text });
    });
    return [
      crumbs([" · ", h("a", { href: "/week?cycle=" + cycle.id, text: "Cycle" })]),
      h("h1", { text: "Check-in with " + teacherName(cycle.teacher_id) }),
      h("p", { class: "lede", text: dayName(checkIn.date) + " · " + kindLabel(checkIn.kind) }),
    ].concat(conflictsOf("check_in", [checkIn]), [
      linked ? h("p", {}, [h("a", { href: "/observe/" + linked.id, text: "Linked observation: " + ui.shortDate(linked.observed_at) })]) : null,
      box,
      commitmentsSection("Commitments made here", made, box),
      commitmentsSection("Carried over from earlier check-ins", carried, box),
      h("section", { class: "card", "aria-labelledby": "reflection-h" }, [h("h2", { id: "reflection-h", text: "The teacher's reflection" })].concat(
        reflections.length ? reflections : [h("p", { class: "meta", text: "The teacher has not written a reflection on this check-in yet." })])),
    ]);
  }

  // --- The route ----------------------------------------------------------------------------

  // /week and its query strings: each selects a screen (one kept copy serves them all offline).
  function weekScreens(_params, query) {
    boot = coach.app.boot;
    data = coach.app.data;
    if (query.get("new_cycle")) return newCycleView();
    if (query.get("check_in") === "new") return newCheckInView();
    if (query.get("check_in")) return checkInView();
    if (query.get("cycle")) return cycleView();
    return weekView();
  }

  coach.route("/week", weekScreens, { keepForm: true });
})();
