// camshare service worker.
//
// A friendly offline page, and the build's files kept for the next visit. Pages and every
// file whose name may keep it across builds come from the network (a cached copy only
// when the network is unreachable), so nobody is ever pinned to a stale build; a build
// file named after its content (HASHED) never changes, so it is served from the cache.
// Bump VERSION whenever PRECACHE or this file's behaviour changes; activate drops old caches.
const VERSION = "v3";
const CACHE = `camshare-${VERSION}`;
const OFFLINE_URL = "/offline.html";
const PRECACHE = [
  OFFLINE_URL,
  "/manifest.webmanifest",
  "/icon-192.png",
  "/icon-512.png",
  "/icon-maskable-512.png",
  "/apple-touch-icon.png",
  "/favicon.ico",
];
// Backend routes carry live state, uploads (residents' photos) and health checks:
// caching them could replay stale or private data, so the worker stays out of their way.
const BYPASS = [
  "/_event", // socket.io: websocket and its long-polling fallback
  "/_upload",
  "/_health",
  "/_all_routes",
  "/ping",
  "/auth-codespace",
  "/api",
  "/healthz", // the probes (camshare/routes.py PROBES)
  "/readyz",
];
// The build's files named name-<8 characters of their content's hash> (Vite), the same
// rule as the server's immutable Cache-Control (camshare/security_headers.py HASHED_ASSET).
const HASHED = /^\/assets\/[^/]+-[A-Za-z0-9_-]{8}\.[a-z0-9]+$/;
// Hashed build files pile up across deploys; keep the cache bounded.
const MAX_ENTRIES = 80;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      // "reload" skips the HTTP cache so a new worker never precaches an old copy.
      .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" }))))
      // Nothing here can conflict with open pages (network-first), so take over at once.
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names.filter((n) => n.startsWith("camshare-") && n !== CACHE).map((n) => caches.delete(n)),
      );
      // No navigation preload: this worker is tiny, and one path for page requests keeps
      // the offline behaviour the same everywhere (v1 had enabled it).
      if (self.registration.navigationPreload) await self.registration.navigationPreload.disable();
      await self.clients.claim();
    })(),
  );
});

function bypassed(request, url) {
  return (
    request.method !== "GET" ||
    // DevTools quirk: fetch() rejects these, so let the browser deal with them.
    (request.cache === "only-if-cached" && request.mode !== "same-origin") ||
    url.origin !== self.location.origin || // map tiles, geocoders: their own caching rules
    BYPASS.some((p) => url.pathname === p || url.pathname.startsWith(`${p}/`))
  );
}

async function trim(cache) {
  const keys = await cache.keys(); // insertion order, oldest first
  const precached = new Set(PRECACHE.map((p) => new URL(p, self.location.origin).href));
  const extra = keys.filter((k) => !precached.has(k.url));
  const stale = extra.slice(0, Math.max(0, extra.length - MAX_ENTRIES));
  await Promise.all(stale.map((k) => cache.delete(k)));
}

async function networkFirst(event) {
  const request = event.request;
  try {
    const response = await fetch(request);
    const cacheable =
      response.status === 200 && // not 206: the Cache API refuses partial responses
      response.type === "basic" &&
      !/no-store/i.test(response.headers.get("Cache-Control") || "");
    if (cacheable) {
      const copy = response.clone();
      event.waitUntil(
        caches.open(CACHE).then((cache) => cache.put(request, copy).then(() => trim(cache))),
      );
    }
    return response;
  } catch (err) {
    const cached = await caches.match(request);
    if (cached) return cached;
    throw err;
  }
}

async function cacheFirst(event) {
  const cached = await caches.match(event.request);
  return cached || networkFirst(event);
}

async function navigate(event) {
  try {
    return await fetch(event.request);
  } catch {
    // Only HTML pages get the offline page; the app itself is never served from cache,
    // because without the /_event socket it could not save anything anyway.
    return (await caches.match(OFFLINE_URL)) || Response.error();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (bypassed(request, url)) return; // not calling respondWith = browser handles it normally
  if (request.mode === "navigate") event.respondWith(navigate(event));
  else event.respondWith(HASHED.test(url.pathname) ? cacheFirst(event) : networkFirst(event));
});
