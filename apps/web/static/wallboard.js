// The wallboard (WB-01). Plain modern JavaScript, no build step, no framework.
// Everything comes from the WebSocket at #wallboard[data-socket-url]: {"live": view} where view is
// kc_domain.supervision.wallboards.wallboard_view (counts only, colour levels computed by the
// server), or {"error": text} while the engine is away. The page rotates through the wallboard's
// layouts every rotate_s seconds, reconnects by itself (with backoff) and asks "sync" after that.
// Texts come from the JSON block #wallboard-i18n rendered by the template (English msgids, Czech).

import { $, h, liveSocket, numberText, percentText, timeFmt, translator } from "./live-common.js";

const root = $("wallboard");
const t = translator("wallboard-i18n");
const CONFIG = JSON.parse($("wallboard-config").textContent);
const SVG = "http://www.w3.org/2000/svg";
const GONE_RETRY_MS = 300_000; // a wallboard that is gone (404) is asked for again every 5 minutes
const STALE_MS = 15_000; // the engine publishes at least every 5 s: this long without news is offline

const percent = (value) => (value === null || value === undefined ? "–" : percentText(value, 0));

function mmss(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const mm = Math.floor(s / 60), ss = s % 60;
  return `${String(mm).padStart(2, "0")}:${String(ss).padStart(2, "0")}`;
}

function s(tag, attrs = {}, text = null) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  if (text !== null) el.textContent = String(text);
  return el;
}

const setText = (id, text) => {
  const el = $(id);
  if (el && el.textContent !== String(text)) el.textContent = String(text);
};
const setLevel = (id, level) => {
  const el = $(id);
  if (el) el.dataset.level = level || "ok";
};

// ------------------------------------------------------------------------------ the figures
let latest = null; // the last view
let receivedAt = 0; // performance.now() when it came
let settings = { ...CONFIG };

function waitLevel(seconds) {
  if (seconds >= settings.wait_alarm_s) return "alarm";
  return seconds >= settings.wait_warn_s ? "warn" : "ok";
}

function apply(view) {
  latest = view;
  receivedAt = performance.now();
  if (view.wallboard) {
    const changed = JSON.stringify(view.wallboard.layouts) !== JSON.stringify(settings.layouts)
      || view.wallboard.rotate_s !== settings.rotate_s;
    settings = { ...settings, ...view.wallboard };
    if (changed) startRotation();
  }
  const total = view.total;
  const today = total.today;
  setText("wb-waiting", numberText(total.waiting));
  setLevel("tile-waiting", total.levels.waiting);
  showLongest();
  setText("wb-answered", numberText(today.answered));
  setText("wb-lost", numberText(today.lost));
  setText("wb-free", numberText(total.free));
  setText("wb-busy", numberText(total.busy));
  setText("wb-callbacks", numberText(total.callbacks_waiting));
  const chats = "chats_answered" in today;
  $("tile-chats").hidden = !chats;
  $("tile-asa").hidden = chats; // the chats take the place of the average wait to answer
  setText("wb-asa", today.asa_s === null || today.asa_s === undefined ? "–" : mmss(today.asa_s));
  if (chats) setText("wb-chats", numberText(today.chats_answered));
  gauge(today.service_level, total.sl_target, total.levels.sl);
  for (const [state, count] of Object.entries(total.agents)) setText(`wb-agents-${state}`, numberText(count));
  queues(view.queues);
  chart(today.hours);
  setText("wb-updated", t("updated", { time: timeFmt.format(view.at ? new Date(view.at) : new Date()) }));
  root.dataset.updatedAt = String(Date.now());
  root.dataset.viewAt = view.at || "";
}

function showLongest() {
  if (!latest) return;
  const total = latest.total;
  // the longest wait goes on between two views (they come at least every 5 s)
  const seconds = total.waiting ? total.longest_wait_s + (performance.now() - receivedAt) / 1000 : 0;
  setText("wb-longest", mmss(seconds));
  setLevel("tile-longest", waitLevel(seconds));
}

function gauge(value, target, level) {
  setText("wb-sl", percent(value));
  setLevel("tile-sl", value === null || value === undefined ? "none" : level);
  const shown = Math.max(0, Math.min(100, (value ?? 0) * 100));
  $("wb-gauge-value").setAttribute("stroke-dasharray", `${shown} 100`);
  const marker = $("wb-gauge-target");
  if (target === null || target === undefined) {
    marker.setAttribute("visibility", "hidden");
    setText("wb-sl-target", "");
    return;
  }
  const angle = Math.PI * (1 - target);
  const [cx, cy] = [100, 105];
  const point = (r) => [cx + r * Math.cos(angle), cy - r * Math.sin(angle)];
  const [x1, y1] = point(70), [x2, y2] = point(100);
  Object.entries({ x1, y1, x2, y2 }).forEach(([k, v]) => marker.setAttribute(k, v.toFixed(1)));
  marker.setAttribute("visibility", "visible");
  setText("wb-sl-target", t("target", { target: percent(target) }));
}

function queues(list) {
  const box = $("wb-queue-list");
  if (!list.length) {
    box.replaceChildren(h("li", { class: "wb-empty" }, t("no_queues")));
    return;
  }
  const scale = Math.max(settings.waiting_alarm, ...list.map((q) => q.waiting), 1);
  box.replaceChildren(
    ...list.map((q) => {
      const bar = h("span", { class: "wb-bar-fill", "data-level": q.levels.waiting });
      bar.style.width = `${(100 * q.waiting) / scale}%`;
      return h(
        "li",
        { class: "wb-queue", "data-testid": `wb-queue-${q.queue_id}` },
        h("span", { class: "wb-queue-name" }, q.name),
        h("span", { class: "wb-queue-num", "data-level": q.levels.waiting, "data-testid": `wb-queue-waiting-${q.queue_id}` }, numberText(q.waiting)),
        h("span", { class: "wb-bar" }, bar),
        h("span", { class: "wb-queue-num", "data-level": q.waiting ? q.levels.longest : "ok" }, mmss(q.waiting ? q.longest_wait_s : 0)),
        h("span", { class: "wb-queue-num", "data-level": q.today.service_level === null ? "none" : q.levels.sl }, percent(q.today.service_level)),
        h("span", { class: "wb-queue-num wb-queue-agents" }, `${numberText(q.agents.ready)} / ${numberText(q.agents.busy + q.agents.ringing)}`),
      );
    }),
  );
}

function chart(hours) {
  const svg = $("wb-chart");
  const [W, H, left, bottom, top] = [1600, 620, 90, 70, 30];
  const byHour = new Map(hours.map((x) => [x.hour, x]));
  const first = Math.min(7, ...hours.map((x) => x.hour));
  const last = Math.max(18, ...hours.map((x) => x.hour));
  const peak = Math.max(1, ...hours.map((x) => Math.max(x.answered, x.lost)));
  const step = peak <= 5 ? 1 : 10 ** Math.floor(Math.log10(peak)) * (peak / 10 ** Math.floor(Math.log10(peak)) > 5 ? 2 : 1);
  const max = Math.ceil(peak / step) * step;
  const slots = last - first + 1;
  const slot = (W - left - 20) / slots;
  const y = (v) => H - bottom - ((H - bottom - top) * v) / max;
  const parts = [];
  for (let v = 0; v <= max; v += step) {
    parts.push(s("line", { class: "wb-grid", x1: left, x2: W - 10, y1: y(v), y2: y(v) }));
    parts.push(s("text", { class: "wb-axis", x: left - 14, y: y(v) + 12, "text-anchor": "end" }, numberText(v)));
  }
  for (let hour = first; hour <= last; hour += 1) {
    const x = left + (hour - first) * slot;
    const d = byHour.get(hour) || { answered: 0, lost: 0 };
    const w = slot * 0.36;
    parts.push(s("rect", { class: "wb-col-answered", x: x + slot * 0.12, y: y(d.answered), width: w, height: y(0) - y(d.answered) }));
    parts.push(s("rect", { class: "wb-col-lost", x: x + slot * 0.12 + w, y: y(d.lost), width: w, height: y(0) - y(d.lost) }));
    parts.push(s("text", { class: "wb-axis", x: x + slot / 2, y: H - bottom + 44, "text-anchor": "middle" }, hour));
  }
  svg.replaceChildren(...parts);
}

// ------------------------------------------------------------------------------ layouts
let layoutIndex = 0;
let rotateTimer = null;

function show(index) {
  const layouts = settings.layouts.length ? settings.layouts : ["overview"];
  layoutIndex = index % layouts.length;
  const name = layouts[layoutIndex];
  for (const section of document.querySelectorAll(".wb-layout")) section.hidden = section.dataset.layout !== name;
  root.dataset.layout = name;
  const label = document.querySelector('[data-testid="wb-layout"]');
  label.dataset.layout = name;
  label.textContent = t(`layout.${name}`);
  const dots = $("wb-dots");
  dots.replaceChildren(...(layouts.length > 1 ? layouts.map((l, i) => h("span", { class: i === layoutIndex ? "on" : "" })) : []));
}

function startRotation() {
  clearInterval(rotateTimer);
  rotateTimer = null;
  show(settings.layouts.indexOf(root.dataset.layout) >= 0 ? settings.layouts.indexOf(root.dataset.layout) : 0);
  if (settings.layouts.length > 1) rotateTimer = setInterval(() => show(layoutIndex + 1), settings.rotate_s * 1000);
}

// ------------------------------------------------------------------------------ the socket
function offline(yes, why = "") {
  $("wb-offline").hidden = !yes;
  $("wb-offline").title = why;
  root.dataset.connected = yes ? "false" : "true";
}

// several failed reconnects: is the wallboard gone (revoked token, deactivated)? then ask rarely;
// has the session of a signed-in screen ended (the page redirects)? then the sign-in page
function retryAfter(attempts, delay) {
  if (attempts < 4) return delay;
  return fetch(location.href, { method: "HEAD", cache: "no-store", redirect: "manual" }).then((response) => {
    if (response.type === "opaqueredirect" || response.status === 403) location.reload();
    return response.status === 404 ? GONE_RETRY_MS : delay;
  });
}

function onMessage(message) {
  if (message.live) {
    offline(false);
    apply(message.live);
  } else if (message.error) {
    offline(true, t("no_data"));
  }
}

setInterval(showLongest, 1000);

startRotation();
liveSocket(root.dataset.socketUrl, onMessage, (connected) => connected || offline(true), { staleMs: STALE_MS, retryAfter });
