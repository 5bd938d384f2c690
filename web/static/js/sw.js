// Cadence service worker, served at /sw.js (root scope). The server stamps VERSION with a hash
// of the static files, so every deploy that changes them is a new worker with new caches.
//
// - Static files: cache-first from a versioned precache (filled at install).
// - The coach's screens: one shell for all of them (coach.js draws each from the tablet's
//   store): the kept copy at once when there is one, refreshed in the background.
// - Other pages: network-first; a good answer is kept for offline use; with no network the
//   kept copy, else the offline page.
// - /api/ is never touched: the page's outbox (store.js, sync.js) owns every write and retry.
// - The worker never activates itself: the page asks (skip-waiting) when no sync is running.
"use strict";

const VERSION = "__CADENCE_VERSION__";
const PREFIX = "cadence-";
const STATIC_CACHE = PREFIX + "static-" + VERSION;
const PAGE_CACHE = PREFIX + "pages-" + VERSION;
const META_CACHE = PREFIX + "meta";
const PRECACHE = [
  "/offline",
  "/manifest.webmanifest",
  "/static/css/app.css",
  "/static/vendor/htmx.min.js",
  "/static/js/store.js",
  "/static/js/sync.js",
  "/static/js/app.js",
  "/static/js/ui.js",
  "/static/js/review.js",
  "/static/js/coach.js",
  "/static/js/screens/scoring.js",
  "/static/js/screens/observe.js",
  "/static/js/screens/teachers.js",
  "/static/js/screens/week.js",
  "/static/js/screens/review.js",
  "/static/icons/icon.svg",
  "/static/icons/icon-192.png",
  "/static/icons/icon-512.png",
  "/static/icons/icon-maskable-512.png",
  "/static/icons/apple-touch-icon.png",
];
// The coach's screens (server/pwa/routes.py COACH_SCREENS): the server sends one shell for
// all of them, so one kept copy serves every address and query string.
const COACH_SCREENS = [
  /^\/week$/, /^\/caseload$/, /^\/review$/, /^\/observe$/, /^\/observe\/[0-9a-f-]{36}$/,
  /^\/teachers\/[0-9]+$/, /^\/teachers\/[0-9]+\/observations\/new$/,
];
const COACH_SHELL = "/__cadence/coach-shell";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(STATIC_CACHE)
      // "no-cache": asked again with the validators the browser holds, so a file the page
      // has just loaded comes back as a bodyless 304, yet a changed file is never stale.
      .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "no-cache" })))),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const keep = new Set([STATIC_CACHE, PAGE_CACHE, META_CACHE]);
      const names = await caches.keys();
      await Promise.all(
        names.filter((n) => n.startsWith(PREFIX) && !keep.has(n)).map((n) => caches.delete(n)),
      );
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  const msg = event.data || {};
  const reply = (value) => event.ports[0] && event.ports[0].postMessage(value);
  if (msg.type === "skip-waiting") {
    self.skipWaiting();
  } else if (msg.type === "version") {
    reply({ version: VERSION });
  } else if (msg.type === "hello") {
    event.waitUntil(hello(msg.user, msg.home).then(() => reply({ ok: true })));
  } else if (msg.type === "warm") {
    event.waitUntil(warm(msg.urls || []).then((n) => reply({ cached: n })));
  } else if (msg.type === "forget") {
    event.waitUntil(forget().then(() => reply({ ok: true })));
  }
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname === "/sw.js") return;
  if (url.pathname.startsWith("/static/") || url.pathname === "/manifest.webmanifest") {
    event.respondWith(cacheFirst(request));
  } else if (request.mode === "navigate" && isCoachScreen(url)) {
    event.respondWith(coachShell(event, request, url));
  } else if (request.mode === "navigate") {
    event.respondWith(networkFirst(request, url));
  }
});

async function cacheFirst(request) {
  const hit = await caches.match(request, { ignoreSearch: true });
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && response.type === "basic") {
    const cache = await caches.open(STATIC_CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

function isCoachScreen(url) {
  return COACH_SCREENS.some((re) => re.test(url.pathname));
}

function pageKey(url) {
  return isCoachScreen(url) ? url.origin + COACH_SHELL : url.href;
}

// The kept shell at once (online or not: the screen is drawn from the tablet either way), and
// a fresh copy fetched behind it for next time. With no kept copy yet, the network.
async function coachShell(event, request, url) {
  const cache = await caches.open(PAGE_CACHE);
  const kept = await cache.match(pageKey(url), { ignoreVary: true });
  const fresh = fetch(request).then(async (response) => {
    if (keepable(response)) await cache.put(pageKey(url), response.clone());
    return response;
  });
  if (kept) {
    event.waitUntil(fresh.catch(() => null));
    return kept;
  }
  try {
    return await fresh;
  } catch (error) {
    const offline = await caches.match("/offline", { ignoreVary: true });
    return offline || new Response("You are offline.", { status: 503 });
  }
}

function keepable(response) {
  // Redirects (a login page instead of the page) and errors are never kept.
  return response.ok && response.type === "basic" && !response.redirected;
}

async function networkFirst(request, url) {
  try {
    const response = await fetch(request);
    if (keepable(response)) {
      const cache = await caches.open(PAGE_CACHE);
      await cache.put(pageKey(url), response.clone());
    }
    return response;
  } catch (error) {
    const cache = await caches.open(PAGE_CACHE);
    const kept = await cache.match(pageKey(url), { ignoreVary: true });
    if (kept) return kept;
    if (url.pathname === "/") {
      const home = await readMeta("home");
      if (home) return Response.redirect(home, 302);
    }
    const offline = await caches.match("/offline", { ignoreVary: true });
    return offline || new Response("You are offline.", { status: 503 });
  }
}

async function readMeta(name) {
  const cache = await caches.open(META_CACHE);
  const hit = await cache.match("/__cadence/" + name);
  return hit ? (await hit.json()).value : null;
}

async function writeMeta(name, value) {
  const cache = await caches.open(META_CACHE);
  await cache.put(
    "/__cadence/" + name,
    new Response(JSON.stringify({ value }), { headers: { "Content-Type": "application/json" } }),
  );
}

// Each page says who is signed in. Kept pages belong to one person: when someone else signs
// in on this tablet, the previous person's pages are dropped.
async function hello(user, home) {
  if (user === null || user === undefined) return;
  const previous = await readMeta("user");
  if (previous !== null && previous !== user) await caches.delete(PAGE_CACHE);
  await writeMeta("user", user);
  if (home) await writeMeta("home", home);
}

async function warm(urls) {
  const cache = await caches.open(PAGE_CACHE);
  let cached = 0;
  for (const path of urls) {
    try {
      const url = new URL(path, self.location.origin);
      const response = await fetch(url.href, { credentials: "same-origin" });
      if (keepable(response)) {
        await cache.put(pageKey(url), response);
        cached += 1;
      }
    } catch (error) {
      // Offline or refused: the page stays as it was; the next warm-up tries again.
    }
  }
  return cached;
}

async function forget() {
  await caches.delete(PAGE_CACHE);
  const cache = await caches.open(META_CACHE);
  await cache.delete("/__cadence/user");
  await cache.delete("/__cadence/home");
}
