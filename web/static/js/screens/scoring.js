// The pieces of the observation screen that score a lesson: the lesson timer, running notes
// tagged to dimensions, each rubric's dimensions (level buttons per dimension or per item, the
// mean of items, "not observed", descriptors, evidence) and its tallies (tap, undo). Each
// control saves one operation through the outbox (coach.save) the moment it is used.
(function () {
  "use strict";
  var Cadence = window.Cadence;
  var coach = Cadence.coach;
  var store = Cadence.store;
  var ui = Cadence.ui;
  var h = ui.h;
  var NOTE_MAX = 2000;
  var EVIDENCE_MAX = 10000;

  function scaleOf(content, dim) {
    return content.scales.find(function (s) { return s.id === dim.scale; });
  }

  function scoreOf(view, rv, dim, item) {
    return view.scores.find(function (s) {
      return s.rubric_version_id === rv && s.dimension_id === dim && (s.item_id || "") === (item || "");
    }) || null;
  }

  function isScored(score) { return !!score && (score.value !== null || score.not_observed); }

  // Every scoring unit (a dimension, or each item of an itemized one): [rv, dim, item, name].
  function units(view) {
    var out = [];
    view.rubric_version_ids.forEach(function (rv) {
      var r = coach.rubricOf(rv);
      if (!r) return;
      r.content.dimensions.forEach(function (dim) {
        var name = view.rubric_version_ids.length > 1 ? r.title + ": " + dim.name : dim.name;
        if (!dim.items || !dim.items.length) out.push({ rv: rv, dim: dim, item: null, name: name });
        else dim.items.forEach(function (item) { out.push({ rv: rv, dim: dim, item: item, name: name + ": " + item.text }); });
      });
    });
    return out;
  }

  // Required units not yet scored or marked not observed: the server's finalize rule.
  function missing(view) {
    var gaps = view.rubric_version_ids.filter(function (rv) { return !coach.rubricOf(rv); }).map(function (rv) {
      return "A rubric of this observation (" + rv + ") is not on this tablet yet: connect once to load it";
    });
    return gaps.concat(units(view).filter(function (u) {
      return u.dim.required !== false && !isScored(scoreOf(view, u.rv, u.dim.id, u.item ? u.item.id : ""));
    }).map(function (u) { return u.name; }));
  }

  function scoredCount(view) {
    var all = units(view);
    var done = all.filter(function (u) { return isScored(scoreOf(view, u.rv, u.dim.id, u.item ? u.item.id : "")); });
    return { done: done.length, total: all.length };
  }

  function itemMean(view, rv, dim) {
    var values = dim.items.map(function (item) { return scoreOf(view, rv, dim.id, item.id); })
      .filter(function (s) { return s && s.value !== null && !s.not_observed; }).map(function (s) { return s.value; });
    if (!values.length) return null;
    return Math.round(values.reduce(function (a, b) { return a + b; }, 0) / values.length * 100) / 100;
  }

  function savedAt(box) { ui.markSaved(box); }

  // --- The lesson timer ---------------------------------------------------------------------

  function timerSeconds(view, now) {
    var t = view.timer || { started_at: null, elapsed: 0 };
    var seconds = t.elapsed || 0;
    if (t.started_at) seconds += Math.max(0, Math.floor(((now || Date.now()) - new Date(t.started_at).getTime()) / 1000));
    return seconds;
  }

  function minutes(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  var ticking = null;
  function timerSection(id, view) {
    var running = !!(view.timer && view.timer.started_at);
    var clock = h("span", { class: "timer-clock", "aria-live": "off", text: minutes(timerSeconds(view)) });
    var label = running ? "Pause timer" : timerSeconds(view) ? "Resume timer" : "Start timer";
    var button = h("button", { type: "button", class: "button " + (running ? "secondary" : "primary"), text: label });
    var box = h("section", { class: "timer card", id: "timer", "aria-labelledby": "timer-h" }, [
      h("h2", { id: "timer-h", class: "visually-hidden", text: "Lesson timer" }),
      h("p", { class: "timer-readout" }, [h("span", { class: "timer-label", text: "Lesson time" }), " ", clock]),
      button,
      h("p", { class: "save-status", role: "status" }),
    ]);
    button.addEventListener("click", function () {
      var action = running ? "pause" : "start";
      coach.saveOne("observation", id, { op: "set_timer", action: action, at: new Date().toISOString() }, box);
    });
    clearInterval(ticking);
    // Every readout of the lesson time (here and in the sticky bar) ticks together.
    if (running) ticking = setInterval(function () {
      var shown = minutes(timerSeconds(view));
      document.querySelectorAll(".timer-clock").forEach(function (c) { c.textContent = shown; });
    }, 1000);
    return box;
  }

  // --- Running notes ------------------------------------------------------------------------

  function tagLabel(tag) {
    var parts = tag.split(":");
    var r = coach.rubricOf(Number(parts[0]));
    var dim = r && r.content.dimensions.find(function (d) { return d.id === parts[1]; });
    return dim ? dim.name : tag;
  }

  function notesSection(id, view) {
    var input = h("input", { id: "note-text", name: "text", type: "text", autocomplete: "off", "data-draft": "1" });
    var tags = h("fieldset", {}, [h("legend", { class: "visually-hidden", text: "Dimensions this note is about" })]);
    view.rubric_version_ids.forEach(function (rv) {
      var r = coach.rubricOf(rv);
      (r ? r.content.dimensions : []).forEach(function (dim) {
        var tagId = "tag-" + rv + "-" + dim.id.replace(/[^A-Za-z0-9_-]/g, "_");
        tags.appendChild(h("label", { class: "check" }, [h("input", { type: "checkbox", id: tagId, name: "tags", value: rv + ":" + dim.id, "data-draft": "1" }), dim.name]));
      });
    });
    var form = h("form", { class: "note-form", id: "note-form", method: "get", action: location.pathname, novalidate: true }, [
      h("div", { class: "field", id: "field-note-text" }, [
        h("label", { for: "note-text" }, ["Note ", h("span", { class: "meta", text: "(stamped with the time and lesson minute)" })]),
        h("div", { class: "note-row" }, [input, h("button", { type: "submit", class: "button primary", text: "Add note" })]),
      ]),
      h("details", { class: "note-tags", id: "note-tags" }, [h("summary", { text: "Tag dimensions" }), tags]),
      h("p", { class: "save-status", role: "status" }),
    ]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text) { ui.showErrors(form, { "note-text": "Write the note first." }); return; }
      if (text.length > NOTE_MAX) {
        ui.showErrors(form, { "note-text": "A note can be at most 2,000 characters; this one has " + text.length.toLocaleString("en") + ". Split it into two notes." });
        return;
      }
      var chosen = Array.prototype.filter.call(form.querySelectorAll("input[name=tags]"), function (c) { return c.checked; }).map(function (c) { return c.value; });
      var seconds = timerSeconds(view);
      var payload = { op: "add_note", note_id: store.uuid(), text: text, tags: chosen, written_at: new Date().toISOString() };
      if (seconds || (view.timer && view.timer.started_at)) payload.lesson_minute = Math.floor(seconds / 60);
      coach.saveOne("observation", id, payload, form).then(function () {
        // The screen may have been drawn again meanwhile: clear the form that is showing now.
        var shown = document.querySelector("form.note-form") || form;
        var box = shown.querySelector("#note-text");
        box.value = "";
        Array.prototype.forEach.call(document.querySelectorAll("#note-tags input[name=tags]"), function (c) { c.checked = false; });
        savedAt(shown);
        box.focus();
      });
    });
    var notes = view.notes.slice().sort(function (a, b) { return (b.written_at || "").localeCompare(a.written_at || ""); });
    var list = notes.length ? h("ol", { class: "note-list", "aria-label": "Notes, newest first" }, notes.map(function (n) {
      return h("li", {}, [
        h("span", { class: "note-when", text: ui.clock(n.written_at) + (n.lesson_minute !== null && n.lesson_minute !== undefined ? " · min " + n.lesson_minute : "") }),
        " ", h("span", { class: "note-text", text: n.text }),
      ].concat((n.tags || []).map(function (t) { return h("span", { class: "tag", text: tagLabel(t) }); })));
    })) : h("p", { class: "meta", text: "No notes yet." });
    return h("section", { class: "notes card", id: "notes", "aria-labelledby": "notes-h" }, [h("h2", { id: "notes-h", text: "Running notes" }), form, list]);
  }

  // --- Rubrics: levels, means, evidence, tallies ---------------------------------------------

  function levelButtons(id, view, rv, scale, dim, item) {
    var current = scoreOf(view, rv, dim.id, item ? item.id : "");
    var unit = "unit-" + rv + "-" + dim.id + (item ? "-" + item.id : "");
    var buttons = scale.levels.map(function (level) {
      var pressed = !!current && !current.not_observed && current.value === level.value;
      var described = !item && (dim.levels || []).some(function (l) { return l.value === level.value; });
      return h("button", {
        type: "button", class: "level", "aria-pressed": String(pressed), "data-value": String(level.value),
        "aria-describedby": described ? "desc-" + rv + "-" + dim.id + "-" + level.value : null,
      }, [h("span", { class: "level-value", text: String(level.value) }), h("span", { class: "visually-hidden", text: " – " }),
        // An item's buttons show the value only (the card gives the scale once); the name is read out.
        h("span", { class: item ? "level-label visually-hidden" : "level-label", text: level.label })]);
    });
    if (scale.not_observed) {
      buttons.push(h("button", { type: "button", class: "level level-no", "aria-pressed": String(!!current && current.not_observed), "data-value": "not_observed", text: "Not observed" }));
    }
    var box = h("div", { class: "levels", id: unit }, [
      h("fieldset", {}, [h("legend", { text: item ? item.text : "Level for " + dim.name }), h("div", { class: "level-buttons" }, buttons)]),
      h("p", { class: "save-status", role: "status" }),
    ]);
    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        var payload = { op: "set_score", rubric_version_id: rv, dimension_id: dim.id, item_id: item ? item.id : "" };
        if (button.dataset.value === "not_observed") payload.not_observed = true; else payload.value = Number(button.dataset.value);
        coach.saveOne("observation", id, payload, box).then(function () {
          buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
          savedAt(box);
        });
      });
    });
    return box;
  }

  function descriptors(rv, dim, scale) {
    if (!dim.description && !(dim.levels || []).length && !(dim.student_look_fors || []).length) return null;
    var label = function (v) { var l = scale.levels.find(function (x) { return x.value === v; }); return l ? l.label : ""; };
    return h("details", { class: "descriptors" }, [
      h("summary", { text: (dim.levels || []).length ? "What the levels look like" : "What to look for" }),
      dim.description ? h("p", { text: dim.description }) : null,
      (dim.levels || []).length ? h("dl", {}, dim.levels.reduce(function (out, lv) {
        return out.concat([
          h("dt", { text: lv.value + " – " + label(lv.value) }),
          h("dd", { id: "desc-" + rv + "-" + dim.id + "-" + lv.value }, [lv.descriptor,
            (lv.look_fors || []).length ? h("ul", { class: "look-fors" }, lv.look_fors.map(function (t) { return h("li", { text: t }); })) : null]),
        ]);
      }, [])) : null,
      (dim.student_look_fors || []).length ? h("p", { class: "meta", text: "What students do:" }) : null,
      (dim.student_look_fors || []).length ? h("ul", { class: "look-fors" }, dim.student_look_fors.map(function (t) { return h("li", { text: t }); })) : null,
    ]);
  }

  function evidenceBox(id, view, rv, dim) {
    var ev = view.evidence.find(function (e) { return e.rubric_version_id === rv && e.dimension_id === dim.id; });
    var boxId = "ev-" + rv + "-" + dim.id;
    var area = h("textarea", { id: boxId, rows: "2" });
    var wrap = h("div", { class: "evidence field", id: "field-" + boxId }, [
      h("label", { for: boxId }, ["Evidence", h("span", { class: "visually-hidden", text: " for " + dim.name })]),
      area, h("p", { class: "save-status", role: "status" }),
    ]);
    var check = function (value) {
      return value.length > EVIDENCE_MAX ? "Evidence can be at most 10,000 characters; this has " +
        value.length.toLocaleString("en") + ". It is kept here, not saved, until it is shorter." : null;
    };
    ui.restore(area, wrap, ev ? ev.text : "", check);
    ui.typed(area, function (value) {
      if (ui.refuse(area, wrap, check(value))) return Promise.reject(new Error("too long"));
      return coach.saveOne("observation", id, { op: "set_evidence", rubric_version_id: rv, dimension_id: dim.id, text: value }, wrap)
        .then(function () { savedAt(wrap); });
    });
    return wrap;
  }

  function dimensionCard(id, view, rv, content, dim) {
    var scale = scaleOf(content, dim);
    var card = h("article", { class: "dimension card", id: "dim-" + rv + "-" + dim.id, "aria-labelledby": "dim-h-" + rv + "-" + dim.id }, [
      h("h4", { id: "dim-h-" + rv + "-" + dim.id }, [dim.name, dim.required === false ? h("span", { class: "meta", text: " (optional)" }) : null]),
      descriptors(rv, dim, scale),
    ]);
    if (dim.items && dim.items.length) {
      var m = itemMean(view, rv, dim);
      var counted = dim.items.filter(function (item) { return isScored(scoreOf(view, rv, dim.id, item.id)); }).length;
      card.appendChild(h("p", { class: "scale-key", "aria-hidden": "true" }, scale.levels.map(function (l) {
        return h("span", {}, [h("strong", { text: String(l.value) }), " " + l.label]);
      })));
      card.appendChild(h("p", { class: "mean", id: "mean-" + rv + "-" + dim.id }, [
        "Mean of items: ", h("strong", { text: m === null ? "–" : String(m) }),
        h("span", { class: "meta", text: " (" + counted + " of " + dim.items.length + " items scored or not observed)" }),
      ]));
      dim.items.forEach(function (item) { card.appendChild(levelButtons(id, view, rv, scale, dim, item)); });
    } else {
      card.appendChild(levelButtons(id, view, rv, scale, dim, null));
    }
    card.appendChild(evidenceBox(id, view, rv, dim));
    return card;
  }

  function tallyCard(id, view, rv, tally) {
    var box = h("section", { class: "tally card", id: "tally-" + rv + "-" + tally.id, "aria-labelledby": "tally-h-" + rv + "-" + tally.id }, [
      h("h3", { id: "tally-h-" + rv + "-" + tally.id, text: tally.name }),
      tally.description ? h("p", { class: "meta", text: tally.description }) : null,
      tally.mode === "interval" ? h("p", { class: "meta", text: "Every " + tally.interval_seconds + " seconds, tap the one that fits most students." }) : null,
    ]);
    var list = h("ul", { class: "tally-list" }, tally.categories.map(function (cat) {
      var row = view.tallies.find(function (t) { return t.rubric_version_id === rv && t.tally_id === tally.id && t.category_id === cat.id; });
      var n = row ? row.count : 0;
      var tap = h("button", { type: "button", class: "tally-tap", title: cat.description || null }, [
        h("span", { class: "tally-label", text: cat.label }), " ", h("span", { class: "tally-count", text: String(n) }),
      ]);
      var undo = h("button", { type: "button", class: "tally-undo", disabled: n === 0 }, ["Undo", h("span", { class: "visually-hidden", text: " one " + cat.label })]);
      var send = function (delta) {
        return coach.saveOne("observation", id, { op: "set_tally", rubric_version_id: rv, tally_id: tally.id, category_id: cat.id, delta: delta }, box)
          .then(function () { savedAt(box); });
      };
      tap.addEventListener("click", function () { send(1); });
      undo.addEventListener("click", function () { send(-1); });
      return h("li", {}, [tap, undo]);
    }));
    box.appendChild(list);
    box.appendChild(h("p", { class: "save-status", role: "status" }));
    return box;
  }

  function rubricSection(id, view, rv) {
    var r = coach.rubricOf(rv);
    if (!r) return h("section", { class: "card" }, [h("p", { text: "A rubric of this observation is not on this tablet yet; connect once to load it." })]);
    var content = r.content;
    var section = h("section", { class: "rubric", id: "rubric-" + rv, "aria-labelledby": "rubric-h-" + rv }, [
      h("h2", { id: "rubric-h-" + rv }, [r.title, " ", h("span", { class: "meta", text: "version " + r.version })]),
    ]);
    content.groups.forEach(function (group) {
      var dims = content.dimensions.filter(function (d) { return d.group === group.id; });
      if (!dims.length) return;
      section.appendChild(h("h3", { class: "group-name", id: "group-" + rv + "-" + group.id, text: group.name }));
      dims.forEach(function (dim) { section.appendChild(dimensionCard(id, view, rv, content, dim)); });
    });
    (content.tallies || []).forEach(function (tally) { section.appendChild(tallyCard(id, view, rv, tally)); });
    return section;
  }

  // Jump links: each rubric and its groups, so a long scoring screen is one tap from anywhere.
  function jumpLinks(view) {
    var links = [];
    view.rubric_version_ids.forEach(function (rv) {
      var r = coach.rubricOf(rv);
      if (!r) return;
      links.push(h("li", {}, [h("a", { href: "#rubric-" + rv, text: r.title.split(" (")[0].split(",")[0] })]));
      r.content.groups.forEach(function (g) {
        if (r.content.dimensions.some(function (d) { return d.group === g.id; })) {
          links.push(h("li", { class: "jump-group" }, [h("a", { href: "#group-" + rv + "-" + g.id, text: g.name })]));
        }
      });
    });
    return links;
  }

  Cadence.scoring = {
    missing: missing, scoredCount: scoredCount, timerSection: timerSection, notesSection: notesSection,
    rubricSection: rubricSection, jumpLinks: jumpLinks, tagLabel: tagLabel, timerSeconds: timerSeconds,
    minutes: minutes, scoreOf: scoreOf, savedAt: savedAt,
  };
})();
