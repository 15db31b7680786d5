// The agent desktop (issue 5). Plain modern JavaScript, no build step, no framework.
// State: /api/v1/desktop/state once at start, then only what the WebSocket /desktop/ws pushes:
// {"agent": view}, {"panel": [...]} (whole) or {"panel_update": [...]} (changed agents only).
// Texts come from the JSON block #desktop-i18n rendered by the template (English msgids, Czech).

import { $, api, closedBadge, duration, h, liveSocket, percentText, refusalText, timeFmt, translator, whenText } from "./live-common.js";

const root = document.getElementById("desktop");
const t = translator("desktop-i18n");
const refusal = (result) => refusalText(result, t("offline"), t("failed"));

const store = {
  get(key, fallback) {
    try {
      const raw = localStorage.getItem(key);
      return raw === null ? fallback : JSON.parse(raw);
    } catch {
      return fallback;
    }
  },
  set(key, value) {
    try {
      localStorage.setItem(key, JSON.stringify(value));
    } catch {
      /* storage full or disabled: the server copy still counts */
    }
  },
  remove(key) {
    try {
      localStorage.removeItem(key);
    } catch {
      /* ignore */
    }
  },
};

const statusBox = $("desk-status");
let statusTimer = null;
function say(text, kind = "info") {
  statusBox.textContent = text;
  statusBox.dataset.kind = kind;
  clearTimeout(statusTimer);
  if (kind !== "error") statusTimer = setTimeout(() => (statusBox.textContent = ""), 6000);
}

async function command(name, body = {}) {
  const sent = Date.now();
  const result = await api("POST", root.dataset.commandUrl + name, body);
  if (!result.ok) say(refusal(result), "error");
  // some changes (an extended wrap-up) push nothing by themselves: ask for the state if none came
  else setTimeout(() => S.received < sent && resync(), 400);
  return result;
}

// ---------------------------------------------------------------------------------- state
const S = {
  agent: null,
  panel: [],
  devices: new Map(), // line or extension number -> its state at the PBX
  pauseCodes: [],
  pauseNames: {}, // code -> its name: administered ones, retired ones and KC's own (LOGIN, RONA)
  categories: [],
  lines: [],
  lineGroups: [],
  skew: 0, // the server's clock minus this PC's, measured at each full sync: timers run on server time
  received: Date.now(), // when the agent view arrived (a ringing call's wait keeps counting from it)
  callId: "",
  noteCallId: "",
  contactId: "", // the contact (call) the client panel, the note and the category belong to
  clientId: null,
  clientName: "", // the client matched to the call's number or picked for it
  savedCategory: "", // the call's category as the server has it
  favourites: new Set(store.get("kc.desk.favourites", [])),
};

function applyMessage(message) {
  if (message.error) {
    say(message.error, "error");
    return;
  }
  if (message.server_time) S.skew = Date.parse(message.server_time) - Date.now();
  if (message.agent) {
    const before = S.agent;
    S.agent = message.agent;
    S.received = Date.now();
    renderAgent(before);
  }
  if (message.panel) {
    S.panel = message.panel.filter((p) => !p.device);
    S.devices = new Map(message.panel.filter((p) => p.device).map((p) => [p.device, p.state]));
    renderPanel();
  }
  if (message.panel_update) {
    // only the agents and lines whose state changed: merged by agent id or device number
    const byId = new Map(S.panel.map((p) => [p.agent_id, p]));
    for (const entry of message.panel_update) {
      if (entry.device) S.devices.set(entry.device, entry.state);
      else byId.set(entry.agent_id, { ...byId.get(entry.agent_id), ...entry });
    }
    S.panel = [...byId.values()];
    renderPanel();
  }
}

// ---------------------------------------------------------------------------------- the socket
let live = null; // the reconnecting WebSocket (live-common.js)

function showBanner(show) {
  $("conn-banner").hidden = !show;
  root.dataset.connected = show ? "false" : "true";
}

function connect() {
  live = liveSocket(root.dataset.socketUrl, applyMessage, (connected) => showBanner(!connected));
}

function resync() {
  live?.sync();
}

// ---------------------------------------------------------------------------------- (1) my state
const pauseSelect = $("pause-code");

function renderAgent(before) {
  const a = S.agent;
  const badge = $("agent-state");
  badge.textContent = t(`state.${a.state}`);
  badge.dataset.state = a.state;
  root.dataset.state = a.state;
  const code = a.state === "paused" ? a.pause_code : "";
  $("pause-name").textContent = pauseName(code);
  // the one pause KC sets by itself says why (an agent's own pause is hers and needs no reason)
  const unreachable = a.refusal?.command === "ring_agent";
  $("pause-why").hidden = code !== "RONA";
  $("pause-why").textContent = code === "RONA" ? t(unreachable ? "pause.refused_why" : "pause.RONA_why") : "";
  // the telephone exchange refused what KC asked for her call: said once, in words, when it is new
  if (a.refusal && a.refusal.at !== before?.refusal?.at) say(exchangeRefused(a.refusal), "error");
  const loggedOut = a.state === "logged_out";
  $("btn-log-in").disabled = !loggedOut;
  $("btn-log-out").disabled = loggedOut;
  $("btn-ready").disabled = !["paused", "wrap_up"].includes(a.state);
  $("btn-pause").disabled = loggedOut || a.state === "ringing";
  const device = $("device");
  if ((a.device || "") !== (before?.device ?? null)) device.value = a.device || ""; // only what changed
  // the wrap-up is over: the note is sealed as its first version (before a next call takes the panel)
  if (before && before.state === "wrap_up" && a.state !== "wrap_up") saveNote(true, noteBox.value.trim() !== "");
  renderQueues();
  renderCall(before);
  // a campaign's dialler put a callee through to her: the contact's card, script and outcomes (OUT-13)
  if (a.call?.campaign_id && a.call.call_id !== before?.call?.call_id) loadCampaign();
  tick();
  if (before && before.state !== a.state && a.state === "wrap_up") refreshLists();
  // a call that rang here went away unanswered: look once the journal has it (it lags a moment)
  else if (before?.call && !a.call) setTimeout(refreshMissed, JOURNAL_LAG_MS);
}

// what the telephone exchange refused (docs/asterisk.md), with its own words for why
function exchangeRefused(refused) {
  const key = `refused.${refused.command}`;
  const text = t(key, { reason: refused.reason });
  return text === key ? t("refused.other", { reason: refused.reason }) : text;
}

// the pause code's name as administered, KC's own codes in words (apps/web/messages.py)
const pauseName = (code) => (code ? S.pauseNames[code] || code : "");

function renderQueues() {
  const list = $("my-queues");
  const queues = S.agent.queues || [];
  if (!queues.length) {
    list.replaceChildren(h("li", { class: "empty" }, t("no_queues")));
    return;
  }
  const focused = document.activeElement?.dataset?.queueId;
  list.replaceChildren(
    ...queues.map((q) => {
      const noteId = `queue-note-${q.queue_id}`;
      const toggle = h(
        "button",
        {
          type: "button",
          class: `queue-toggle${q.signed_in ? " on" : ""}`,
          "aria-pressed": q.signed_in ? "true" : "false",
          "aria-label": `${q.name}: ${q.signed_in ? t("sign_out") : t("sign_in")}`,
          "aria-describedby": q.locked ? noteId : null,
          disabled: q.locked,
          dataset: { queueId: String(q.queue_id), testid: `queue-toggle-${q.queue_id}` },
          onclick: () => command(q.signed_in ? "sign_out" : "sign_in", { queue_id: q.queue_id }),
        },
        q.signed_in ? t("signed_in") : t("signed_out"),
      );
      toggle.setAttribute("data-testid", `queue-toggle-${q.queue_id}`);
      return h(
        "li",
        { class: `queue${q.signed_in ? " signed" : ""}${q.waiting ? " has-waiting" : ""}`, "data-testid": `queue-${q.queue_id}` },
        h("span", { class: "queue-name" }, q.name),
        closedBadge(q, t, `queue-closed-${q.queue_id}`, "", Date.now() + S.skew),
        h("span", { class: "waiting", "data-testid": `queue-waiting-${q.queue_id}`, title: t("waiting") }, `${q.waiting} ${t("waiting")}`),
        toggle,
        q.locked ? h("span", { class: "locked-note", id: noteId }, t("locked")) : null,
      );
    }),
  );
  if (focused) list.querySelector(`[data-queue-id="${focused}"]`)?.focus();
  // the agent's view is pushed when something of hers changes, not when a queue opens: draw again then
  clearTimeout(S.opensTimer);
  const now = Date.now() + S.skew;
  const opens = queues.filter((q) => q.open === false && q.opens_at).map((q) => Date.parse(q.opens_at) - now);
  const next = Math.min(...opens.filter((ms) => ms > 0));
  if (Number.isFinite(next)) S.opensTimer = setTimeout(renderQueues, next + 1000);
}

// IN-28: ring a mobile phone instead of the desk phone
$("device-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const device = $("device").value.replace(/\s+/g, "");
  const result = await command("device", { device });
  if (result.ok) say(t("device_set", { device: device || t("desk_phone") }));
});

$("btn-log-in").addEventListener("click", () => command("log_in"));
$("btn-log-out").addEventListener("click", () => command("log_out"));
$("btn-ready").addEventListener("click", () => command("ready"));
$("btn-pause").addEventListener("click", () => command("pause", { code: pauseSelect.value }));

// ---------------------------------------------------------------------------------- (2) the call
function callStateText(call) {
  if (call.stage === "ringing") return call.direction === "outbound" ? t("call.ringing_out") : t("call.ringing");
  if (call.conference) return t("call.conference", { party: consultedParty(call) });
  if (call.consulting) return t("call.consulting", { party: consultedParty(call) });
  if (call.held) return t("call.held");
  if (call.direction === "outbound" && !call.connected && call.stage !== "answered") return t("call.dialling");
  return t("call.talking");
}

function renderCall(before) {
  const a = S.agent;
  const call = a.call;
  const mine = call && call.agent_id === a.agent_id;
  const callId = call?.call_id || "";
  const contactId = callId || a.last_call_id || "";
  if (contactId !== S.contactId) startContact(contactId, call);
  else renderNoteMode();
  $("call-empty").hidden = Boolean(call);
  $("call-info").hidden = !call;
  if (call) {
    const stateEl = $("call-state");
    stateEl.textContent = callStateText(call);
    stateEl.dataset.stage = call.held ? "held" : call.stage;
    renderParties(call);
    $("call-queue").textContent = call.queue || t("none");
    $("call-ivr").textContent = call.ivr_path?.length ? call.ivr_path.join(" › ") : t("none");
    const tags = Object.entries(call.tags || {});
    $("call-tags").textContent = tags.length ? tags.map(([k, v]) => `${k}: ${v}`).join(", ") : t("none");
    $("call-recording-off").hidden = call.recording !== false;
    // RT-07: a supervisor coaching (whisper) or in the call (barge); silent listening is not shown
    const modes = Object.values(call.monitors || {});
    const coach = $("coach-banner");
    coach.hidden = !modes.length;
    coach.textContent = modes.includes("barge") ? t("coach.barge") : modes.length ? t("coach.whisper") : "";
    coach.dataset.mode = modes.includes("barge") ? "barge" : modes[0] || "";
    const ringing = call.stage === "ringing";
    const talking = call.stage === "answered";
    $("btn-answer").disabled = !ringing || !mine;
    $("btn-hang-up").disabled = !mine || !(talking || call.direction === "outbound");
    const hold = $("btn-hold");
    hold.disabled = !talking || !mine;
    hold.textContent = call.held ? t("retrieve") : t("hold");
    hold.setAttribute("aria-pressed", call.held ? "true" : "false");
    const consulting = Boolean(call.consulting) && !call.conference;
    $("btn-end-consult").disabled = !consulting || !mine;
    $("btn-complete").disabled = !consulting || !mine;
    $("btn-conference").disabled = !consulting || !mine;
    $("btn-consult").disabled = !talking || !mine || Boolean(call.consulting);
    $("btn-transfer").disabled = !talking || !mine || Boolean(call.consulting);
    const noRecord = $("no-record");
    noRecord.checked = call.recording === false;
    noRecord.disabled = !talking || !mine;
  }
  $("wrapup").hidden = a.state !== "wrap_up";
  if (callId !== S.callId) {
    S.callId = callId;
    if (call?.caller) identify(call.caller, call.direction); // the caller, or whom she calls
  }
  renderPanel();
}

// the direction first, both ways: whom the call is with and the client matched to the number; for
// an outbound call also the agent's own phone, which KC rings first and she must pick up
function renderParties(call) {
  const outbound = call.direction === "outbound";
  const number = call.caller || t("none");
  const heading = t(outbound ? "call.to" : "call.from", { number });
  $("call-direction").textContent = [heading, S.clientName].filter(Boolean).join(" · ");
  $("call-caller-label").textContent = outbound ? t("call.called") : t("call.caller");
  $("call-caller").textContent = number;
  $("call-dialled").textContent = call.dialled || t("none");
  for (const id of ["call-dialled-label", "call-dialled"]) $(id).hidden = outbound;
  for (const id of ["call-from-label", "call-from"]) $(id).hidden = !outbound;
  $("call-from").textContent = outbound ? myPhone() : "";
  const pickUp = $("pick-up");
  pickUp.hidden = !(outbound && call.stage === "ringing");
  pickUp.textContent = pickUp.hidden ? "" : t("call.pick_up", { number });
}

function myPhone() {
  const device = S.agent?.device;
  if (device) return t("call.mobile", { number: device });
  return t("call.desk_phone", { number: root.dataset.extension || "" }).trim();
}

// the other side of a consultation: the consulted party, or, at the consulted agent's desk, the
// colleague who asked
function consultedParty(call) {
  const consultedHere = call.consulting === `agent:${S.agent.agent_id}`;
  return partyName(consultedHere ? `agent:${call.agent_id}` : call.consulting);
}

// whom a consultation is with, by name: "agent:8" is a colleague in the panel, a number a
// supervisor's extension, a line of the panel, or else the number itself
function partyName(target) {
  const agentId = /^agent:(\d+)$/.exec(target || "")?.[1];
  if (agentId) return S.panel.find((p) => String(p.agent_id) === agentId)?.name || t("colleague");
  const supervisor = (S.supervisors || []).find((s) => s.number === target);
  return supervisor?.name ?? S.lines.find((l) => l.number === target)?.name ?? target;
}

// a new contact (a call; later a chat) starts with a clean panel: nothing of the last one stays,
// not its client, a search, the note, the category, nor a form the browser could fill in again
function startContact(contactId, call) {
  S.contactId = contactId;
  if (statusBox.dataset.kind !== "error") statusBox.textContent = ""; // news of the last one; errors stay
  S.clientId = null;
  S.clientName = "";
  $("ident-box").hidden = true;
  $("ident-list").replaceChildren();
  $("client-q").value = "";
  $("target").value = "";
  $("search-results").hidden = true;
  $("search-results").replaceChildren();
  $("client-box").replaceChildren();
  $("history-box").hidden = true;
  $("history").replaceChildren();
  showCategory("", "");
  loadNote(contactId, call);
}

const currentCallId = () => S.agent?.call?.call_id || "";

$("btn-answer").addEventListener("click", () => command("answer", { call_id: currentCallId() }));
$("btn-hang-up").addEventListener("click", () => command("hang_up", { call_id: currentCallId() }));
$("btn-hold").addEventListener("click", () =>
  command("hold", { call_id: currentCallId(), held: !S.agent?.call?.held }),
);
$("btn-end-consult").addEventListener("click", () => command("end_consultation", { call_id: currentCallId() }));
$("btn-complete").addEventListener("click", () => command("complete_transfer", { call_id: currentCallId() }));
$("btn-conference").addEventListener("click", () => command("conference", { call_id: currentCallId() }));
$("no-record").addEventListener("change", async (event) => {
  const box = event.target;
  const callId = currentCallId();
  const result = await command("recording", { call_id: callId, record: !box.checked });
  if (!result.ok) box.checked = !box.checked;
  else await api("PUT", `/api/v1/calls/${encodeURIComponent(callId)}/recording`, { opt_out: box.checked });
});

function targetValue() {
  return $("target").value.replace(/\s+/g, "");
}
async function consult(target) {
  if (!target) return $("target").focus();
  const result = await command("consult", { call_id: currentCallId(), target });
  if (result.ok) say(t("done"));
}
async function transfer(target) {
  if (!target) return $("target").focus();
  const result = await command("transfer", { call_id: currentCallId(), target });
  if (result.ok) say(t("done"));
}
$("btn-consult").addEventListener("click", () => consult(targetValue()));
$("btn-transfer").addEventListener("click", () => transfer(targetValue()));
$("target-form").addEventListener("submit", (event) => {
  event.preventDefault();
  consult(targetValue());
});

$("btn-extend").addEventListener("click", async () => {
  const result = await command("extend_wrap_up", { seconds: Number($("extend-seconds").value) });
  if (result.ok) say(t("extended"));
});

// the dial pad (AG-11)
const dialInput = $("dial-number");
for (const key of document.querySelectorAll(".keypad [data-key]")) {
  key.addEventListener("click", () => {
    if (key.dataset.key === "⌫") dialInput.value = dialInput.value.slice(0, -1);
    else dialInput.value += key.dataset.key;
    dialInput.focus();
  });
}
async function dial(number) {
  const clean = number.trim();
  if (!clean) return dialInput.focus();
  const result = await command("dial", { number: clean });
  if (!result.ok) return;
  say(t("done"));
  dialInput.value = ""; // dialled: the pad is free for the next number, not this contact's
}
$("dial-form").addEventListener("submit", (event) => {
  event.preventDefault();
  dial(dialInput.value);
});

// the running timers: state, wrap-up, a ringing call's wait
function tick() {
  const a = S.agent;
  if (!a) return;
  const now = Date.now() + S.skew;
  $("state-timer").textContent = a.since ? duration((now - Date.parse(a.since)) / 1000) : "";
  if (a.state === "wrap_up" && a.wrap_up_until) {
    const until = Date.parse(a.wrap_up_until);
    const total = a.since ? (until - Date.parse(a.since)) / 1000 : 0;
    $("wrapup-timer").textContent = t("remaining", { time: duration((until - now) / 1000), total: duration(total) });
  }
  const call = a.call;
  if (call && call.waited_s !== null && call.waited_s !== undefined) {
    const running = !call.answered_at ? (Date.now() - S.received) / 1000 : 0;
    $("call-waited").textContent = duration(call.waited_s + running);
  } else if (call) {
    $("call-waited").textContent = t("none");
  }
}
setInterval(tick, 1000);

// ---------------------------------------------------------------------------------- (3) the client
async function identify(phone, direction) {
  const contact = S.contactId;
  $("ident-title").textContent = t(direction === "outbound" ? "ident.outbound" : "ident.inbound");
  $("ident-box").hidden = false;
  const list = $("ident-list");
  list.replaceChildren(h("li", { class: "muted" }, t("searching")));
  const result = await api("GET", `/api/v1/clients?phone=${encodeURIComponent(phone)}`);
  if (contact !== S.contactId) return; // another contact has the panel now
  if (!result.ok) {
    list.replaceChildren(h("li", { class: "muted" }, refusal(result)));
    return;
  }
  const items = result.data?.items || [];
  list.replaceChildren(...(items.length ? items.map(clientRow) : [h("li", { class: "empty" }, t("no_clients"))]));
  if (items.length === 1) showClient(items[0].id, false);
}

function clientRow(c) {
  return h(
    "li",
    { "data-testid": `client-row-${c.id}`, class: S.clientId === c.id ? "picked" : "" },
    h(
      "button",
      {
        type: "button",
        class: "pick",
        "data-testid": `pick-client-${c.id}`,
        "aria-label": `${t("pick")}: ${c.name}`,
        onclick: () => pickClient(c.id),
      },
      h("strong", {}, c.name),
      " ",
      h("span", { class: "muted" }, [t(`kind.${c.kind}`), c.identifier, c.city].filter(Boolean).join(" · ")),
    ),
  );
}

async function pickClient(id) {
  await showClient(id, true);
}

$("client-search").addEventListener("submit", async (event) => {
  event.preventDefault();
  const q = $("client-q").value.trim();
  const box = $("search-results");
  if (!q) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  box.replaceChildren(h("li", { class: "muted" }, t("searching")));
  const contact = S.contactId;
  const result = await api("GET", `/api/v1/clients?q=${encodeURIComponent(q)}`);
  if (contact !== S.contactId) return;
  if (!result.ok) return box.replaceChildren(h("li", {}, refusal(result)));
  const items = result.data?.items || [];
  box.replaceChildren(...(items.length ? items.map(clientRow) : [h("li", { class: "empty" }, t("not_found"))]));
});

$("btn-new-client").addEventListener("click", () => {
  S.clientId = null;
  const caller = S.agent?.call?.caller;
  renderClientForm(null, caller ? { phones: [caller] } : {});
});

async function showClient(id, link) {
  const contact = S.contactId;
  const result = await api("GET", `/api/v1/clients/${id}`);
  if (contact !== S.contactId) return; // the card of an earlier contact: not for this one
  if (!result.ok) return say(refusal(result), "error");
  S.clientId = id;
  S.clientName = result.data.name;
  if (S.agent?.call) renderParties(S.agent.call);
  for (const row of document.querySelectorAll("[data-testid^='client-row-']")) {
    row.classList.toggle("picked", row.dataset.testid === `client-row-${id}`);
  }
  renderClientForm(result.data);
  const callId = S.noteCallId;
  if (link && callId) {
    const linked = await api("PUT", `/api/v1/calls/${encodeURIComponent(callId)}/client`, { client_id: id });
    if (linked.ok) say(t("client_linked"));
    else if (linked.status !== 404) say(refusal(linked), "error");
  }
}

const BASE_FIELDS = ["identifier", "icis_id", "title", "first_name", "surname", "company", "email"];

function renderClientForm(card, preset = {}) {
  const box = $("client-box");
  const data = card || preset;
  const header = h(
    "div",
    { class: "bar" },
    h("h3", { id: "client-name", "data-testid": "client-name" }, card ? card.name : t("new_client")),
    card ? h("span", { class: "muted" }, t(`kind.${card.kind}`)) : null,
    card ? icisBadge(card) : null,
  );
  const phones = card?.phones?.length
    ? h(
        "ul",
        { class: "phones", "data-testid": "client-phones" },
        ...card.phones.map((number) =>
          h(
            "li",
            {},
            h("span", {}, number),
            h(
              "button",
              { type: "button", class: "small", "aria-label": t("dial_label", { number }), onclick: () => dial(number) },
              t("dial"),
            ),
          ),
        ),
      )
    : null;
  const fields = [];
  const field = (name, label, input) =>
    h("div", { class: "field" }, h("label", { for: input.id }, label), input);
  const kind = h("select", { id: "cf-kind", name: "kind" });
  for (const value of ["insured", "employer", "self_employed", "provider"]) {
    kind.append(h("option", { value, selected: (data.kind || "insured") === value }, t(`kind.${value}`)));
  }
  fields.push(field("kind", t("client_kind"), kind));
  for (const name of BASE_FIELDS) {
    fields.push(field(name, t(name), h("input", { id: `cf-${name}`, name, value: data[name] || "", autocomplete: "off" })));
  }
  fields.push(
    field(
      "phones",
      t("phones"),
      h("textarea", { id: "cf-phones", name: "phones", rows: 2, autocomplete: "off" }, (data.phones || []).join("\n")),
    ),
  );
  for (const f of card?.fields || []) {
    const id = `cf-v-${f.key}`;
    let input;
    if (f.type === "bool") {
      fields.push(
        h(
          "div",
          { class: "field" },
          h("label", { class: "check" }, h("input", { type: "checkbox", id, dataset: { key: f.key }, checked: f.value === "true" }), f.label),
        ),
      );
      continue;
    } else if (f.type === "longtext") {
      input = h("textarea", { id, rows: 2, dataset: { key: f.key } }, f.value || "");
    } else if (f.type === "choice") {
      input = h("select", { id, dataset: { key: f.key } }, h("option", { value: "" }, "—"));
      for (const choice of f.choices || []) input.append(h("option", { value: choice, selected: f.value === choice }, choice));
      if (f.value && !(f.choices || []).includes(f.value)) input.append(h("option", { value: f.value, selected: true }, f.value));
    } else {
      const type = { date: "date", email: "email", phone: "tel" }[f.type] || "text";
      input = h("input", { id, type, value: f.value || "", autocomplete: "off", dataset: { key: f.key } });
    }
    fields.push(field(f.key, f.required ? `${f.label} *` : f.label, input));
  }
  const errors = h("p", { class: "field-error", id: "client-errors", role: "alert", hidden: true });
  const form = h(
    "form",
    // rebuilt for every card and never filled in by the browser from another client's values
    { id: "desk-client-form", class: "client-form", novalidate: true, autocomplete: "off", "data-testid": "client-form" },
    errors,
    h("div", { class: "fields" }, ...fields),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", "data-testid": "client-save" }, t("save"))),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    saveClient(form, card);
  });
  box.replaceChildren(h("section", { class: "client-card", "data-testid": "client-card" }, header, phones, form));
  if (card) loadClientHistory();
}

// in ICIS or not, by the client's ICIS id; the link only where an ICIS address is configured
function icisBadge(card) {
  if (card.icis_link) {
    const attrs = { class: "button", href: card.icis_link, target: "_blank", rel: "noopener noreferrer", "data-testid": "icis-link" };
    return h("a", attrs, t("open_icis"));
  }
  if (card.icis_id) return h("span", { class: "muted", "data-testid": "in-icis" }, t("in_icis", { id: card.icis_id }));
  return h("span", { class: "muted", "data-testid": "no-icis" }, t("not_in_icis"));
}

async function saveClient(form, card) {
  const body = { kind: form.querySelector("#cf-kind").value, values: {} };
  for (const name of BASE_FIELDS) body[name] = form.querySelector(`#cf-${name}`).value.trim();
  body.phones = form.querySelector("#cf-phones").value.split(/[\n,;]+/).map((p) => p.replace(/\s+/g, "")).filter(Boolean);
  for (const input of form.querySelectorAll("[data-key]")) {
    body.values[input.dataset.key] = input.type === "checkbox" ? String(input.checked) : input.value.trim();
  }
  const errors = form.querySelector("#client-errors");
  const contact = S.contactId;
  const result = card
    ? await api("PATCH", `/api/v1/clients/${card.id}`, { ...body, version: card.version })
    : await api("POST", "/api/v1/clients", body);
  if (contact !== S.contactId) return say(result.ok ? t(card ? "client_saved" : "client_created") : refusal(result));
  if (!result.ok) {
    errors.hidden = false;
    errors.textContent = refusal(result);
    say(refusal(result), "error");
    return;
  }
  say(card ? t("client_saved") : t("client_created"));
  S.clientId = result.data.id;
  S.clientName = result.data.name;
  if (S.agent?.call) renderParties(S.agent.call);
  renderClientForm(result.data);
  if (!card && S.noteCallId) {
    await api("PUT", `/api/v1/calls/${encodeURIComponent(S.noteCallId)}/client`, { client_id: result.data.id });
  }
}

// the contact history (AG-05, AG-07) comes with the call's record
function renderHistory(items) {
  const box = $("history-box");
  box.hidden = false;
  const list = $("history");
  if (!items || !items.length) {
    list.replaceChildren(h("li", { class: "empty" }, t("no_history")));
    return;
  }
  list.replaceChildren(
    ...items.map((c) =>
      h(
        "li",
        { "data-testid": `history-${c.call_id || ""}` },
        h("div", { class: "history-head" },
          h("time", {}, whenText(c.at)),
          " ",
          h("span", { class: "muted" }, [c.direction ? t(`call.${c.direction}`) : "", c.caller, c.agent_name || "", categoryName(c.category_id)].filter(Boolean).join(" · ")),
          c.recording ? h("a", { href: c.recording, class: "rec" }, t("recording")) : null,
        ),
        c.note ? h("p", { class: "history-note" }, c.note) : null,
      ),
    ),
  );
}

async function loadClientHistory() {
  if (!S.noteCallId) return;
  const result = await api("GET", `/api/v1/calls/${encodeURIComponent(S.noteCallId)}/record`);
  if (result.ok) renderHistory(result.data?.history || []);
}

function categoryName(id) {
  return id === null || id === undefined ? "" : S.categories.find((c) => c.id === id)?.name ?? "";
}

// ---------------------------------------------------------------------------------- (4) the note
const noteBox = $("note");
const noteKey = (callId) => `kc.desk.note.${callId}`;
let noteDirty = false;
let noteSaving = false;

function noteStatus(text, state = "") {
  const box = $("note-status");
  box.textContent = text;
  box.dataset.state = state;
}

function pruneNotes() {
  const week = 7 * 24 * 3600 * 1000;
  for (let i = localStorage.length - 1; i >= 0; i -= 1) {
    const key = localStorage.key(i);
    if (!key?.startsWith("kc.desk.note.")) continue;
    const saved = store.get(key, null);
    if (!saved || (saved.synced && Date.now() - (saved.at || 0) > week)) store.remove(key);
  }
}

// while the call or its wrap-up lasts the note is a draft saved by itself; later an amendment
function noteIsDraft() {
  const a = S.agent;
  return Boolean(a && (a.call?.call_id === S.noteCallId || (a.state === "wrap_up" && a.last_call_id === S.noteCallId)));
}

function renderNoteMode() {
  $("btn-amend").hidden = noteIsDraft() || !S.noteCallId;
}

async function loadNote(callId, call) {
  // the last call's note is saved as typed: saveNote takes the call and the text at once
  if (noteDirty && S.noteCallId) saveNote(true);
  S.noteCallId = callId;
  noteDirty = false;
  noteBox.value = "";
  renderVersions([]);
  $("note-panel").hidden = !callId;
  renderNoteMode();
  if (!callId) return;
  const outbound = call?.direction === "outbound";
  const noteFor = outbound ? t("note_for_outbound", { number: call.caller }) : t("note_for", { caller: call?.caller });
  $("note-for").textContent = call?.caller ? noteFor : "";
  const local = store.get(noteKey(callId), null);
  noteBox.value = local?.text ?? "";
  if (local && !local.synced) {
    noteDirty = true;
    noteStatus(t("note_local"), "local");
  } else {
    noteStatus("");
  }
  const result = await api("GET", `/api/v1/calls/${encodeURIComponent(callId)}/record`);
  if (callId !== S.noteCallId) return;
  if (result.ok && result.data) applyRecord(result.data, true);
}

// GET/PUT/POST .../record|note answer: {call, phase, record, notes: [{number, text, author_name, at, draft}], history}
function applyRecord(data, loading) {
  const notes = data.notes || [];
  const draft = notes.find((n) => n.draft);
  const sealed = notes.filter((n) => !n.draft);
  const latest = draft || sealed[sealed.length - 1];
  if (loading && !noteDirty && latest && document.activeElement !== noteBox) noteBox.value = latest.text;
  const category = data.record?.category_id;
  showCategory(category === null || category === undefined ? "" : String(category));
  renderVersions(sealed);
  if (data.history) renderHistory(data.history);
  const clientId = data.record?.client_id;
  if (loading && clientId && clientId !== S.clientId) showClient(clientId, false);
}

function renderVersions(versions) {
  $("note-versions-box").hidden = !versions.length;
  $("note-versions").replaceChildren(
    ...versions.map((v, i) =>
      h(
        "li",
        { "data-testid": `note-version-${i + 1}` },
        h("span", { class: "muted" }, [`#${v.number ?? i + 1}`, whenText(v.at), v.author_name || ""].filter(Boolean).join(" · ")),
        h("p", {}, v.text),
      ),
    ),
  );
}

noteBox.addEventListener("input", () => {
  if (!S.noteCallId) return;
  store.set(noteKey(S.noteCallId), { text: noteBox.value, synced: false, at: Date.now() });
  noteDirty = true;
  noteStatus(t("note_local"), "local");
});
noteBox.addEventListener("blur", () => {
  if (noteIsDraft()) saveNote();
});

// autosave while the call or its wrap-up lasts; the first save after that seals the note (final)
async function saveNote(final = false, force = false) {
  if (!(noteDirty || force) || noteSaving || !S.noteCallId) return;
  if (!noteIsDraft() && !final) return;
  const callId = S.noteCallId;
  const text = noteBox.value;
  noteSaving = true;
  noteStatus(t("note_saving"), "saving");
  const result = await api("PUT", `/api/v1/calls/${encodeURIComponent(callId)}/note`, { text, final });
  noteSaving = false;
  if (callId !== S.noteCallId) return;
  if (result.ok) {
    if (noteBox.value === text) {
      noteDirty = false;
      store.set(noteKey(callId), { text, synced: true, at: Date.now() });
    }
    noteStatus(`${t("note_saved")} ${timeFmt.format(new Date())}`, "saved");
    applyRecord(result.data || {}, false);
  } else {
    noteStatus(t("note_local"), "local");
    if (result.status !== 404) say(refusal(result), "error");
  }
}
setInterval(saveNote, 3000);
window.addEventListener("pagehide", () => {
  if (noteDirty && S.noteCallId) store.set(noteKey(S.noteCallId), { text: noteBox.value, synced: false, at: Date.now() });
});

$("btn-amend").addEventListener("click", async () => {
  const callId = S.noteCallId;
  if (!callId) return;
  const result = await api("POST", `/api/v1/calls/${encodeURIComponent(callId)}/note`, { text: noteBox.value });
  if (!result.ok) return say(refusal(result), "error");
  noteDirty = false;
  store.set(noteKey(callId), { text: noteBox.value, synced: true, at: Date.now() });
  say(t("note_amended"));
  noteStatus(`${t("note_saved")} ${timeFmt.format(new Date())}`, "saved");
  applyRecord(result.data || {}, false);
});

// the call category (AG-13, IN-12): the supervisor's tree as an indented list
function renderCategories() {
  const select = $("category");
  const children = new Map();
  for (const c of S.categories) {
    const key = c.parent_id ?? 0;
    if (!children.has(key)) children.set(key, []);
    children.get(key).push(c);
  }
  const options = [h("option", { value: "" }, "—")];
  const walk = (parent, depth) => {
    for (const c of children.get(parent) || []) {
      options.push(h("option", { value: String(c.id) }, `${"\u00a0\u00a0".repeat(depth * 2)}${c.name}`));
      if (depth < 5) walk(c.id, depth + 1);
    }
  };
  walk(0, 0);
  select.replaceChildren(...options);
}
$("category").addEventListener("change", async (event) => {
  const callId = S.noteCallId;
  if (!callId) return;
  const value = event.target.value;
  const result = await api("PUT", `/api/v1/calls/${encodeURIComponent(callId)}/category`, {
    category_id: value ? Number(value) : null,
  });
  if (callId !== S.noteCallId) return;
  if (result.ok) {
    showCategory(value, "");
    say(t("category_saved"));
  } else {
    // what is saved stays selected, and the field says why the choice was not taken
    showCategory(S.savedCategory, t("category_not_saved", { reason: refusal(result) }));
  }
});

// the call's category as the server has it; ``error`` ("" clears it) is shown at the field
function showCategory(value, error) {
  S.savedCategory = value;
  const select = $("category");
  select.value = value;
  if (error === undefined) return;
  const box = $("category-error");
  box.textContent = error;
  box.hidden = !error;
  if (error) select.setAttribute("aria-describedby", "category-error");
  else select.removeAttribute("aria-describedby");
}

// ---------------------------------------------------------------------------------- (5) the panel
function panelEntries() {
  const me = S.agent?.agent_id;
  // a supervisor signed in at KC is consulted as an agent; otherwise on the extension, with the
  // PBX's presence of it
  const atKc = new Set(S.panel.filter((p) => p.state !== "logged_out").map((p) => p.agent_id));
  const supervisorIds = new Set((S.supervisors || []).map((s) => s.user_id));
  const agents = S.panel
    .filter((p) => p.agent_id !== me && (atKc.has(p.agent_id) || !supervisorIds.has(p.agent_id)))
    .sort((a, b) => a.name.localeCompare(b.name, "cs"))
    .map((p) => ({ key: `agent:${p.agent_id}`, target: `agent:${p.agent_id}`, name: p.name, sub: "", state: p.state, group: "agents" }));
  const supervisors = (S.supervisors || [])
    .filter((s) => !atKc.has(s.user_id))
    .map((s) => ({
      key: `supervisor:${s.number}`,
      target: s.number,
      name: s.name,
      sub: s.number,
      state: S.devices.get(s.number) || null,
      group: "supervisors",
    }));
  const lines = S.lines.map((l) => ({
    key: `line:${l.number}`,
    target: l.number,
    name: l.name,
    sub: l.number,
    state: S.devices.get(l.number) || null,
    group: `group:${l.group_id}`,
  }));
  const queues = (S.agent?.queues || []).map((q) => ({
    key: `queue:${q.queue_id}`,
    target: `queue:${q.queue_id}`,
    name: q.name,
    sub: `${q.waiting} ${t("waiting")}`,
    state: null,
    group: "queues",
  }));
  return [...agents, ...supervisors, ...lines, ...queues];
}

function panelItem(entry, canAct) {
  const fav = S.favourites.has(entry.key);
  const slug = entry.key.replace(/[^a-zA-Z0-9]+/g, "-");
  return h(
    "li",
    { class: "panel-item", "data-testid": `panel-${slug}`, dataset: { key: entry.key } },
    h(
      "button",
      {
        type: "button",
        class: `star${fav ? " on" : ""}`,
        "aria-pressed": fav ? "true" : "false",
        "aria-label": fav ? t("favourite_remove", { name: entry.name }) : t("favourite_add", { name: entry.name }),
        "data-testid": `fav-${slug}`,
        dataset: { focusKey: `fav-${entry.key}` },
        onclick: () => toggleFavourite(entry.key),
      },
      fav ? "★" : "☆",
    ),
    h("span", { class: "panel-name", title: `${entry.name} ${entry.sub}`.trim() }, entry.name, entry.sub ? h("span", { class: "muted" }, ` ${entry.sub}`) : null),
    entry.state
      ? h("span", { class: "panel-state", "data-state": entry.state, "data-testid": `state-${slug}` }, t(`panel.${entry.state}`))
      : null,
    h(
      "button",
      {
        type: "button",
        class: "small",
        disabled: !canAct,
        "aria-label": t("consult_label", { name: entry.name }),
        dataset: { focusKey: `consult-${entry.key}` },
        onclick: () => consult(entry.target),
      },
      t("consult"),
    ),
    h(
      "button",
      {
        type: "button",
        class: "small",
        disabled: !canAct,
        "aria-label": t("transfer_label", { name: entry.name }),
        dataset: { focusKey: `transfer-${entry.key}` },
        onclick: () => transfer(entry.target),
      },
      t("transfer"),
    ),
  );
}

function renderPanel() {
  const box = $("panel-list");
  const focusKey = document.activeElement?.dataset?.focusKey;
  const needle = $("panel-q").value.trim().toLocaleLowerCase("cs");
  const entries = panelEntries().filter(
    (e) => !needle || `${e.name} ${e.sub}`.toLocaleLowerCase("cs").includes(needle),
  );
  const call = S.agent?.call;
  const canAct = Boolean(call && call.stage === "answered" && !call.consulting && call.agent_id === S.agent.agent_id);
  const groups = [
    ["favourites", t("favourites"), entries.filter((e) => S.favourites.has(e.key))],
    ["agents", t("agents"), entries.filter((e) => e.group === "agents" && !S.favourites.has(e.key))],
    ["supervisors", t("supervisors"), entries.filter((e) => e.group === "supervisors" && !S.favourites.has(e.key))],
    ...S.lineGroups.map((g) => [
      `group-${g.id}`,
      g.name,
      entries.filter((e) => e.group === `group:${g.id}` && !S.favourites.has(e.key)),
    ]),
    ["queues", t("queues"), entries.filter((e) => e.group === "queues" && !S.favourites.has(e.key))],
  ].filter(([, , items]) => items.length);
  if (!groups.length) {
    box.replaceChildren(h("p", { class: "empty" }, t("nobody")));
    return;
  }
  box.replaceChildren(
    ...groups.map(([id, title, items]) =>
      h(
        "div",
        { class: "panel-group", "data-testid": `panel-group-${id}` },
        h("h3", {}, title),
        h("ul", {}, ...items.map((e) => panelItem(e, canAct))),
      ),
    ),
  );
  if (focusKey) box.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`)?.focus();
}

function toggleFavourite(key) {
  if (S.favourites.has(key)) S.favourites.delete(key);
  else S.favourites.add(key);
  store.set("kc.desk.favourites", [...S.favourites]);
  renderPanel();
}
$("panel-q").addEventListener("input", renderPanel);

// ---------------------------------------------------------------------------------- (6) my lists
async function refreshLists() {
  const signed = (S.agent?.queues || []).filter((q) => q.signed_in).map((q) => `queue=${q.queue_id}`);
  const statsUrl = `/api/v1/me/stats${signed.length ? `?${signed.join("&")}` : ""}`;
  const [stats, last] = await Promise.all([api("GET", statsUrl), api("GET", "/api/v1/me/last-calls")]);
  if (stats.ok && stats.data) renderStats(stats.data);
  if (last.ok && last.data) {
    const items = last.data.items || last.data.calls || [];
    $("last-calls").replaceChildren(
      ...(items.length
        ? items.map((c) =>
            h(
              "li",
              {},
              h("time", {}, whenText(c.at)),
              " ",
              h("span", {}, [t(`call.${c.direction}`), c.caller, categoryName(c.category_id)].filter(Boolean).join(" · ")),
              c.note ? h("span", { class: "muted" }, ` – ${c.note.slice(0, 80)}`) : null,
            ),
          )
        : [h("li", { class: "empty" }, t("no_calls"))]),
    );
  }
  refreshCallbacks();
  refreshMissed();
}

const CALLBACKS_EVERY_MS = 30_000;
const JOURNAL_LAG_MS = 1_000; // the journal, which the lists read, is written just after the desktop hears

// AG-17: the open callback requests of the agent's queues, to dial or settle from here (callback role)
async function refreshCallbacks() {
  const url = root.dataset.callbacksUrl;
  if (!url) return;
  const queues = (S.agent?.queues || []).map((q) => q.queue_id);
  const result = await api("GET", url);
  if (!result.ok) return;
  const mine = new Set(queues);
  const items = (result.data?.items || []).filter((c) => !mine.size || mine.has(c.queue_id)).slice(0, 8);
  const act = async (c, action) => {
    const done = await api("POST", `${url}/${encodeURIComponent(c.id)}/${action}`, {});
    if (!done.ok) say(refusal(done), "error");
    else say(t("done"));
    refreshCallbacks();
  };
  $("callback-list").replaceChildren(
    ...(items.length
      ? items.map((c) =>
          h(
            "li",
            { "data-testid": `callback-${c.id}` },
            h("strong", {}, c.caller || ""),
            " ",
            h(
              "span",
              { class: "muted" },
              t("callback_due", { time: c.preferred_at ? whenText(c.preferred_at) : t("asap") }),
              c.history?.length ? ` · ${c.history.length}×` : "",
            ),
            " ",
            h("button", { type: "button", class: "small", "data-testid": `callback-dial-${c.id}`, onclick: () => act(c, "dial") }, t("callback_dial")),
            h("button", { type: "button", class: "small", "data-testid": `callback-done-${c.id}`, onclick: () => act(c, "done") }, t("callback_done")),
          ),
        )
      : [h("li", { class: "empty" }, t("no_callbacks"))]),
  );
}

// the calls the agent missed and the missed calls of her queues, not yet returned (every agent):
// call back now, or, with the callback role, plan a callback request (which the list above then
// shows, to dial or mark done); a caller reached since drops off by itself
async function refreshMissed() {
  const result = await api("GET", root.dataset.missedUrl);
  if (result.ok) renderMissed(result.data?.items || []);
}

function renderMissed(items) {
  const url = root.dataset.callbacksUrl;
  const plan = async (m) => {
    const done = await api("POST", url, { caller: m.caller, queue_id: m.queue_id, note: t("missed_note") });
    if (!done.ok) say(refusal(done), "error");
    else say(t("done"));
    refreshCallbacks();
    refreshMissed();
  };
  $("missed-list").replaceChildren(
    ...(items.length
      ? items.slice(0, 8).map((m) =>
          h(
            "li",
            { "data-testid": `missed-${m.call_id}` },
            h("strong", {}, m.caller),
            " ",
            h(
              "span",
              { class: "muted" },
              whenText(m.arrived_at),
              m.history?.length > 1 ? ` · ${t("contacts_count", { count: m.history.length })}` : "",
            ),
            " ",
            h("button", { type: "button", class: "small", "data-testid": `missed-dial-${m.call_id}`, onclick: () => dial(m.caller) }, t("callback_dial")),
            url && m.queue_id !== null
              ? h("button", { type: "button", class: "small", "data-testid": `missed-plan-${m.call_id}`, onclick: () => plan(m) }, t("missed_plan"))
              : null,
          ),
        )
      : [h("li", { class: "empty" }, t("no_missed"))]),
  );
}

setInterval(() => (refreshCallbacks(), refreshMissed()), CALLBACKS_EVERY_MS); // they come in all day

function renderStats(data) {
  const box = $("stats-box");
  const periods = data.periods || data.items || (Array.isArray(data) ? data : null);
  if (!Array.isArray(periods)) return;
  const pct = (v) => (v === null || v === undefined ? t("none") : percentText(v / 100)); // v in per cent
  box.replaceChildren(
    h(
      "table",
      { class: "grid compact", "data-testid": "stats-table" },
      h("thead", {}, h("tr", {}, h("th", {}, t("period")), h("th", {}, t("handled")), h("th", {}, t("lost")), h("th", {}, t("service_level")))),
      h(
        "tbody",
        {},
        ...periods.map((p) =>
          h("tr", {}, h("td", {}, t(`period.${p.period}`)), h("td", {}, p.handled ?? ""), h("td", {}, p.lost ?? ""), h("td", {}, pct(p.service_level))),
        ),
      ),
    ),
  );
}

// ---------------------------------------------------------------------------------- (2a) the campaign
// OUT-10, OUT-13: the next contact of the agent's running preview or manual campaigns. "Vytočit" sends
// the desktop's own dial command with the contact's entry id (the engine and the PBX place the call
// as any manual one); "Přeskočit" asks why; after dialling, the outcome buttons; then the next one.
// Each contact starts from a clean card: no reason, time or error of the previous one survives.
const CAMPAIGN_EVERY_MS = 30_000; // with nobody to call, the panel looks again this often
const campaign = { contact: null, outcomes: [], timer: null, script: null, run: null, asking: null };
const dialledKey = "kc.desk.campaign.dialled"; // the contact dialled from this browser (over a reload)
const callKey = "kc.desk.campaign.call"; // the call KC placed for it: its attempt names the call
const campaignUrl = (what) => root.dataset.campaignUrl + what;

function showField(id, text) {
  const box = $(id);
  box.textContent = text || "";
  box.hidden = !text;
}

async function loadCampaign() {
  clearTimeout(campaign.timer);
  const result = await api("GET", campaignUrl("next"));
  if (!result.ok) return say(refusal(result), "error");
  const { campaigns, contact, outcomes, script } = result.data;
  campaign.outcomes = outcomes || [];
  campaign.script = script?.definition || null;
  campaign.run = script?.run || null;
  campaign.asking = null;
  $("campaign-panel").hidden = !campaigns.length;
  renderContact(campaigns.length ? contact : null);
  if (campaigns.length && !contact) campaign.timer = setTimeout(loadCampaign, CAMPAIGN_EVERY_MS);
}

function renderContact(contact) {
  const fresh = contact?.entry_id !== campaign.contact?.entry_id;
  campaign.contact = contact;
  $("campaign-empty").hidden = Boolean(contact);
  $("campaign-contact").hidden = !contact;
  if (!contact) return;
  if (fresh) {
    $("skip-reason").value = "";
    $("callback-at").value = "";
    $("skip-form").hidden = $("callback-form").hidden = true;
    showField("skip-error", "");
    showField("outcome-error", "");
  }
  $("campaign-name").textContent = contact.campaign;
  $("contact-name").textContent = contact.name || contact.phone;
  $("contact-phone").textContent = contact.phone;
  $("contact-priority").textContent = contact.priority;
  $("contact-attempts").textContent = t("campaign.attempts", { attempts: contact.attempts, max: contact.max_attempts });
  const last = contact.last_outcome ? t(`last.${contact.last_outcome}`) : t("none");
  $("contact-last").textContent = contact.agreed ? `${last} (${t("campaign.agreed")})` : last;
  $("contact-extra").replaceChildren(
    ...Object.entries(contact.extra || {}).flatMap(([name, value]) => [h("dt", {}, name), h("dd", {}, String(value))]),
  );
  $("contact-client-box").hidden = !contact.client_url;
  if (contact.client_url) $("contact-client").href = contact.client_url;
  $("outcome-buttons").replaceChildren(
    ...campaign.outcomes.map((outcome) =>
      h("button", { type: "button", "data-testid": `outcome-${outcome}`, onclick: () => chooseOutcome(outcome) }, t(`outcome.${outcome}`)),
    ),
  );
  showStage(Boolean(contact.call_id) || store.get(dialledKey, null) === contact.entry_id);
  // OUT-08: the contact's client from the customer database (the card with ICIS and the history),
  // before she dials; a callee put through is linked to the call as well
  if (fresh && contact.client_id && (contact.call_id || !S.agent?.call)) showClient(contact.client_id, Boolean(contact.call_id));
  renderScript();
}

// OUT-15: the campaign's call script beside the contact card: the questions on the way the answers
// took (each can be changed until the outcome is set), the current one asked, answers saved as she
// goes (typed the Czech way: the server reads them); the end reached pre-selects the outcome.
function renderScript() {
  const script = campaign.script;
  const run = campaign.run;
  $("script-box").hidden = !script || !run;
  if (!script || !run) return;
  const question = (id) => script.questions.find((q) => q.id === id);
  const shown = (q, value) => {
    if (value === null || value === undefined) return t("script.skipped");
    const choice = (q.choices || []).find((c) => c.key === value);
    return choice ? choice.label : String(value);
  };
  const asked = run.path.filter((id) => id !== run.current && id in run.answers);
  $("script-path").replaceChildren(
    ...asked.map((id) =>
      h("li", {}, `${question(id).text}: ${shown(question(id), run.answers[id])} `,
        h("button", { type: "button", class: "link", "data-testid": `script-change-${id}`, onclick: () => askScript(id) }, t("script.change"))),
    ),
  );
  const end = run.end ? script.ends.find((e) => e.id === run.end) : null;
  showField("script-end", end && !campaign.asking ? t("script.end", { label: end.label }) : "");
  askScript(campaign.asking || run.current);
  suggestOutcome(run.outcome);
}

function askScript(id) {
  const q = id ? campaign.script.questions.find((x) => x.id === id) : null;
  campaign.asking = id && id !== campaign.run.current ? id : null;
  $("script-form").hidden = !q;
  showField("script-error", "");
  if (!q) return;
  if (campaign.asking) $("script-end").hidden = true;
  $("script-question").textContent = q.text;
  const choice = q.type === "choice";
  $("script-input").hidden = $("script-next").hidden = choice;
  $("script-input").value = campaign.run.answers[q.id] ?? "";
  $("script-input").inputMode = q.type === "number" ? "decimal" : "text";
  const hint = { number: t("script.number"), date: t("script.date") }[q.type] || "";
  $("script-hint").textContent = [hint, q.required === false ? t("script.optional") : ""].filter(Boolean).join(" ");
  $("script-choices").replaceChildren(
    ...(choice ? q.choices : []).map((c) =>
      h("button", { type: "button", "data-testid": `script-choice-${c.key}`, onclick: () => answerScript(q.id, c.key) }, c.label),
    ),
  );
}

async function answerScript(question, typed) {
  const body = { entry_id: campaign.contact.entry_id, question, typed };
  const result = await api("POST", campaignUrl("answers"), body);
  if (!result.ok) {
    showField("script-error", refusal(result));
    return $("script-input").focus();
  }
  campaign.run = result.data;
  campaign.asking = null;
  renderScript();
  ($("script-choices").querySelector("button") || $("script-input")).focus();
}

function suggestOutcome(outcome) {
  for (const button of $("outcome-buttons").querySelectorAll("button")) {
    const suggested = button.dataset.testid === `outcome-${outcome}`;
    button.classList.toggle("primary", suggested);
    button.setAttribute("aria-pressed", String(suggested));
  }
}

$("script-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const id = campaign.asking || campaign.run?.current;
  if (id) answerScript(id, $("script-input").value);
});

function showStage(dialled) {
  $("campaign-actions").hidden = dialled;
  $("outcome-box").hidden = !dialled;
  if (dialled) $("skip-form").hidden = true;
}

async function campaignDial() {
  const contact = campaign.contact;
  if (!contact || $("campaign-actions").hidden) return;
  const result = await command("dial", { number: contact.phone, entry_id: contact.entry_id });
  if (!result.ok) return;
  store.set(dialledKey, contact.entry_id);
  store.set(callKey, typeof result.data?.result === "string" ? result.data.result : "");
  say(t("campaign.dialling", { name: contact.name || contact.phone }));
  showStage(true);
  if (!$("script-box").hidden) return ($("script-choices").querySelector("button") || $("script-input")).focus();
  $("outcome-buttons").querySelector("button")?.focus();
}

function campaignSkip() {
  if (!campaign.contact || $("campaign-actions").hidden) return;
  $("skip-form").hidden = false;
  $("skip-reason").focus();
}

async function confirmSkip(event) {
  event.preventDefault();
  const reason = $("skip-reason").value.trim();
  const result = await api("POST", campaignUrl("skip"), { entry_id: campaign.contact.entry_id, reason });
  if (!result.ok) {
    showField("skip-error", refusal(result));
    return $("skip-reason").focus();
  }
  say(t("campaign.skipped"));
  await loadCampaign();
  $("btn-campaign-dial").focus();
}

function chooseOutcome(outcome) {
  showField("outcome-error", "");
  if (outcome === "callback") {
    $("callback-form").hidden = false;
    return $("callback-at").focus();
  }
  finishContact(outcome, null);
}

async function finishContact(outcome, agreedAt) {
  const dialledHere = store.get(dialledKey, null) === campaign.contact.entry_id;
  const callId = campaign.contact.call_id || (dialledHere ? store.get(callKey, "") : "");
  const body = { entry_id: campaign.contact.entry_id, outcome, agreed_at: agreedAt, call_id: callId };
  const result = await api("POST", campaignUrl("outcome"), body);
  if (!result.ok) {
    showField("outcome-error", refusal(result));
    return;
  }
  store.remove(dialledKey);
  store.remove(callKey);
  say(t("campaign.saved", { outcome: t(`outcome.${outcome}`) }));
  await loadCampaign();
  if (!$("campaign-contact").hidden) $("btn-campaign-dial").focus();
}

$("btn-campaign-dial").addEventListener("click", campaignDial);
$("btn-campaign-skip").addEventListener("click", campaignSkip);
$("skip-form").addEventListener("submit", confirmSkip);
$("skip-cancel").addEventListener("click", () => {
  $("skip-form").hidden = true;
  showField("skip-error", "");
  $("btn-campaign-skip").focus();
});
$("callback-form").addEventListener("submit", (event) => {
  event.preventDefault();
  finishContact("callback", $("callback-at").value || null);
});

// ---------------------------------------------------------------------------------- keyboard
const SHORTCUTS = {
  KeyA: "btn-answer",
  KeyH: "btn-hang-up",
  KeyD: "btn-hold",
  KeyR: "btn-ready",
  KeyP: "btn-pause",
  KeyT: "btn-transfer",
  KeyV: "btn-campaign-dial",
  KeyS: "btn-campaign-skip",
};
document.addEventListener("keydown", (event) => {
  if (!event.altKey || event.ctrlKey || event.metaKey) return;
  if (event.code === "KeyN") {
    event.preventDefault();
    if (!$("note-panel").hidden) noteBox.focus();
    return;
  }
  const id = SHORTCUTS[event.code];
  if (!id) return;
  event.preventDefault();
  const button = $(id);
  if (button && !button.disabled && button.offsetParent !== null) button.click();
});

// ---------------------------------------------------------------------------------- start
async function start() {
  pruneNotes();
  const result = await api("GET", root.dataset.stateUrl);
  if (result.ok) {
    S.pauseCodes = result.data.pause_codes || [];
    S.pauseNames = result.data.pause_names || {};
    S.categories = result.data.categories || [];
    S.lines = result.data.lines || [];
    S.lineGroups = result.data.line_groups || [];
    S.supervisors = result.data.supervisors || [];
    pauseSelect.replaceChildren(...S.pauseCodes.map((p) => h("option", { value: p.code }, p.name)));
    renderCategories();
    applyMessage({ agent: result.data.agent, panel: result.data.panel, server_time: result.data.server_time });
  } else {
    say(refusal(result), "error");
  }
  connect();
  refreshLists();
  await loadCampaign();
  root.dataset.ready = "true";
}

start();
