// Pressing a button that waits on the server shows at once that it is on its way, and a
// lost connection is said within 2 seconds. Reflex's socket notices a dead network only
// after its ping timeout (about 25 s with the defaults), and a pressed button changes only
// when the server answers: on a street fair's weak network that looked like nothing.
//
// - A pressed submit button, or one marked data-waits, gets data-pending (a spinner and
//   the "Sending…" text, from CSS) until the page next changes, i.e. the server answered.
// - While something is pending and unanswered, or the browser says it went offline, /ping
//   is probed; no answer within 1.5 s means the connection is lost.
// - When the connection returns, Reflex sends what it had queued; an action still without
//   an answer a few seconds later was lost on the way, and the notice says it was not sent.
// The notice is the element #connection-notice (components/connection.py): its texts come
// in the page's language as data attributes.
(function () {
  if (window.__camshareConnection) return;
  window.__camshareConnection = true;

  const PROBE_AFTER_MS = 500;
  const PROBE_TIMEOUT_MS = 1500;
  const UNSENT_AFTER_MS = 6000;
  const STUCK_AFTER_MS = 20000;
  let lost = false;
  let unsent = false;
  let probing = false;
  let pendingSince = 0;
  let returnedAt = 0;

  // The texts come from the page's own notice (React's, filled by Reflex while its socket
  // reports errors); what this script says goes in an element of its own at the end of
  // the body, outside what React renders, so React never finds a node it did not make.
  const notice = () => document.getElementById("connection-notice");
  const pendingButtons = () => [...document.querySelectorAll("[data-pending]")];

  function live() {
    let el = document.getElementById("connection-live");
    if (!el) {
      el = document.createElement("div");
      el.id = "connection-live";
      el.className = "connection-lost";
      el.setAttribute("role", "status");
      document.body.appendChild(el);
    }
    return el;
  }

  function render() {
    const source = notice();
    if (!source) return;
    const socketDown = source.getAttribute("data-socket-down") === "true";
    // Reflex's notice speaks while its socket is down: one notice at a time.
    const kind = socketDown ? "" : lost ? "lost" : unsent ? "unsent" : "";
    const text = kind ? source.getAttribute(`data-${kind}-text`) || "" : "";
    const el = document.getElementById("connection-live");
    if (!el && !text) return;
    const target = el || live();
    if (target.textContent !== text) target.textContent = text;
    if (target.getAttribute("data-kind") !== kind) target.setAttribute("data-kind", kind);
  }

  function settle() {
    pendingButtons().forEach((b) => {
      b.removeAttribute("data-pending");
      b.removeAttribute("aria-busy");
      b.removeAttribute("aria-disabled");
    });
    pendingSince = 0;
  }

  function mark(button) {
    if (!button || button.disabled || button.hasAttribute("data-pending")) return;
    button.setAttribute("data-pending", "");
    button.setAttribute("aria-busy", "true");
    button.setAttribute("aria-disabled", "true");
    pendingSince = Date.now();
    if (unsent) {
      unsent = false;
      render();
    }
    setTimeout(watch, PROBE_AFTER_MS);
  }

  function probe() {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), PROBE_TIMEOUT_MS);
    return fetch("/ping", { cache: "no-store", signal: controller.signal })
      .then((r) => r.ok, () => false)
      .finally(() => clearTimeout(timer));
  }

  // While something waits or the connection is lost: probe once a second.
  async function watch() {
    if (probing || (!lost && !pendingSince)) return;
    probing = true;
    const up = await probe();
    probing = false;
    if (!up && !lost) {
      lost = true;
      render();
    } else if (up && lost) {
      lost = false;
      returnedAt = Date.now();
      render();
    }
    if (up && pendingSince && returnedAt && Date.now() - returnedAt > UNSENT_AFTER_MS) {
      // Back for a while, and still no answer: the press was lost with the connection.
      settle();
      returnedAt = 0;
      unsent = true;
      render();
    }
    if (up && pendingSince && Date.now() - pendingSince > STUCK_AFTER_MS) {
      // Connected all along, yet no answer: the press went out on a connection that died.
      settle();
      unsent = true;
      render();
    }
    if (lost || pendingSince) setTimeout(watch, up ? 1000 : 250);
  }

  document.addEventListener(
    "submit",
    (event) => mark(event.submitter || event.target.querySelector("[type=submit]")),
    true,
  );
  document.addEventListener(
    "click",
    (event) => {
      const button = event.target.closest && event.target.closest("button[data-waits]");
      if (!button) return;
      if (button.hasAttribute("data-pending")) {
        event.preventDefault(); // one press at a time
        event.stopPropagation();
        return;
      }
      mark(button);
    },
    true,
  );
  // A second press of a pending submit button sends nothing more.
  document.addEventListener(
    "click",
    (event) => {
      const button = event.target.closest && event.target.closest("[data-pending][type=submit]");
      if (button) {
        event.preventDefault();
        event.stopPropagation();
      }
    },
    true,
  );
  window.addEventListener("offline", () => {
    lost = true;
    render();
    watch();
  });
  window.addEventListener("online", () => watch());

  // A change React makes to the page after a press is the server's answer arriving; not
  // our own marks, the notice, or map tiles loading.
  const OWN = new Set(["data-pending", "aria-busy", "aria-disabled"]);
  function fromServer(record, el) {
    const node = record.target.nodeType === 1 ? record.target : record.target.parentElement;
    if (!node || node === el || node.closest("#connection-live")) return false;
    if (record.type === "attributes" && OWN.has(record.attributeName)) return false;
    return !node.closest(".pin-map");
  }

  // Any change React makes to the page after a press is the server's answer arriving.
  const start = () => {
    new MutationObserver((records) => {
      const el = notice();
      if (records.some((r) => r.target === el)) render(); // language or socket state
      if (pendingSince && records.some((r) => fromServer(r, el))) {
        settle();
        returnedAt = 0;
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  };
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
