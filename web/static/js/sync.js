// The sender: pushes this person's outbox to /api/sync/push and pulls their changes, one sender
// at a time (a Web Lock shared by every tab). Triggered on load, when the network returns, when
// the tab comes back into view, after each save and on a timer; never by Background Sync.
// Network errors and 5xx keep the rows for the next try; 401 keeps them until the same person
// signs in again. The status line in the top bar says where things stand.
(function () {
  "use strict";
  var Cadence = (window.Cadence = window.Cadence || {});
  var store = Cadence.store;
  var LOCK = "cadence-sync";
  var BATCH = 200;
  var TIMER_MS = 20000;
  var REQUEST_TIMEOUT_MS = 60000;
  var BOOT_EVERY_MS = 10 * 60 * 1000;
  var state = { sending: false, signin: false, error: null, storage: null, lastSync: null };
  var channel = "BroadcastChannel" in window ? new BroadcastChannel("cadence") : null;
  var localBusy = false;
  var failures = 0;

  function userId() {
    var raw = document.body && document.body.dataset.userId;
    return raw ? Number(raw) : null;
  }

  function api(method, path, body) {
    return fetch(path, {
      method: method,
      credentials: "same-origin",
      // Whose page this is: the server refuses (409) a page kept for someone else (below).
      headers: Object.assign({ "X-Cadence-Sync": "1", "X-Cadence-User": String(userId()) }, body ? { "Content-Type": "application/json" } : {}),
      body: body ? JSON.stringify(body) : undefined,
      // A request that never answers must not hold the sync lock forever.
      signal: window.AbortSignal && AbortSignal.timeout ? AbortSignal.timeout(REQUEST_TIMEOUT_MS) : undefined,
    });
  }

  // Why a request failed, as a short state: "signin", "offline", "stale" or "server".
  function failure(response) {
    if (!response) return "offline";
    if (response.status === 401) return "signin";
    if (response.status === 409 && response.headers.get("X-Cadence-Stale-Page")) return "stale";
    return "server";
  }

  // Tell the screens (this tab's and the others') to redraw, only when records changed.
  var changed = false;
  function announce() {
    if (changed) {
      changed = false;
      document.dispatchEvent(new CustomEvent("cadence:changed"));
      if (channel) channel.postMessage("changed");
    }
    return render();
  }

  function withLock(body) {
    if (navigator.locks && navigator.locks.request) {
      return navigator.locks.request(LOCK, { ifAvailable: true }, function (lock) {
        return lock ? body() : "busy";
      });
    }
    if (localBusy) return Promise.resolve("busy");
    localBusy = true;
    return Promise.resolve().then(body).finally(function () { localBusy = false; });
  }

  function pushAll(user, device) {
    return store.pending(user, BATCH).then(function (rows) {
      if (!rows.length) return "done";
      state.sending = true;
      render();
      var body = {
        device_id: device,
        mutations: rows.map(function (r) {
          return { mutation_id: r.mutation_id, entity: r.entity, id: r.id, base_version: r.base_version, payload: r.payload };
        }),
      };
      return store.markSent(rows)
        .then(function () { return api("POST", "/api/sync/push", body); })
        .then(function (response) {
          if (!response.ok) {
            var why = failure(response);
            if (response.status === 400) {
              return response.json().then(function (err) { state.error = "The server refused the batch: " + err.detail; return why; });
            }
            return why;
          }
          return response.json()
            .then(function (out) { changed = true; return store.acknowledge(user, rows, out.results); })
            .then(function () { return rows.length < BATCH ? "done" : pushAll(user, device); });
        }, function () { return "offline"; });
    });
  }

  function pullAll(user) {
    return store.getMeta("cursor:" + user).then(function (cursor) {
      return api("GET", "/api/sync/pull?cursor=" + (cursor || 0)).then(function (response) {
        if (!response.ok) return failure(response);
        return response.json().then(function (out) {
          if (out.changes.length) changed = true;
          return store.applyPull(user, out.changes, out.cursor).then(function () {
            // A long first pull: the screens fill in page by page, not all at the end.
            if (out.more) return announce().then(function () { return pullAll(user); });
            return store.getMeta("pulled:" + user).then(function (before) {
              if (before) return "done";
              changed = true;  // the screens drop their "still loading" line
              return store.setMeta("pulled:" + user, Date.now()).then(function () { return "done"; });
            });
          });
        });
      }, function () { return "offline"; });
    });
  }

  // Send this person's outbox, then pull. Resolves with "done", "busy", "offline", "signin",
  // "server" or "nobody".
  function syncNow() {
    var user = userId();
    if (user === null) return render().then(function () { return "nobody"; });
    // The browser knows it has no network: no request leaves the tablet (a try would only fail,
    // and the online event starts the next one).
    if (!navigator.onLine) return render().then(function () { return "offline"; });
    return withLock(function () {
      return store.deviceId()
        .then(function (device) { return pushAll(user, device); })
        .then(function (pushed) {
          if (pushed !== "done") return pushed;
          // The server has every change now: say so while the pull (a first one can be long)
          // goes on, rather than "Sending…" for what was already sent.
          state.sending = false;
          return render().then(function () { return pullAll(user); });
        })
        .then(function (outcome) {
          state.sending = false;
          // A shared tablet showed the page kept for the person before: nothing was sent or
          // taken under the new session; drop the kept pages and draw the page again.
          if (outcome === "stale") { Cadence.app.reloadFresh(); return outcome; }
          state.signin = outcome === "signin";
          if (outcome === "done") { state.error = null; state.lastSync = new Date(); }
          if (outcome === "server" && !state.error) state.error = "The server had a problem; trying again soon.";
          return announce().then(function () { return outcome; });
        }, function (error) {
          state.sending = false;
          state.error = "Sync stopped: " + error.message;
          return announce().then(function () { return "error"; });
        });
    }).then(function (outcome) {
      // Busy: someone else is sending; try again once they are done. Offline while the
      // browser says online (the network just came back, or the server is down): back off.
      if (outcome === "busy") retryIn(1000);
      else if ((outcome === "offline" || outcome === "server") && navigator.onLine) retryIn(Math.min(TIMER_MS, 1000 * Math.pow(2, failures++)));
      else if (outcome === "done") failures = 0;
      return outcome;
    });
  }

  var retryTimer = null;
  function retryIn(ms) {
    if (!navigator.onLine) return;  // the online event starts the next try
    clearTimeout(retryTimer);
    retryTimer = setTimeout(syncNow, ms);
  }

  // After a save: send at once (a burst of taps within a few milliseconds goes as one push),
  // so online a tap is on the server well under a second later.
  var soonTimer = null;
  function soon() {
    clearTimeout(soonTimer);
    soonTimer = setTimeout(syncNow, 20);
  }

  // What a tablet needs to work offline: the caseload, the rubrics and the person's home page.
  // Then the service worker keeps copies of the pages they will want without a network.
  function boot(force) {
    var user = userId();
    if (user === null || !navigator.onLine) return Promise.resolve(null);
    var stamp = "cadence-boot-" + user;
    var last = Number(localStorage.getItem(stamp) || 0);
    return store.getMeta("boot:" + user).then(function (kept) {
      if (kept && !force && Date.now() - last < BOOT_EVERY_MS) return kept;
      return api("GET", "/api/sync/bootstrap").then(function (response) {
        if (failure(response) === "stale") { Cadence.app.reloadFresh(); return kept; }
        if (!response.ok) return kept;
        return response.json().then(function (data) {
          return store.setMeta("boot:" + user, data).then(function () {
            localStorage.setItem(stamp, String(Date.now()));
            if (Cadence.app) Cadence.app.warm(warmList(data));
            document.dispatchEvent(new CustomEvent("cadence:booted"));
            return data;
          });
        });
      }, function () { return kept; });
    });
  }

  // The pages to keep for offline use. The coach's screens are one shell (any one of their
  // addresses keeps it for all); a teacher's growth page is server-drawn and kept per teacher.
  function warmList(data) {
    var urls = [data.home, "/rubrics", "/account"];
    if (data.caseload && data.caseload.length) urls.push("/week");
    // The calibration lessons, as last seen: their forms need a network, the list does not.
    if (data.starts_observations) urls.push("/calibration");
    (data.caseload || []).forEach(function (t) { urls.push("/teachers/" + t.teacher_id + "/growth"); });
    (data.rubrics || []).forEach(function (r) { urls.push("/rubrics/" + r.rubric_id + "/" + r.version); });
    return urls.filter(function (u, i) { return u && urls.indexOf(u) === i; });
  }

  // --- The status line --------------------------------------------------------------------

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  // Fields this person typed into and the screen refused (kept by ui.js until fixed).
  function refusedFields(user) {
    return Cadence.ui && Cadence.ui.refusedFields ? Cadence.ui.refusedFields(user) : [];
  }

  function describe(counts) {
    var user = userId();
    var line = { text: "", href: null, link: null, tone: "ok" };
    if (user === null) {
      if (counts.others) {
        line.text = plural(counts.others, "change") + " wait on this tablet until their author signs in";
        line.tone = "warn";
      }
      return line;
    }
    if (state.signin) {
      line.text = "Signed out: " + plural(counts.waiting, "change") + " waiting";
      line.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
      line.link = "Sign in to send them";
      line.tone = "warn";
    } else if (counts.conflicts) {
      line.text = "Conflict: needs you";
      line.href = "/review#conflicts";
      line.link = "Choose";
      line.tone = "warn";
    } else if (counts.problems) {
      line.text = plural(counts.problems, "change") + " refused";
      line.href = "/review#problems";
      line.link = "See why";
      line.tone = "warn";
    } else if (refusedFields(user).length) {
      var refused = refusedFields(user);
      line.text = plural(refused.length, "field") + " not saved: " + (refused.length === 1 ? "it needs" : "they need") + " fixing";
      line.href = refused[0].page + "#" + refused[0].id;
      line.link = "Show";
      line.tone = "warn";
    } else if (state.sending && counts.waiting && navigator.onLine) {
      // Offline, a save still tries at once (the browser may be wrong), but the line says
      // what is true: the changes are waiting, not on their way.
      line.text = "Sending " + plural(counts.waiting, "change") + "…";
    } else if (counts.waiting) {
      line.text = (navigator.onLine ? "" : "Offline: ") + plural(counts.waiting, "change") + " waiting";
      line.tone = "wait";
    } else if (document.body.dataset.coach === "1") {
      line.text = navigator.onLine ? "All changes saved" : "Offline: saved on this tablet";
    }  // else: a teacher, principal or admin writes on the server's pages; "saved" means nothing
    if (state.error && !state.signin && counts.waiting) line.text += ". " + state.error;
    if (counts.others) line.text += " · " + plural(counts.others, "change") + " by another person wait here";
    if (state.storage) line.text += " · " + state.storage;
    return line;
  }

  function render() {
    var box = document.getElementById("sync-status");
    if (!box) return Promise.resolve();
    return store.summary(userId()).then(function (counts) {
      var line = describe(counts);
      box.hidden = !line.text;
      box.dataset.tone = line.tone;
      box.dataset.waiting = String(counts.waiting);
      box.querySelector(".sync-text").textContent = line.text;
      box.title = line.text;  // whole, where the top bar cuts it short
      var action = box.querySelector(".sync-action");
      action.hidden = !line.href;
      if (line.href) { action.href = line.href; action.textContent = line.link; }
    }, function (error) {
      box.hidden = false;
      box.dataset.tone = "warn";
      box.querySelector(".sync-text").textContent = "This tablet's storage cannot be opened: " + error.message;
    });
  }

  function setStorageWarning(text) {
    state.storage = text;
    return render();
  }

  function start() {
    if (channel) channel.onmessage = function () { document.dispatchEvent(new CustomEvent("cadence:changed")); render(); };
    // Back online: tries made offline say nothing about the server, so the backoff starts
    // again (a failed first try is retried in a second, not after the 20 s timer).
    window.addEventListener("online", function () { failures = 0; boot(false); syncNow(); });
    window.addEventListener("offline", render);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") syncNow();
    });
    setInterval(syncNow, TIMER_MS);
    render();
    boot(false).finally(syncNow);
  }

  Cadence.sync = {
    userId: userId, syncNow: syncNow, soon: soon, boot: boot, render: render, api: api,
    state: state, setStorageWarning: setStorageWarning, lock: LOCK,
  };
  // Deferred scripts run before DOMContentLoaded: start once app.js and the screens are in.
  if (document.readyState === "complete") start();
  else document.addEventListener("DOMContentLoaded", start);
})();
