// This tablet's local store (IndexedDB "cadence"): the records a person may see, and the outbox
// of writes not yet acknowledged by the server. A save writes the record and its outbox row
// in one transaction; a row leaves the outbox only when the server has answered for it.
//
// Stores: meta (device id, mutation counter, per-user cursor and bootstrap), records
// (key "<user>:<entity>:<id>"), outbox (key: mutation id), problems (refused writes).
// Every record and row carries the user id: nothing is shown or sent under another login.
(function () {
  "use strict";
  var Cadence = (window.Cadence = window.Cadence || {});
  var DB_NAME = "cadence";
  var SCHEMA = 1;
  var dbPromise = null;

  function open() {
    if (dbPromise) return dbPromise;
    dbPromise = new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB_NAME, SCHEMA);
      req.onupgradeneeded = function () {
        var db = req.result;
        db.createObjectStore("meta");
        var records = db.createObjectStore("records", { keyPath: "key" });
        records.createIndex("user", "user_id");
        var outbox = db.createObjectStore("outbox", { keyPath: "mutation_id" });
        outbox.createIndex("user", "user_id");
        var problems = db.createObjectStore("problems", { keyPath: "mutation_id" });
        problems.createIndex("user", "user_id");
      };
      req.onsuccess = function () {
        req.result.onversionchange = function () { req.result.close(); };
        resolve(req.result);
      };
      req.onerror = function () { reject(req.error); };
      req.onblocked = function () { reject(new Error("Close Cadence's other tabs, then reload.")); };
    });
    return dbPromise;
  }

  function done(req) {
    return new Promise(function (resolve, reject) {
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  // Run body(stores) in one transaction; resolves with body's result once it commits.
  function tx(names, mode, body) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(names, mode);
        var stores = {};
        names.forEach(function (n) { stores[n] = t.objectStore(n); });
        var result;
        t.oncomplete = function () { resolve(result); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error || new Error("The save was cancelled.")); };
        Promise.resolve()
          .then(function () { return body(stores, t); })
          .then(function (value) { result = value; })
          .catch(function (error) {
            try { t.abort(); } catch (ignored) { /* already finished */ }
            reject(error);
          });
      });
    });
  }

  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function recordKey(userId, entity, id) { return userId + ":" + entity + ":" + id; }

  function byUser(store, userId) {
    return done(store.index("user").getAll(IDBKeyRange.only(userId)));
  }

  // --- What an operation does to a record (the server's rules, for the local copy) --------

  function clone(value) { return value === undefined ? undefined : JSON.parse(JSON.stringify(value)); }

  function blank(data) {
    if (data && data.cycle_id !== undefined) return data;  // a check-in or a commitment
    if (data && data.goal !== undefined) return data;  // a cycle
    return Object.assign({
      teacher_id: null, observed_at: null, grade: "", course_unit: "", lesson_goal: "",
      task_description: "", class_size: null, status: "draft", finalized_at: null,
      rubric_version_ids: [], scores: [], evidence: [], notes: [], tallies: [],
      reflections: [], open_conflicts: [], revisions: [], timer: { started_at: null, elapsed: 0 },
      shared_with_teacher_at: null, shared_with_principal_at: null,
    }, data || {});
  }

  function upsert(list, match, row) {
    var i = list.findIndex(match);
    if (row === null) { if (i >= 0) list.splice(i, 1); return; }
    if (i >= 0) list[i] = Object.assign(list[i], row); else list.push(row);
  }

  function setScore(s, rv, dim, item, value, notObserved) {
    var same = function (x) { return x.rubric_version_id === rv && x.dimension_id === dim && (x.item_id || "") === item; };
    var row = value === null && !notObserved ? null :
      { rubric_version_id: rv, dimension_id: dim, item_id: item, value: value, not_observed: !!notObserved };
    upsert(s.scores, same, row);
  }

  function setEvidence(s, rv, dim, text) {
    upsert(s.evidence, function (x) { return x.rubric_version_id === rv && x.dimension_id === dim; },
      { rubric_version_id: rv, dimension_id: dim, text: text });
  }

  function setTallyCount(s, rv, tally, cat, count) {
    upsert(s.tallies, function (x) { return x.rubric_version_id === rv && x.tally_id === tally && x.category_id === cat; },
      { rubric_version_id: rv, tally_id: tally, category_id: cat, count: count });
  }

  function tallyCount(s, rv, tally, cat) {
    var row = s.tallies.find(function (x) { return x.rubric_version_id === rv && x.tally_id === tally && x.category_id === cat; });
    return row ? row.count : 0;
  }

  // A conflict's field name (docs/sync.md) applied with a chosen value.
  function applyField(s, field, value) {
    var space = field.indexOf(" ");
    if (space < 0) { s[field] = value; return; }
    var kind = field.slice(0, space);
    var parts = field.slice(space + 1).split(":");
    var rv = Number(parts[0]);
    if (kind === "score") {
      setScore(s, rv, parts[1], parts[2] || "", value ? value.value : null, value ? value.not_observed : false);
    } else if (kind === "evidence") {
      setEvidence(s, rv, parts[1], value || "");
    } else if (kind === "tally") {
      setTallyCount(s, rv, parts[1], parts[2], Number(value) || 0);
    }
  }

  function reduce(state, row) {
    var p = row.payload;
    var s = blank(clone(state));
    switch (p.op) {
      case "create_observation":
        if (state) return s;  // a repeat of the create changes nothing
        s = blank(Object.assign({}, clone(p.data), { observer_id: row.user_id }));
        break;
      case "update_context":
        Object.assign(s, clone(p.data));
        break;
      case "set_score":
        setScore(s, p.rubric_version_id, p.dimension_id, p.item_id || "", p.value === undefined ? null : p.value, p.not_observed);
        break;
      case "set_evidence":
        setEvidence(s, p.rubric_version_id, p.dimension_id, p.text);
        break;
      case "add_note":
        if (!s.notes.some(function (n) { return n.id === p.note_id; })) {
          s.notes.push({ id: p.note_id, text: p.text, tags: p.tags || [], written_at: p.written_at || row.created_at, lesson_minute: p.lesson_minute === undefined ? null : p.lesson_minute });
        }
        break;
      case "set_tally":
        setTallyCount(s, p.rubric_version_id, p.tally_id, p.category_id,
          p.count !== undefined && p.count !== null ? p.count : Math.max(0, tallyCount(s, p.rubric_version_id, p.tally_id, p.category_id) + (p.delta || 0)));
        break;
      case "set_timer":
        // As the server (observations/writes.set_timer): start, pause (elapsed grows), reset.
        var t = s.timer || { started_at: null, elapsed: 0 };
        var at = p.at || row.created_at;
        if (p.action === "start" && !t.started_at) t = { started_at: at, elapsed: t.elapsed || 0 };
        else if (p.action === "pause" && t.started_at) {
          t = { started_at: null, elapsed: (t.elapsed || 0) + Math.max(0, Math.floor((new Date(at) - new Date(t.started_at)) / 1000)) };
        } else if (p.action === "reset") t = { started_at: null, elapsed: 0 };
        s.timer = t;
        break;
      case "finalize":
        if (s.status !== "final" && s.timer && s.timer.started_at) {  // the timer stops with the lesson
          s.timer = { started_at: null, elapsed: (s.timer.elapsed || 0) + Math.max(0, Math.floor((new Date(row.created_at) - new Date(s.timer.started_at)) / 1000)) };
        }
        s.status = "final";
        s.finalized_at = s.finalized_at || row.created_at;
        break;
      case "share":
        if (p.audience === "teacher") s.shared_with_teacher_at = s.shared_with_teacher_at || row.created_at;
        break;
      case "invite_co_observer":
        // The server names the second observer on the next pull; until then the screen does.
        s.pair = s.pair || { role: "first", first_id: row.id, observer_id: p.observer_id, with_name: "", reconciled: false };
        break;
      // Coaching entities (cycle, check_in, commitment): a create gives the whole record, an
      // update the fields it changes.
      case "create_cycle":
      case "create_check_in":
      case "create_commitment":
        if (state) return s;
        s = Object.assign({ open_conflicts: [], reflections: [] }, clone(p.data), { created_at: row.created_at });
        break;
      case "update_cycle":
      case "update_check_in":
      case "update_commitment":
        Object.assign(s, clone(p.data));
        if (p.op === "update_commitment" && p.data.status === "done") s.completed_at = s.completed_at || row.created_at;
        break;
      case "share_summary":
        s.shared_with_principal_at = p.shared ? row.created_at : null;
        break;
      case "add_check_in_reflection":
        s.reflections = (s.reflections || []).filter(function (r) { return r.author_id !== row.user_id; });
        s.reflections.push({ author_id: row.user_id, text: p.text, updated_at: row.created_at });
        break;
      case "resolve_conflict":
        var conflict = s.open_conflicts.find(function (c) { return c.id === p.conflict_id; });
        s.open_conflicts = s.open_conflicts.filter(function (c) { return c.id !== p.conflict_id; });
        if (conflict && p.choice !== "server") {
          applyField(s, conflict.field, p.choice === "client" ? conflict.client_value : p.value);
        }
        break;
    }
    return s;
  }

  // Two unsent writes of the same field: the later one makes the earlier one pointless.
  function fieldKey(payload) {
    switch (payload.op) {
      case "set_score": return "score " + payload.rubric_version_id + ":" + payload.dimension_id + ":" + (payload.item_id || "");
      case "set_evidence": return "evidence " + payload.rubric_version_id + ":" + payload.dimension_id;
      case "update_context":
      case "update_cycle":
      case "update_check_in":
      case "update_commitment":
        var keys = Object.keys(payload.data || {});
        return keys.length === 1 ? "field " + keys[0] : null;
      default: return null;
    }
  }

  function viewOf(server, rows) {
    return rows.reduce(function (state, row) { return reduce(state, row); }, server);
  }

  function rowsFor(all, id) {
    return all.filter(function (r) { return r.id === id; }).sort(function (a, b) { return a.mutation_id - b.mutation_id; });
  }

  // --- Meta -------------------------------------------------------------------------------

  function getMeta(name) {
    return tx(["meta"], "readonly", function (s) { return done(s.meta.get(name)); });
  }

  function setMeta(name, value) {
    return tx(["meta"], "readwrite", function (s) { return done(s.meta.put(value, name)); });
  }

  function deviceId() {
    return tx(["meta"], "readwrite", function (s) {
      return done(s.meta.get("device_id")).then(function (id) {
        if (id) return id;
        id = "tablet-" + uuid();
        return done(s.meta.put(id, "device_id")).then(function () { return id; });
      });
    });
  }

  // --- Writes -----------------------------------------------------------------------------

  // Save one operation on one record: the outbox row and the record's new local view, in one
  // transaction. Resolves with the row.
  function save(userId, entity, id, payload) {
    return saveAll(userId, [{ entity: entity, id: id, payload: payload }]).then(function (rows) { return rows[0]; });
  }

  // Save several operations (e.g. a check-in and its commitments) all together or not at all.
  function saveAll(userId, items) {
    return tx(["meta", "records", "outbox"], "readwrite", function (s) {
      return Promise.all([
        done(s.meta.get("next_mutation_id")),
        done(s.meta.get("device_id")),
        byUser(s.outbox, userId),
        byUser(s.records, userId),
      ]).then(function (got) {
        var next = got[0] || 1;
        var device = got[1];
        if (!device) throw new Error("This tablet has no device id yet; reload the page.");
        var outbox = got[2];
        var records = {};
        got[3].forEach(function (r) { records[r.key] = r; });
        var rows = items.map(function (item) {
          var key = recordKey(userId, item.entity, item.id);
          var record = records[key] || { key: key, user_id: userId, entity: item.entity, id: item.id, version: null, server: null, view: null };
          var field = fieldKey(item.payload);
          var row = {
            mutation_id: next++, device_id: device, user_id: userId, entity: item.entity, id: item.id,
            base_version: record.version, payload: item.payload, field: field, schema: SCHEMA,
            created_at: new Date().toISOString(), sent_at: null,
          };
          if (field !== null) {
            // Not across a write that depends on it: a score changed after "finalize" (both
            // unsent, offline) keeps its first value ahead of the finalize, which needs it.
            var barrier = function (r) {
              return outbox.some(function (o) { return o.id === item.id && o.field === null && o.mutation_id > r.mutation_id; });
            };
            outbox = outbox.filter(function (r) {
              var superseded = r.id === item.id && r.field === field && !r.sent_at && !barrier(r);
              if (superseded) s.outbox.delete(r.mutation_id);
              return !superseded;
            });
          }
          outbox.push(row);
          s.outbox.put(row);
          record.view = reduce(record.view, row);
          record.touched_at = row.created_at;
          records[key] = record;
          s.records.put(record);
          return row;
        });
        s.meta.put(next, "next_mutation_id");
        return rows;
      });
    });
  }

  function pending(userId, limit) {
    return tx(["outbox"], "readonly", function (s) {
      return byUser(s.outbox, userId).then(function (rows) {
        rows.sort(function (a, b) { return a.mutation_id - b.mutation_id; });
        return limit ? rows.slice(0, limit) : rows;
      });
    });
  }

  function markSent(rows) {
    var at = new Date().toISOString();
    return tx(["outbox"], "readwrite", function (s) {
      return Promise.all(rows.map(function (row) {
        return done(s.outbox.get(row.mutation_id)).then(function (stored) {
          if (stored && !stored.sent_at) { stored.sent_at = at; s.outbox.put(stored); }
        });
      }));
    });
  }

  // The server answered for these rows: each leaves the outbox; an applied write becomes part
  // of the record's server copy; a refused one is kept in problems with its reason.
  function acknowledge(userId, rows, results) {
    var byId = {};
    rows.forEach(function (r) { byId[r.mutation_id] = r; });
    return tx(["records", "outbox", "problems"], "readwrite", function (s) {
      return Promise.all([done(s.records.index("user").getAll(IDBKeyRange.only(userId))), byUser(s.outbox, userId)])
        .then(function (got) {
          var records = {};
          got[0].forEach(function (r) { records[r.id] = r; });
          var left = got[1].filter(function (r) { return results.every(function (x) { return x.mutation_id !== r.mutation_id; }); });
          results.forEach(function (res) {
            var row = byId[res.mutation_id];
            if (!row) return;
            s.outbox.delete(row.mutation_id);
            var record = records[row.id];
            // A repeat whose first answer was lost: a stored reason means it was not applied.
            var refused = res.status === "rejected" || (res.status === "duplicate" && res.reason);
            if (refused) {
              s.problems.put({ mutation_id: row.mutation_id, user_id: userId, entity: row.entity, id: row.id, payload: row.payload, reason: res.reason, at: new Date().toISOString() });
            }
            if (!record) return;
            if (res.status === "applied" || (res.status === "duplicate" && !res.reason)) {
              if (res.version !== null && res.version !== undefined) {
                var first = row.base_version === null && row.payload.op === "create_observation";
                var clean = row.base_version !== null && res.version === row.base_version + 1;
                if (first || clean) {
                  // Nobody else wrote in between: later rows made on the same copy now stand on
                  // this version (else they would be a conflict with our own write).
                  left.forEach(function (r) {
                    if (r.id === row.id && r.base_version === row.base_version) { r.base_version = res.version; s.outbox.put(r); }
                  });
                  if (record.version === row.base_version) record.version = res.version;
                }
              }
              record.server = reduce(record.server, row);
            } else if (res.status === "conflict") {
              record.conflict_pending = true;  // the next pull brings both values
            }
            record.view = viewOf(record.server, rowsFor(left, row.id));
            if (!record.view) { s.records.delete(record.key); delete records[row.id]; } else { s.records.put(record); }
          });
        });
    });
  }

  // Changes pulled from the server: the server copy is replaced (when newer), and the local view
  // is that copy with this tablet's unsent writes on top. The cursor moves in the same transaction.
  function applyPull(userId, changes, cursor) {
    return tx(["meta", "records", "outbox"], "readwrite", function (s) {
      return byUser(s.outbox, userId).then(function (rows) {
        return Promise.all(changes.map(function (change) {
          var key = recordKey(userId, change.entity, change.id);
          return done(s.records.get(key)).then(function (record) {
            if (change.deleted) { if (record) s.records.delete(key); return; }
            record = record || { key: key, user_id: userId, entity: change.entity, id: change.id, version: null, server: null, view: null };
            if (record.version !== null && record.server && change.version < record.version) return;
            record.server = change.data;
            record.version = change.version;
            record.conflict_pending = false;
            record.view = viewOf(change.data, rowsFor(rows, change.id));
            s.records.put(record);
          });
        })).then(function () { s.meta.put(cursor, "cursor:" + userId); });
      });
    });
  }

  function records(userId) {
    return tx(["records"], "readonly", function (s) { return byUser(s.records, userId); });
  }

  function record(userId, entity, id) {
    return tx(["records"], "readonly", function (s) { return done(s.records.get(recordKey(userId, entity, id))); });
  }

  function problems(userId) {
    return tx(["problems"], "readonly", function (s) { return byUser(s.problems, userId); });
  }

  function dismissProblem(mutationId) {
    return tx(["problems"], "readwrite", function (s) { return done(s.problems.delete(mutationId)); });
  }

  // Counts for the sync status: this person's unsent rows, other people's, conflicts, problems.
  function summary(userId) {
    return tx(["outbox", "records", "problems"], "readonly", function (s) {
      var nobody = Promise.resolve([]);  // signed out: only other people's rows to count
      return Promise.all([
        done(s.outbox.getAll()),
        userId === null ? nobody : byUser(s.records, userId),
        userId === null ? nobody : byUser(s.problems, userId),
      ]).then(function (got) {
        var mine = got[0].filter(function (r) { return r.user_id === userId; });
        return {
          waiting: mine.length,
          others: got[0].length - mine.length,
          conflicts: got[1].filter(function (r) { return r.conflict_pending || (r.view && r.view.open_conflicts && r.view.open_conflicts.length); }).length,
          problems: got[2].length,
        };
      });
    });
  }

  // Sign-out: everything of this person's leaves the tablet (records, outbox, problems, cursor).
  function clearUser(userId) {
    return tx(["meta", "records", "outbox", "problems"], "readwrite", function (s) {
      return Promise.all(["records", "outbox", "problems"].map(function (name) {
        return done(s[name].index("user").getAllKeys(IDBKeyRange.only(userId))).then(function (keys) {
          keys.forEach(function (k) { s[name].delete(k); });
        });
      })).then(function () {
        s.meta.delete("cursor:" + userId);
        s.meta.delete("boot:" + userId);
        s.meta.delete("pulled:" + userId);
      });
    });
  }

  Cadence.store = {
    open: open, uuid: uuid, deviceId: deviceId, getMeta: getMeta, setMeta: setMeta,
    save: save, saveAll: saveAll, pending: pending, markSent: markSent, acknowledge: acknowledge,
    applyPull: applyPull, records: records, record: record, problems: problems,
    dismissProblem: dismissProblem, summary: summary, clearUser: clearUser, reduce: reduce,
  };
})();
