// What KC's live pages share (the agent desktop, the supervisor's view, the wallboard): texts from
// the page's JSON block, element building without HTML parsing, JSON calls with the CSRF token,
// durations, numbers in the page's language and Prague times, and a WebSocket that reconnects by
// itself. Plain ES module.

export const LANG = document.documentElement.lang || "cs";
export const ZONE = "Europe/Prague";
export const CSRF = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
export const $ = (id) => document.getElementById(id);

// the texts of the JSON block with id ``blockId`` (English msgids translated by the server)
export function translator(blockId) {
  const texts = JSON.parse(document.getElementById(blockId).textContent);
  return (key, params = {}) => (texts[key] ?? key).replace(/%\((\w+)\)s/g, (_, name) => String(params[name] ?? ""));
}

export const timeFmt = new Intl.DateTimeFormat(LANG, { timeZone: ZONE, hour: "2-digit", minute: "2-digit", second: "2-digit" });
const dateTimeFmt = new Intl.DateTimeFormat(LANG, {
  timeZone: ZONE, day: "numeric", month: "numeric", year: "numeric", hour: "2-digit", minute: "2-digit",
});
export const whenText = (iso) => (iso ? dateTimeFmt.format(new Date(iso)) : "");

// a queue closed by its opening hours, as agents and supervisors see it (null when open, or when its
// opening time has come by ``now``, server time): the page's texts "closed" and "closed_until" (with
// %(when)s), after ``lead``
export function closedBadge(queue, t, testid, lead = "", now = Date.now()) {
  if (queue.open !== false || (queue.opens_at && Date.parse(queue.opens_at) <= now)) return null;
  const text = queue.opens_at ? t("closed_until", { when: whenText(queue.opens_at) }) : t("closed");
  return h("span", { class: "closed", "data-testid": testid }, `${lead}${text}`);
}

export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  const two = (n) => String(n).padStart(2, "0");
  return hh ? `${hh}:${two(mm)}:${two(ss)}` : `${mm}:${two(ss)}`;
}

// Numbers in the page's language (<html lang>), as Babel writes them on the server: every figure a
// page shows goes through these two, never toFixed or a bare template string.
const numberFormats = new Map();
function numberFormat(style, digits) {
  const key = `${style}:${digits}`;
  if (!numberFormats.has(key)) {
    numberFormats.set(key, new Intl.NumberFormat(LANG, { style, minimumFractionDigits: digits, maximumFractionDigits: digits }));
  }
  return numberFormats.get(key);
}

// 1234.5 -> "1 234,5" in Czech, "1,234.5" in English (``digits`` decimals, default none)
export const numberText = (value, digits = 0) => numberFormat("decimal", digits).format(value);

// a share 0..1 -> "66,7 %" in Czech, "66.7%" in English (``digits`` decimals, default one)
export const percentText = (share, digits = 1) => numberFormat("percent", digits).format(share);

// h("li", {class: "x", dataset: {id: 1}, onclick: f}, "text", child) -> element; text is never parsed as HTML
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "dataset") Object.assign(el.dataset, value);
    else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else if (name === "text") el.textContent = value;
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// {ok, status, data}; status 0 when the server could not be reached
export async function api(method, url, body) {
  const options = { method, credentials: "same-origin", headers: { Accept: "application/json", "X-CSRFToken": CSRF } };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  try {
    const response = await fetch(url, options);
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    return { ok: response.ok, status: response.status, data };
  } catch {
    return { ok: false, status: 0, data: null };
  }
}

// the server's words for a refused request: the fields' messages, else its error, else ``fallback``
export function refusalText(result, offline, fallback) {
  if (result.status === 0) return offline;
  const data = result.data || {};
  if (Array.isArray(data.errors) && data.errors.length) return data.errors.map((e) => e.message).join(" ");
  return data.error || fallback;
}

// the close codes of a live socket whose session ended (4401) or whose permission went (4403);
// apps/web/live.py
export const SESSION_CLOSE_CODES = new Set([4401, 4403]);

// After a few failed reconnects: does the page itself still open for this user? A redirect (to the
// sign-in page) or a refusal reloads it, so that the user sees why; else ``delay``.
export function sessionGone(attempts, delay) {
  if (attempts < 3) return delay;
  return fetch(location.href, { method: "HEAD", cache: "no-store", redirect: "manual" }).then((response) => {
    if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) location.reload();
    return delay;
  });
}

// A WebSocket to ``path`` that reconnects with backoff; ``onMessage(parsed)`` for each message,
// ``onState(connected)`` when it goes or comes back. After a silent network death (no "close") the
// page asks with "sync" every 30 s and reconnects when nothing comes back within 10 s; with
// ``staleMs`` it also reconnects when no message came for that long (a feed that pushes at least
// every few seconds). ``retryAfter(attempts, delay)`` may return a promise of a longer wait (a
// wallboard that is gone). After a reconnect the page asks with "sync" at once.
// When the server ends the socket because the session ended or the permission went (the close codes
// of ``SESSION_CLOSE_CODES``), the page is loaded again: the server then shows the sign-in page or
// says why not. A handshake refused several times over makes the page ask whether it is still
// there for this user (``sessionGone``) before trying again.
export function liveSocket(path, onMessage, onState, { staleMs = 0, retryAfter = null } = {}) {
  let socket = null;
  let attempts = 0;
  let timer = null;
  let lastMessageAt = Date.now();
  let reconnected = false;
  const connect = () => {
    clearTimeout(timer);
    // the page's own host and scheme: url_for may give ws://<internal host>/..., and behind HTTPS
    // only wss: is allowed
    const url = new URL(new URL(path, location.href).pathname, location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(url);
    socket = ws;
    ws.addEventListener("open", () => {
      if (reconnected) ws.send("sync");
    });
    ws.addEventListener("message", (event) => {
      lastMessageAt = Date.now();
      attempts = 0;
      onState(true);
      let parsed = null;
      try {
        parsed = JSON.parse(event.data);
      } catch (error) {
        console.error("live: bad message", error);
        return;
      }
      onMessage(parsed);
    });
    ws.addEventListener("close", (event) => {
      if (socket !== ws) return;
      socket = null;
      reconnected = true;
      onState(false);
      if (SESSION_CLOSE_CODES.has(event.code)) {
        location.reload();
        return;
      }
      const delay = Math.min(10_000, 500 * 2 ** attempts) + Math.random() * 250;
      attempts += 1;
      Promise.resolve(retryAfter ? retryAfter(attempts, delay) : sessionGone(attempts, delay))
        .catch(() => delay)
        .then((wait) => {
          timer = setTimeout(connect, wait);
        });
    });
  };
  const sync = () => {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send("sync");
  };
  if (staleMs) {
    setInterval(() => {
      if (socket && socket.readyState === WebSocket.OPEN && Date.now() - lastMessageAt > staleMs) socket.close();
    }, 1000);
  }
  setInterval(() => {
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    const asked = Date.now();
    sync();
    setTimeout(() => {
      if (socket && lastMessageAt < asked) socket.close();
    }, 10_000);
  }, 30_000);
  window.addEventListener("offline", () => socket?.close());
  window.addEventListener("online", () => {
    if (!socket) connect();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") sync();
  });
  connect();
  return { sync, close: () => socket?.close() };
}
