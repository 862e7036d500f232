/* Voces field app: the service worker. It keeps the app's page and files and serves them when
   there is no connection, after a reload or a browser restart too. It never answers for the API:
   the app's own requests go to the network as they are, and the app keeps its data itself. */
"use strict";

const VERSION = "{{ version }}";
const PREFIX = "voces-field-";
const CACHE = PREFIX + VERSION;
const SHELL = "{{ shell }}";
const MANIFEST = "{{ manifest }}";
const ASSETS = {{ assets|safe }};
const API = "{{ api }}";
// On a slow connection the kept page is shown after this long; the fresh one replaces it in
// the cache when it arrives.
const NETWORK_TIMEOUT_MS = 4000;

function isShell(response) {
  return (
    response.ok &&
    response.type === "basic" &&
    !response.redirected &&
    (response.headers.get("Content-Type") || "").startsWith("text/html")
  );
}

async function keepShell(cache) {
  try {
    // The page is the collector's (it is only served to a logged-in one): never a login
    // page or an error in its place.
    const response = await fetch(SHELL, {
      credentials: "same-origin",
      cache: "no-store",
      redirect: "manual",
    });
    if (isShell(response)) await cache.put(SHELL, response);
  } catch (error) {
    // No connection while installing: the page is kept the next time it loads.
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll([...ASSETS, MANIFEST].map((url) => new Request(url, { cache: "reload" })));
      await keepShell(cache);
      await self.skipWaiting();
    })()
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })()
  );
});

async function page(event) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(SHELL, { ignoreSearch: true, ignoreVary: true });
  const network = fetch(event.request).then((response) => {
    if (isShell(response)) {
      const copy = response.clone();
      event.waitUntil(cache.put(SHELL, copy));
    }
    return response;
  });
  if (!kept) return network;
  event.waitUntil(network.catch(() => null));
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(() => resolve(null), NETWORK_TIMEOUT_MS);
  });
  try {
    const response = await Promise.race([network, late]);
    // A server that is down or failing shows the kept page; a redirect (to log in again) and
    // the fresh page go through.
    if (response && response.status < 500) return response;
    return kept;
  } catch (error) {
    return kept;
  } finally {
    clearTimeout(timer);
  }
}

async function asset(request, path) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(path, { ignoreVary: true });
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok && response.type === "basic") {
    await cache.put(path, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith(API)) return;
  if (request.mode === "navigate" && url.pathname === SHELL) {
    event.respondWith(page(event));
  } else if (url.pathname === MANIFEST || ASSETS.includes(url.pathname)) {
    event.respondWith(asset(request, url.pathname));
  }
});
