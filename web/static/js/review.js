// What needs the coach after a sync: changes the server refused (kept, with the reason) and
// conflicts (two values of one field, resolved by a synced resolve_conflict write). The pieces
// are drawn by the coach app's /review screen and on the record a conflict belongs to. Text
// from people is only set with textContent.
(function () {
  "use strict";
  var Cadence = window.Cadence;
  var store = Cadence.store;
  var sync = Cadence.sync;
  var ui = Cadence.ui;
  var h = ui.h, shortDate = ui.shortDate;

  var OP_NAMES = {
    create_observation: "New observation", update_context: "Lesson details", set_score: "Score",
    set_evidence: "Evidence", add_note: "Note", set_tally: "Tally", finalize: "Finalize",
    set_timer: "Lesson timer", share: "Sharing with the teacher",
    resolve_conflict: "Conflict choice",
    create_cycle: "New coaching cycle", update_cycle: "Cycle change", share_summary: "Sharing the summary",
    create_check_in: "New check-in", update_check_in: "Check-in change",
    add_check_in_reflection: "Reflection", create_commitment: "New commitment",
    update_commitment: "Commitment change",
  };

  var COACHING_OPS = ["create_cycle", "update_cycle", "share_summary", "create_check_in", "update_check_in",
    "add_check_in_reflection", "create_commitment", "update_commitment"];

  function describeOp(payload) { return OP_NAMES[payload.op] || payload.op; }

  // The labels people see on the forms, for the field a server's reason names.
  var FIELD_WORDS = {
    observed_at: "Date and time", grade: "Grade", course_unit: "Course or unit", lesson_goal: "Lesson goal",
    task_description: "Task", class_size: "Class size", rubric_version_ids: "Rubrics", teacher_id: "Teacher",
    text: "Text", value: "Level", dimension_id: "Dimension", item_id: "Item", count: "Count", delta: "Tally",
    goal: "Goal", evidence_plan: "Evidence that will show progress", start_date: "Starts", end_date: "Ends",
    date: "Date", kind: "Kind of meeting", owner: "Who will do it", due_date: "Due", cycle_id: "Cycle",
    observation_id: "Linked observation", focus_dimension_id: "Focus practice", status: "Status",
  };
  var MESSAGE_WORDS = [
    [/^Input should be greater than or equal to (\S+)$/, "must be at least $1"],
    [/^Input should be less than or equal to (\S+)$/, "must be at most $1"],
    [/^Input should be greater than (\S+)$/, "must be more than $1"],
    [/^String should have at most (\d+) characters?$/, "can be at most $1 characters"],
    [/^String should have at least 1 character$/, "must not be empty"],
    [/^Field required$/, "is required"],
    [/^Input should be a valid integer.*$/, "must be a whole number"],
    [/^Input should be a valid (date|datetime).*$/, "must be a date"],
  ];

  // A server's reason ("payload.data.class_size: Input should be greater than or equal to
  // 1") in the words of the form ("Class size: must be at least 1").
  function reasonWords(reason) {
    var m = /^([A-Za-z0-9_.]+): (.*)$/.exec(reason || "");
    if (!m) return reason;
    var name = m[1].split(".").pop();
    var message = m[2];
    MESSAGE_WORDS.forEach(function (w) { message = message.replace(w[0], w[1]); });
    return (FIELD_WORDS[name] || name.replace(/_/g, " ")) + ": " + message;
  }

  // A refused write of a coaching cycle (shown on the week) rather than of an observation.
  function isCoaching(problem) {
    return ["cycle", "check_in", "commitment"].indexOf(problem.entity) >= 0 || COACHING_OPS.indexOf(problem.payload.op) >= 0;
  }

  // Refused writes: the server's list (every device of this person) when it can be reached,
  // plus this tablet's own (which also covers offline).
  function refused(user) {
    var fromServer = navigator.onLine
      ? sync.api("GET", "/api/sync/quarantine").then(function (r) { return r.ok ? r.json() : []; }, function () { return []; })
      : Promise.resolve([]);
    return Promise.all([store.problems(user), fromServer, store.deviceId()]).then(function (got) {
      var device = got[2];
      var list = got[1].map(function (q) {
        return { server_id: q.id, mutation_id: q.device_id === device ? q.mutation_id : null, entity: q.payload && q.payload.entity, payload: (q.payload && q.payload.payload) || {}, reason: q.reason };
      });
      got[0].forEach(function (p) {
        if (!list.some(function (q) { return q.mutation_id === p.mutation_id; })) {
          list.push({ server_id: null, mutation_id: p.mutation_id, entity: p.entity, payload: p.payload, reason: p.reason });
        }
      });
      return list;
    });
  }

  function dismiss(problem) {
    var jobs = [];
    if (problem.mutation_id !== null) jobs.push(store.dismissProblem(problem.mutation_id));
    if (problem.server_id !== null) jobs.push(sync.api("POST", "/api/sync/quarantine/dismiss", { id: problem.server_id }));
    return Promise.all(jobs).then(function () { return sync.render(); });
  }

  // The refused writes, each with its reason and a Dismiss button (then `after` runs).
  function problemsSection(problems, after) {
    return h("section", { class: "card", id: "problems", "aria-labelledby": "problems-h" }, [
      h("h2", { id: "problems-h", text: "Changes the server refused" }),
      h("p", { text: "These changes were kept but not applied. The reason is given; nothing else waits behind them." }),
      h("ul", { class: "obs-list" }, problems.map(function (p) {
        return h("li", {}, [
          h("span", { class: "prewrap", text: describeOp(p.payload) + ": " + reasonWords(p.reason) }),
          h("button", { type: "button", class: "button secondary", onclick: function () { dismiss(p).then(after); }, text: "Dismiss" }),
        ]);
      })),
    ]);
  }

  function showValue(value) {
    if (value === null || value === undefined || value === "") return "(empty)";
    if (typeof value === "boolean") return value ? "Yes" : "No";
    if (typeof value === "object" && "value" in value) return value.not_observed ? "Not observed" : String(value.value);
    return String(value);
  }

  function isText(value) { return typeof value === "string" || value === null; }

  // One form per open conflict: keep the server's value, the other one, or (for text) a
  // combination. options: conflicts, label(field) -> the field's name, value(field, value) ->
  // the value in words (a level's name), action (the form's no-script target),
  // choose(payload, form) -> a promise (saves the resolve_conflict write). A conflict's
  // device is the tablet whose value the server did not keep: on it, that value is "this
  // tablet's"; on any other tablet it is "your other tablet's", and the kept one is there.
  function conflictsSection(options) {
    var here = Cadence.coach ? Cadence.coach.app.device : null;
    var words = options.value || function (_field, value) { return showValue(value); };
    var section = h("section", { class: "card conflicts", id: "conflicts", "aria-labelledby": "conflicts-h" }, [
      h("h2", { id: "conflicts-h", text: "Conflict: needs you" }),
      h("p", { text: "The same field was changed in two places before they synced. One value is kept for now; the other waits here until you choose." }),
    ]);
    options.conflicts.forEach(function (c) {
      var mine = c.device_id === here;
      var name = "choice-" + c.id;
      var choices = mine ? [
        ["server", "Keep the value the server has (from your other tablet)", words(c.field, c.server_value)],
        ["client", "Use this tablet's value", words(c.field, c.client_value)],
      ] : [
        ["server", "Keep the value the server has (this tablet's, if you changed it here)", words(c.field, c.server_value)],
        ["client", "Use your other tablet's value", words(c.field, c.client_value)],
      ];
      var text = isText(c.server_value) && isText(c.client_value);
      var combined = text ? h("textarea", { id: "combined-" + c.id, rows: "4" }) : null;
      if (combined) combined.value = [c.server_value, c.client_value].filter(Boolean).join("\n\n");
      var told = mine
        ? "Your other tablet's change reached the server first, so this tablet's value (" + shortDate(c.created_at) + ") was not kept yet."
        : "Your other tablet changed this too (" + shortDate(c.created_at) + "). The server's value is kept until you choose; if you changed it on this tablet, this tablet's value was kept.";
      var form = h("form", { class: "conflict", method: "get", action: options.action }, [
        h("fieldset", {}, [h("legend", { text: options.label(c.field) })].concat(choices.map(function (o) {
          return h("label", { class: "check conflict-option" }, [h("input", { type: "radio", name: name, value: o[0], checked: o[0] === "server" }), h("span", {}, [h("strong", { text: o[1] + ": " }), h("span", { class: "prewrap", text: o[2] })])]);
        })).concat(combined ? [h("label", { class: "check conflict-option" }, [h("input", { type: "radio", name: name, value: "combined" }), h("strong", { text: "Combine them (edit below)" })]),
          h("label", { for: "combined-" + c.id, class: "visually-hidden", text: "Combined text" }), combined] : [])),
        h("p", { class: "meta", text: told }),
        h("button", { type: "submit", class: "button primary", text: "Save my choice" }),
      ]);
      if (combined) combined.addEventListener("input", function () { form.querySelector("input[value=combined]").checked = true; });
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var choice = form.querySelector("input[name='" + name + "']:checked").value;
        var payload = { op: "resolve_conflict", conflict_id: c.id, choice: choice };
        if (choice === "combined") payload.value = combined.value;
        options.choose(payload, form);
      });
      section.appendChild(form);
    });
    return section;
  }

  function hasConflicts(r) { return !!(r.open_conflicts && r.open_conflicts.length); }

  // One line on the week when something waits for the coach, linking to /review.
  function needsYouLine() {
    var data = Cadence.coach.app.data;
    var conflicts = ["observation", "cycle", "check_in", "commitment"].reduce(function (n, e) { return n + data[e].filter(hasConflicts).length; }, 0);
    var refusedCount = Cadence.coach.app.problems.length;
    if (!conflicts && !refusedCount) return null;
    var words = [];
    if (conflicts) words.push(conflicts + (conflicts === 1 ? " conflict" : " conflicts"));
    if (refusedCount) words.push(refusedCount + (refusedCount === 1 ? " refused change" : " refused changes"));
    return h("p", { class: "alert error needs-you" }, [words.join(" and ") + " need you. ", h("a", { href: "/review", text: "See them" })]);
  }

  Cadence.review = {
    describeOp: describeOp, reasonWords: reasonWords, isCoaching: isCoaching, refused: refused, problemsSection: problemsSection,
    conflictsSection: conflictsSection, needsYouLine: needsYouLine, hasConflicts: hasConflicts, showValue: showValue,
  };
})();
