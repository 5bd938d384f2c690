// The installed app: registers the service worker and offers its updates (never in the middle
// of a sync), guards sign-out while writes wait on this tablet, asks for persistent storage and
// warns when the tablet's storage is nearly full.
(function () {
  "use strict";
  var Cadence = (window.Cadence = window.Cadence || {});
  var QUOTA_WARN = 0.9;
  var registration = null;
  var updating = false;

  function worker() {
    return navigator.serviceWorker && navigator.serviceWorker.controller;
  }

  function ask(target, message) {
    return new Promise(function (resolve) {
      if (!target) { resolve(null); return; }
      var ch = new MessageChannel();
      ch.port1.onmessage = function (e) { resolve(e.data); };
      target.postMessage(message, [ch.port2]);
      setTimeout(function () { resolve(null); }, 5000);
    });
  }

  // --- Service worker and the update prompt -----------------------------------------------

  function banner() { return document.getElementById("update-banner"); }

  function offerUpdate(waiting) {
    var box = banner();
    if (!box || !waiting) return;
    box.hidden = false;
    box.querySelector(".update-text").textContent = "A new version of Cadence is ready.";
    var button = box.querySelector("button");
    button.disabled = false;
    button.onclick = function () { applyUpdate(waiting); };
  }

  // Take the sync lock first: a sync in progress finishes, and none starts, before the new
  // worker takes over and the page reloads.
  function applyUpdate(waiting) {
    var box = banner();
    var button = box.querySelector("button");
    button.disabled = true;
    box.querySelector(".update-text").textContent = "Updating after the current sync finishes…";
    updating = true;
    var swap = function () {
      return new Promise(function (resolve) {
        navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true });
        waiting.postMessage({ type: "skip-waiting" });
      }).then(function () { location.reload(); });
    };
    if (navigator.locks && navigator.locks.request) navigator.locks.request(Cadence.sync.lock, swap);
    else swap();
  }

  function watch(reg) {
    registration = reg;
    if (reg.waiting && worker()) offerUpdate(reg.waiting);
    reg.addEventListener("updatefound", function () {
      var next = reg.installing;
      if (!next) return;
      next.addEventListener("statechange", function () {
        if (next.state === "installed" && worker()) offerUpdate(next);
      });
    });
  }

  function register() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function (reg) {
      watch(reg);
      hello();
      setInterval(function () { if (navigator.onLine) reg.update().catch(function () {}); }, 30 * 60 * 1000);
    }, function (error) {
      // Without a worker the app still works online; say why offline will not.
      console.warn("Cadence: offline use is not available:", error);
    });
    navigator.serviceWorker.addEventListener("controllerchange", function () {
      if (!updating) hello();
    });
  }

  function hello() {
    var body = document.body.dataset;
    if (!body.userId) return Promise.resolve();
    return navigator.serviceWorker.ready.then(function (reg) {
      return ask(reg.active, { type: "hello", user: Number(body.userId), home: body.home || null });
    });
  }

  function warm(urls) {
    if (!("serviceWorker" in navigator)) return Promise.resolve(null);
    return navigator.serviceWorker.ready.then(function (reg) { return ask(reg.active, { type: "warm", urls: urls }); });
  }

  function checkForUpdate() {
    return registration ? registration.update() : Promise.resolve();
  }

  // --- Sign-out -----------------------------------------------------------------------------

  // This page was drawn for someone who is no longer signed in (the worker kept their copy):
  // drop the kept pages so the reload comes from the server, for the person signed in now.
  var reloading = false;
  function reloadFresh() {
    if (reloading) return;
    reloading = true;
    var again = function () { location.reload(); };
    (worker() ? ask(worker(), { type: "forget" }) : Promise.resolve()).then(again, again);
  }

  function forgetEverything(user) {
    var jobs = [Cadence.store.clearUser(user)];
    if (worker()) jobs.push(ask(worker(), { type: "forget" }));
    localStorage.removeItem("cadence-boot-" + user);
    if (Cadence.ui) Cadence.ui.forgetRefused();
    return Promise.all(jobs);
  }

  function guardSignOut(form) {
    var dialog = document.getElementById("signout-dialog");
    form.addEventListener("submit", function (event) {
      if (form.dataset.confirmed === "1") return;
      event.preventDefault();
      var user = Cadence.sync.userId();
      if (!navigator.onLine) {
        showDialog(dialog, "You are offline. Signing out needs the network so that your session really ends. Everything you wrote stays on this tablet.", false);
        return;
      }
      Cadence.store.summary(user).then(function (counts) {
        if (counts.waiting) {
          showDialog(dialog, counts.waiting + (counts.waiting === 1 ? " change has" : " changes have") +
            " not reached the server yet. If you sign out now, " + (counts.waiting === 1 ? "it is" : "they are") +
            " deleted from this tablet and lost.", true);
          return;
        }
        return finishSignOut(form, user);
      });
    });
    dialog.querySelector("[data-send]").addEventListener("click", function () {
      hideDialog(dialog);
      Cadence.sync.syncNow();
    });
    dialog.querySelector("[data-discard]").addEventListener("click", function () {
      hideDialog(dialog);
      finishSignOut(form, Cadence.sync.userId());
    });
  }

  function finishSignOut(form, user) {
    return forgetEverything(user).then(function () {
      form.dataset.confirmed = "1";
      form.submit();
    }, function (error) {
      var dialog = document.getElementById("signout-dialog");
      showDialog(dialog, "This tablet's data could not be cleared (" + error.message + "). You are still signed in.", false);
    });
  }

  // Signing in (perhaps as someone else on a shared tablet): the kept pages go first, so the
  // page after sign-in comes from the server, never the copy kept for the person before.
  function guardSignIn(form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.cleared === "1" || !worker()) return;
      event.preventDefault();
      var go = function () { form.dataset.cleared = "1"; form.submit(); };
      ask(worker(), { type: "forget" }).then(go, go);
    });
  }

  function showDialog(dialog, text, canDiscard) {
    dialog.querySelector(".dialog-text").textContent = text;
    dialog.querySelector("[data-discard]").hidden = !canDiscard;
    dialog.querySelector("[data-send]").textContent = canDiscard ? "Stay signed in and send them" : "Stay signed in";
    dialog.hidden = false;
    dialog.querySelector("[data-send]").focus();
  }

  function hideDialog(dialog) { dialog.hidden = true; }

  // --- Storage ------------------------------------------------------------------------------

  function megabytes(n) { return Math.round(n / 1e6) + " MB"; }

  function checkStorage() {
    if (!navigator.storage) return Promise.resolve();
    var persist = navigator.storage.persisted
      ? navigator.storage.persisted().then(function (yes) { return yes || (navigator.storage.persist && navigator.storage.persist()); })
      : Promise.resolve(false);
    return persist.catch(function () { return false; }).then(function () {
      if (!navigator.storage.estimate) return;
      return navigator.storage.estimate().then(function (est) {
        if (est.quota && est.usage / est.quota >= QUOTA_WARN) {
          Cadence.sync.setStorageWarning("Storage almost full: " + megabytes(est.usage) + " of " + megabytes(est.quota) + " used");
        }
      });
    });
  }

  // A failed save is said out loud, never swallowed: a full tablet gets its own message.
  function saveError(error) {
    if (error && (error.name === "QuotaExceededError" || /quota/i.test(error.message || ""))) {
      return "Not saved: this tablet's storage is full. Connect to the network so waiting changes can be sent, or free up space.";
    }
    return "Not saved on this tablet: " + (error && error.message ? error.message : error);
  }

  Cadence.app = { reloadFresh: reloadFresh, warm: warm, checkForUpdate: checkForUpdate, saveError: saveError, forgetEverything: forgetEverything };

  // Print buttons: shown only with JavaScript on (the CSP allows no inline handlers).
  function printButtons() {
    document.querySelectorAll("button[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    printButtons();
    register();
    var form = document.querySelector("form.signout");
    if (form) guardSignOut(form);
    var signIn = document.querySelector("form[action='/login']");
    if (signIn) guardSignIn(signIn);
    if (document.body.dataset.userId) checkStorage();
  });
})();
