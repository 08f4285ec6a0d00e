// This script is injected after the page has loaded, so a "load" listener would never
// fire; register straight away. Failure only costs the offline page, never the app.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker
    .register("/sw.js", { scope: "/" })
    .catch((err) => console.warn("camshare: service worker not registered", err));
}
