// The observation screens of the coach's app:
//   /observe        the observations on this tablet, newest first
//   /observe/UUID   one observation: lesson details, timer, notes, scoring, finalize, share,
//                   the teacher's reflection and the revisions made after finalizing
// Scoring itself is in scoring.js; every write is one operation through the outbox.
(function () {
  "use strict";
  var Cadence = window.Cadence;
  var coach = Cadence.coach;
  var review = Cadence.review;
  var scoring = Cadence.scoring;
  var ui = Cadence.ui;
  var h = ui.h;
  var CONTEXT_LABELS = {
    observed_at: "Date and time", grade: "Grade", course_unit: "Course or unit", lesson_goal: "Lesson goal",
    task_description: "Task", class_size: "Class size",
  };
  var askedToFinalize = {};

  function waitingFor(id) {
    return coach.app.pending.filter(function (r) { return r.id === id; });
  }

  function status(view) {
    var final = view.status === "final";
    return h("span", { class: "badge badge-" + (final ? "final" : "draft"), text: final ? "Final" : "Draft" });
  }

  // --- /observe --------------------------------------------------------------------------------

  function listScreen() {
    var records = coach.app.data.observation.slice().sort(function (a, b) { return (b.observed_at || "").localeCompare(a.observed_at || ""); });
    var boot = coach.app.boot;
    if (!boot) return coach.needsBoot("Observations");
    // A district specialist scores only the lessons a coach invited them to co-observe.
    var invitedOnly = boot.starts_observations === false;
    var parts = [h("h1", { text: "Observations" }), h("p", { class: "lede", text: (invitedOnly ? "The lessons a coach invited you to co-observe. " : "") + "Saved on this tablet first, and sent whenever there is a network." })];
    if (!invitedOnly) parts.push(h("section", { class: "card", "aria-labelledby": "start-h" }, [
      h("h2", { id: "start-h", text: "Start an observation" }),
      boot.caseload.length ? h("ul", { class: "link-list" }, boot.caseload.map(function (t) {
        return h("li", {}, [h("a", { href: "/teachers/" + t.teacher_id + "/observations/new", text: "Observe " + t.name }), " ", h("span", { class: "meta", text: t.school })]);
      })) : h("p", { class: "meta", text: "No teachers in your caseload right now." }),
    ]));
    parts.push(h("section", { class: "card", "aria-labelledby": "list-h" }, [
      h("h2", { id: "list-h", text: "On this tablet" }),
      records.length ? h("ul", { class: "obs-list", "aria-label": "Observations on this tablet" }, records.map(function (r) {
        return h("li", {}, [
          h("a", { href: "/observe/" + r.id, text: coach.teacherName(r.teacher_id) + ", " + ui.shortDate(r.observed_at) }),
          status(r),
          h("span", { class: "meta", text: waitingFor(r.id).length ? "Waiting to send" : "Saved on the server" }),
        ]);
      })) : h("p", { class: "meta", text: "No observations on this tablet yet." }),
    ]));
    parts.push(h("section", { class: "card", "aria-labelledby": "calibration-h" }, [
      h("h2", { id: "calibration-h", text: "Calibration" }),
      h("p", {}, [h("a", { href: "/calibration", text: "Calibration lessons" }), ": rate a recorded lesson on your own and see how your levels compare with the district's master code (online)."]),
    ]));
    return parts;
  }

  // --- /observe/UUID: the lesson details -----------------------------------------------------

  function checkContext(name, value, boot) {
    if (name === "class_size") {
      if (value === "") return null;
      var n = Number(value);
      if (!/^[0-9]+$/.test(value) || n < 1 || n > 200) return "Class size must be a whole number from 1 to 200 (you typed “" + value + "”). The other details still save.";
    }
    if (name === "observed_at" && (!value || isNaN(new Date(value).getTime()))) return "Give the date and time of the lesson.";
    if (name === "grade" && boot.grades.indexOf(value) < 0) return "Choose a grade from the list.";
    if ((name === "lesson_goal" || name === "task_description") && value.length > 2000) {
      return CONTEXT_LABELS[name] + " can be at most 2,000 characters; this has " + value.length.toLocaleString("en") + ".";
    }
    if (name === "course_unit" && value.length > 200) return "Course or unit can be at most 200 characters.";
    return null;
  }

  function contextValue(name, value) {
    if (name === "class_size") return value === "" ? null : Number(value);
    if (name === "observed_at") return new Date(value).toISOString();
    return value;
  }

  function contextSection(id, view) {
    var boot = coach.app.boot;
    var box = h("details", { class: "card context", id: "context" }, [h("summary", { text: "Lesson details" })]);
    [["observed_at", "datetime-local"], ["grade", "select"], ["course_unit", "text"], ["lesson_goal", "textarea"],
      ["task_description", "textarea"], ["class_size", "number"]].forEach(function (f) {
      var name = f[0], kind = f[1], control;
      var saved = view[name];
      if (kind === "select") {
        control = h("select", { id: name }, boot.grades.map(function (g) { return h("option", { value: g, text: g }); }));
      } else if (kind === "textarea") {
        control = h("textarea", { id: name, rows: "2" });
      } else {
        control = h("input", { id: name, type: kind, autocomplete: "off", inputmode: kind === "number" ? "numeric" : null });
      }
      if (name === "observed_at" && saved) saved = ui.localInput(new Date(saved));
      var wrap = h("div", { class: "field", id: "field-" + name }, [h("label", { for: name, text: CONTEXT_LABELS[name] }), control, h("p", { class: "save-status", role: "status" })]);
      var check = function (value) { return checkContext(name, value, boot); };
      ui.restore(control, wrap, saved, check);
      var send = function (value) {
        if (ui.refuse(control, wrap, check(value))) return Promise.reject(new Error("refused"));
        var data = {};
        data[name] = contextValue(name, value);
        return coach.saveOne("observation", id, { op: "update_context", data: data }, wrap).then(function () { scoring.savedAt(wrap); });
      };
      if (name === "observed_at") {
        ui.warn(control, ui.farDate(control.value, "This lesson"));
        control.addEventListener("change", function () { ui.warn(control, ui.farDate(control.value, "This lesson")); });
      }
      if (kind === "select" || kind === "datetime-local") control.addEventListener("change", function () { send(control.value).catch(function () {}); });
      else ui.typed(control, send);
      box.appendChild(wrap);
    });
    return box;
  }

  // --- Finishing: finalize, share, the teacher's reflection, revisions -------------------------

  // Finalize: judge the record as it is stored now (not as it was drawn), name what is
  // missing, or finalize (which stops a running timer too).
  function finalize(id, view, box) {
    askedToFinalize[id] = true;
    return Cadence.store.record(coach.app.user, "observation", id).then(function (record) {
      var now = record && record.view ? record.view : view;
      if (scoring.missing(now).length) {
        return coach.draw().then(function () { var m = document.getElementById("missing"); if (m) m.scrollIntoView(); });
      }
      return coach.saveOne("observation", id, { op: "finalize" }, box);
    });
  }

  function shareButton(id, view, box) {
    var name = coach.teacherName(view.teacher_id);
    var share = h("button", { type: "button", class: "button primary", "aria-describedby": "share-what", text: "Share with " + name });
    share.addEventListener("click", function () { coach.saveOne("observation", id, { op: "share", audience: "teacher" }, box); });
    return share;
  }

  // A co-observed lesson: the second's scoring is never shared, the first's once reconciled.
  function shareWaits(view) {
    return !!view.pair && (view.pair.role === "second" || !view.pair.reconciled);
  }

  // Who else scores this lesson, blind: the invitation (first observer, before scoring is
  // compared) or the pair, with the agreement page (online: it needs both raters' levels).
  function pairSection(id, view) {
    var boot = coach.app.boot || {};
    var choices = boot.co_observers || [];
    var box = h("section", { class: "card pair", id: "pair", "aria-labelledby": "pair-h" });
    var pair = view.pair;
    if (pair) {
      var other = pair.with_name || (choices.find(function (c) { return c.id === pair.observer_id; }) || {}).name || "the other observer";
      var invited = waitingFor(id).some(function (r) { return r.payload.op === "invite_co_observer"; });
      box.append(h("h2", { id: "pair-h", text: pair.role === "second" ? "You are the second observer" : "Second observer: " + other }),
        h("p", { text: pair.role === "second"
          ? other + " observes this lesson too. Score it on your own: neither of you sees the other's levels until both of you have finalized."
          : other + " scores this lesson on their own tablet. Neither of you sees the other's levels until both of you have finalized." }),
        h("p", { class: "meta", text: invited ? "Invited on this tablet: " + other + " gets the lesson once this tablet is next online."
          : pair.reconciled ? "Reconciled: the first observation's levels are your consensus."
          : "Once both of you have finalized, your levels no longer change: compare them and record the consensus instead." }));
      if (!invited) box.appendChild(h("p", {}, [h("a", { class: "button secondary", href: "/observations/" + pair.first_id + "/agreement", text: "Agreement with " + other })]));
      return box;
    }
    if (!choices.length || view.shared_with_teacher_at) return null;
    var select = h("select", { id: "co-observer", name: "observer_id" }, [h("option", { value: "", text: "Choose a coach" })]
      .concat(choices.map(function (c) { return h("option", { value: String(c.id), text: c.name }); })));
    var button = h("button", { type: "submit", class: "button secondary", text: "Invite" });
    var form = h("form", { action: location.pathname, method: "post", novalidate: "" }, [
      ui.field("co-observer", "Coach", select), button,
    ]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!select.value) { ui.showErrors(form, { "co-observer": "Choose the coach to invite." }); return; }
      coach.saveOne("observation", id, { op: "invite_co_observer", co_observation_id: Cadence.store.uuid(), observer_id: Number(select.value) }, form);
    });
    box.append(h("h2", { id: "pair-h", text: "Invite a second observer" }),
      h("p", { text: "Another coach scores the same lesson on their own tablet, offline if need be. Neither of you sees the other's levels until both have finalized; then you see how far you agree and record a consensus, which is what counts for growth." }),
      form);
    return box;
  }

  function sharing(id) {
    return waitingFor(id).some(function (r) { return r.payload.op === "share"; });
  }

  // The sticky bar's next step: Finalize while a draft, then Share, then nothing.
  function nextStep(id, view) {
    var box = document.getElementById("finish") || undefined;
    if (view.status !== "final") {
      var button = h("button", { type: "button", class: "button primary bar-action", text: "Finalize" });
      button.addEventListener("click", function () { finalize(id, view, document.getElementById("finish") || box); });
      return button;
    }
    if (view.shared_with_teacher_at || sharing(id) || shareWaits(view)) return null;
    var share = shareButton(id, view, box);
    share.classList.add("bar-action");
    share.removeAttribute("aria-describedby");
    return share;
  }

  function finishSection(id, view) {
    var name = coach.teacherName(view.teacher_id);
    var box = h("section", { class: "card finish", id: "finish", "aria-labelledby": "finish-h" });
    if (view.status !== "final") {
      var button = h("button", { type: "button", class: "button primary", text: "Finalize observation" });
      box.append(h("h2", { id: "finish-h", text: "Finish" }),
        h("p", { text: "Finalizing checks that every required dimension is scored or marked not observed, and stops the lesson timer. You can still change things afterwards; every change is kept as a revision." }));
      var gaps = askedToFinalize[id] ? scoring.missing(view) : [];
      if (gaps.length) box.appendChild(ui.alertBox("missing", "Not finalized yet. Score these, or mark them not observed:", gaps));
      box.appendChild(button);
      button.addEventListener("click", function () { finalize(id, view, box); });
      return box;
    }
    box.append(h("h2", { id: "finish-h", text: "Final" }), h("p", { text: "Finalized " + ui.shortDate(view.finalized_at) + ". Changes you make now are kept as revisions." }));
    if (view.shared_with_teacher_at && !sharing(id)) {
      box.appendChild(h("p", { text: "Shared with " + name + " on " + ui.shortDate(view.shared_with_teacher_at) + "." +
        (view.shared_with_principal_at ? " " + name + " shared it with their principal on " + ui.shortDate(view.shared_with_principal_at) + "." : "") }));
    } else if (sharing(id)) {
      box.appendChild(h("p", { class: "meta", role: "status", text: "Shared on this tablet: " + name + " sees it as soon as this tablet is next online." }));
    } else if (shareWaits(view)) {
      box.appendChild(h("p", { text: view.pair.role === "second"
        ? "This is your scoring as the second observer: it is compared with the first observer's, never shared. " + name + " sees the reconciled observation."
        : "Two of you scored this lesson: reconcile your levels (on the agreement page, online) before you share it with " + name + "." }));
    } else {
      box.append(h("p", { id: "share-what", text: name + " will see the scores, evidence and notes, and can add a reflection. Nobody else sees it unless " + name + " shares it." }), shareButton(id, view, box));
    }
    return box;
  }

  function reflections(view) {
    if (!(view.reflections || []).length) return null;
    var name = coach.teacherName(view.teacher_id);
    return h("section", { class: "card", "aria-labelledby": "reflection-h" }, [h("h2", { id: "reflection-h", text: name + "’s reflection" })]
      .concat(view.reflections.map(function (r) { return h("p", { class: "prewrap", text: r.text }); })));
  }

  // A conflict's field ("score 3:goals:g1", "evidence 3:goals", "grade") in words.
  function fieldLabel(field) {
    var space = field.indexOf(" ");
    if (space < 0) return CONTEXT_LABELS[field] || (field === "status" ? "Status" : field === "timer" ? "Lesson timer" : field);
    var kind = field.slice(0, space);
    var parts = field.slice(space + 1).split(":");
    var r = coach.rubricOf(Number(parts[0]));
    var dim = r && r.content.dimensions.find(function (d) { return d.id === parts[1]; });
    var item = dim && parts[2] ? (dim.items || []).find(function (i) { return i.id === parts[2]; }) : null;
    var name = dim ? dim.name : parts[1];
    if (kind === "score") return "Score: " + name + (parts[2] ? ", item: " + (item ? item.text : parts[2]) : "");
    if (kind === "evidence") return "Evidence: " + name;
    if (kind === "tally") return "Tally: " + parts.slice(1).join(" / ");
    return field;
  }

  // A conflict's value in words: a score as its level ("3 – Consistent"), else as it is.
  function valueWords(field, value) {
    if (field.indexOf("score ") !== 0 || !value || typeof value !== "object" || value.not_observed) return review.showValue(value);
    var parts = field.slice(6).split(":");
    var r = coach.rubricOf(Number(parts[0]));
    var dim = r && r.content.dimensions.find(function (d) { return d.id === parts[1]; });
    var scale = dim && r.content.scales.find(function (x) { return x.id === dim.scale; });
    var level = scale && scale.levels.find(function (l) { return l.value === value.value; });
    return level ? level.value + " – " + level.label : review.showValue(value);
  }

  function revisions(view) {
    var rows = view.revisions || [];
    if (view.status !== "final") return null;
    return h("details", { class: "card revisions", id: "revisions" }, [
      h("summary", { text: "Changes since it was finalized (" + rows.length + ")" }),
      rows.length ? h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Changes since it was finalized" }, [h("table", {}, [
        h("thead", {}, [h("tr", {}, ["When", "Who", "What", "Before", "After"].map(function (t) { return h("th", { scope: "col", text: t }); }))]),
        h("tbody", {}, rows.map(function (r) {
          return h("tr", {}, [
            h("td", { text: ui.shortDate(r.at) }), h("td", { text: r.actor_name }), h("td", { text: r.what }),
            h("td", { class: "rev-value", text: r.before }), h("td", { class: "rev-value", text: r.after }),
          ]);
        })),
      ])]) : h("p", { class: "meta", text: "None yet. A change you make on this tablet is listed here once the server has it." }),
    ]);
  }

  // --- /observe/UUID ---------------------------------------------------------------------------

  function observationScreen(params) {
    var id = params.id;
    var view = coach.app.data.observation.find(function (o) { return o.id === id; });
    if (!view) return coach.notHere("Observation not on this tablet", ["/observe", "Observations"]);
    var name = coach.teacherName(view.teacher_id);
    var count = scoring.scoredCount(view);
    var waiting = waitingFor(id).length;
    var tools = h("div", { class: "observe-bar", id: "observe-bar" }, [
      h("p", { class: "scored", role: "status", text: count.done + " of " + count.total + " scored" }),
      h("p", { class: "bar-timer" }, [h("span", { class: "visually-hidden", text: "Lesson time " }), h("span", { class: "timer-clock", text: scoring.minutes(scoring.timerSeconds(view)) })]),
      h("nav", { class: "jump", "aria-label": "Jump to" }, [h("ul", {}, [
        h("li", {}, [h("a", { href: "#timer", text: "Timer and notes" })]),
      ].concat(scoring.jumpLinks(view), [h("li", {}, [h("a", { href: "#finish", text: view.status === "final" ? "Final" : "Finish" })])]))]),
      nextStep(id, view),
    ]);
    return [
      coach.crumbs((coach.app.boot && coach.app.boot.starts_observations === false ? [] : [["/teachers/" + view.teacher_id, name]]).concat([["/observe", "Observations"]])),
      h("h1", { text: "Observing " + name }),
      h("p", { class: "lede" }, [ui.shortDate(view.observed_at) + " · Grade " + view.grade + (view.course_unit ? " · " + view.course_unit : "") + " · ", status(view)]),
      h("p", { class: "meta", id: "obs-sync", text: waiting ? "Saved on this tablet; " + waiting + " change" + (waiting === 1 ? "" : "s") + " waiting to send." : view.synced ? "Saved on the server." : "Saved on this tablet." }),
      view.open_conflicts && view.open_conflicts.length ? review.conflictsSection({
        conflicts: view.open_conflicts, label: fieldLabel, value: valueWords, action: location.pathname,
        choose: function (payload, form) { return coach.saveOne("observation", id, payload, form); },
      }) : null,
      view.pair ? pairSection(id, view) : null,  // a co-observed lesson says so up front
      tools,
      contextSection(id, view),
      h("div", { class: "observe-tools" }, [scoring.timerSection(id, view), scoring.notesSection(id, view)]),
    ].concat(view.rubric_version_ids.map(function (rv) { return scoring.rubricSection(id, view, rv); }), [
      finishSection(id, view), view.pair ? null : pairSection(id, view), reflections(view), revisions(view),
    ]);
  }

  coach.route("/observe", listScreen);
  coach.route("/observe/:id", observationScreen);
})();
