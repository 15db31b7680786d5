// The supervisor's live view (issue 6). Plain ES module, no framework.
// /api/v1/supervisor/state once (who the agents are, groups, queues, pause codes, links), then the
// engine's live view from the WebSocket /supervisor/ws: {"live": view} with the open alerts.
// The grid is redrawn from each view; the chosen agent's actions live in a side panel that keeps
// its controls, so a supervisor's half-made choice survives the updates.

import { $, api, closedBadge, duration, h, liveSocket, percentText, refusalText, timeFmt, translator } from "./live-common.js";

const root = $("supervisor");
const t = translator("supervisor-i18n");
const refusal = (result) => refusalText(result, t("offline"), t("failed"));

const S = {
  meta: { agents: {}, groups: [], queues: [], pause_codes: [], alert_rules: {}, supervisors: {}, links: {} },
  view: null,
  skew: 0, // the server's clock minus this PC's
  chosen: null, // agent id in the side panel
  me: null,
};

function say(text, kind = "info") {
  const box = $("sup-status");
  box.textContent = text;
  box.dataset.kind = kind;
}

async function command(name, body) {
  const result = await api("POST", `${root.dataset.commandUrl}${name}`, body);
  if (!result.ok) say(refusal(result), "error");
  else say(result.data?.result === true ? t("pending") : t("done"));
  return result;
}

const queueName = (id) => S.meta.queues.find((q) => q.id === id)?.name ?? `#${id}`;
const agentOf = (id) => S.view?.agents.find((a) => a.agent_id === id);
const nameOf = (id) => agentOf(id)?.name ?? S.meta.supervisors[String(id)] ?? `#${id}`;
const now = () => Date.now() + S.skew;
const since = (iso) => (iso ? duration((now() - Date.parse(iso)) / 1000) : "");
const pct = (v) => (v === null || v === undefined ? t("none") : percentText(v)); // a share 0..1

// ---------------------------------------------------------------------------------- alerts
function subjectText(alert) {
  const [kind, id] = alert.subject.split(":");
  return kind === "agent" ? nameOf(Number(id)) : queueName(Number(id));
}

function valueText(alert) {
  const unit = alert.kind === "low_service_level" ? (v) => percentText(v / 100) : (v) => duration(v); // per cent
  return t("alert_value", { value: unit(alert.value), limit: unit(alert.limit) });
}

function renderAlerts() {
  const alerts = S.view?.alerts || [];
  $("alert-list").replaceChildren(
    ...(alerts.length
      ? alerts.map((a) =>
          h(
            "li",
            { class: `alert ${a.severity}`, "data-testid": `alert-${a.id}`, dataset: { severity: a.severity } },
            h("strong", {}, t(`kind.${a.kind}`)),
            " · ",
            h("span", {}, subjectText(a)),
            a.detail ? h("span", { class: "muted" }, ` (${a.detail})`) : null,
            " · ",
            h("span", {}, valueText(a)),
            " ",
            h("span", { class: "muted" }, t("since", { time: timeFmt.format(new Date(a.raised_at)) })),
            " ",
            a.acknowledged_by
              ? h("span", { class: "muted", "data-testid": `alert-seen-${a.id}` }, t("acknowledged_by", { name: nameOf(a.acknowledged_by) }))
              : h(
                  "button",
                  { type: "button", class: "small", "data-testid": `ack-${a.id}`, onclick: () => command("alert_ack", { alert_id: a.id }) },
                  t("acknowledge"),
                ),
          ),
        )
      : [h("li", { class: "empty" }, t("no_alerts"))]),
  );
}

// alert severity per agent id / queue id, for highlighting rows
function flagged(kind) {
  const found = new Map();
  for (const a of S.view?.alerts || []) {
    const [k, id] = a.subject.split(":");
    if (k !== kind) continue;
    if (found.get(Number(id)) !== "critical") found.set(Number(id), a.severity);
  }
  return found;
}

// ---------------------------------------------------------------------------------- queues
function queueRow(q, name, testid, flags) {
  const a = q.agents || {};
  const today = q.today || {};
  const link = (key, label) =>
    S.meta.links[key] && q.queue_id !== undefined ? h("a", { href: S.meta.links[key].replace("{id}", q.queue_id) }, label) : null;
  const slLow = today.service_level !== null && today.service_level !== undefined && q.sl_target && today.service_level < q.sl_target;
  return h(
    "tr",
    { "data-testid": testid, class: flags ? `flag-${flags}` : "" },
    h("th", { scope: "row" }, name, closedBadge(q, t, `${testid}-closed`, " · ", Date.parse(S.view?.at) || Date.now())),
    h("td", { "data-testid": `${testid}-waiting` }, q.waiting ?? 0),
    h("td", {}, duration(q.longest_wait_s || 0)),
    h("td", {}, a.ready || 0),
    h("td", {}, (a.busy || 0) + (a.ringing || 0)),
    h("td", {}, a.wrap_up || 0),
    h("td", {}, a.paused || 0),
    h("td", { "data-testid": `${testid}-answered` }, today.answered ?? 0),
    h("td", { "data-testid": `${testid}-lost` }, today.lost ?? 0),
    h("td", { class: slLow ? "bad" : "" }, pct(today.service_level), q.sl_target ? h("span", { class: "muted" }, ` / ${percentText(q.sl_target, 0)}`) : null),
    h("td", {}, q.callbacks_waiting ?? 0),
    h(
      "td",
      { class: "links" },
      link("queue_report", t("report")), " ", link("queue_missed", t("missed_calls")), " ",
      link("queue_callbacks", t("callbacks")), " ", link("queue_recordings", t("recordings")),
    ),
  );
}

function renderQueues() {
  const flags = flagged("queue");
  const rows = (S.view?.queues || []).map((q) => queueRow(q, q.name, `queue-${q.queue_id}`, flags.get(q.queue_id)));
  if (S.view?.total) rows.push(queueRow({ ...S.view.total }, t("total"), "queue-total", null));
  $("queue-rows").replaceChildren(...rows);
}

// ---------------------------------------------------------------------------------- campaigns
// RT-03, RT-05: each dialling campaign: its calls in the air, its agents, abandons against the cap
function campaignRow(c) {
  const over = (rate) => rate !== null && rate !== undefined && rate > c.abandon_cap;
  const testid = `campaign-${c.campaign_id}`;
  const pacing = [
    c.risk_threshold !== null && c.risk_threshold !== undefined ? t("pacing.risk", { risk: percentText(c.risk_threshold, 2) }) : null,
    t("pacing.last", { dials: c.last_dials }),
  ].filter(Boolean);
  return h(
    "tr",
    { "data-testid": testid },
    h("th", { scope: "row" }, S.meta.links.campaign ? h("a", { href: S.meta.links.campaign.replace("{id}", c.campaign_id) }, c.name) : c.name,
      c.dialling ? null : h("span", { class: "muted" }, ` · ${t("campaign.paused")}`)),
    h("td", {}, t(`mode.${c.mode}`)),
    h("td", { "data-testid": `${testid}-progress` }, `${c.dealt_with} / ${c.listed}`),
    h("td", { "data-testid": `${testid}-attempts` }, c.attempts_today),
    h("td", { "data-testid": `${testid}-ringing` }, c.ringing),
    h("td", {}, c.waiting),
    h("td", {}, c.agents),
    h("td", {}, c.agents_free),
    h("td", {}, c.agents_talking),
    h("td", { "data-testid": `${testid}-live` }, c.live_today),
    h("td", { "data-testid": `${testid}-abandoned` }, c.abandoned_today),
    h("td", { class: over(c.abandon_rate_today) ? "bad" : "" }, pct(c.abandon_rate_today),
      h("span", { class: "muted" }, ` / ${t("pacing.cap", { cap: percentText(c.abandon_cap, 1) })}`)),
    h("td", { class: over(c.abandon_rate_24h) ? "bad" : "" }, pct(c.abandon_rate_24h)),
    h("td", { class: "muted" }, pacing.join(", ")),
  );
}

function renderCampaigns() {
  const campaigns = S.view?.campaigns || [];
  $("campaigns-card").hidden = !campaigns.length;
  $("campaign-rows").replaceChildren(...campaigns.map(campaignRow));
}

// ---------------------------------------------------------------------------------- agents
function matches(agent) {
  const text = $("f-text").value.trim().toLocaleLowerCase("cs");
  const state = $("f-state").value;
  const group = $("f-group").value;
  const meta = S.meta.agents[String(agent.agent_id)] || {};
  if ($("f-active").checked && agent.state === "logged_out" && state !== "logged_out") return false;
  if (state && agent.state !== state) return false;
  if (group && String(meta.group_id ?? "") !== group) return false;
  if (text && !`${meta.number || ""} ${agent.name}`.toLocaleLowerCase("cs").includes(text)) return false;
  return true;
}

function stateText(agent) {
  const base = t(`state.${agent.state}`);
  if (agent.state !== "paused" || !agent.pause_code) return base;
  return `${base}: ${S.meta.pause_names?.[agent.pause_code] ?? agent.pause_code.toLocaleLowerCase("cs")}`;
}

function callText(agent) {
  const c = agent.call;
  if (!c) return "";
  const queue = c.queue_id ? queueName(c.queue_id) : "";
  return t("call_line", { caller: c.caller || t("none"), queue, time: c.answered_at ? since(c.answered_at) : t(`state.${agent.state}`) });
}

function agentRow(agent, flag) {
  const meta = S.meta.agents[String(agent.agent_id)] || {};
  const today = agent.today || {};
  return h(
    "tr",
    {
      "data-testid": `agent-${agent.agent_id}`,
      class: [flag ? `flag-${flag}` : "", S.chosen === agent.agent_id ? "chosen" : ""].join(" ").trim(),
      tabindex: "0",
      "aria-selected": S.chosen === agent.agent_id ? "true" : "false",
      onclick: () => choose(agent.agent_id),
      onkeydown: (e) => (e.key === "Enter" || e.key === " ") && (e.preventDefault(), choose(agent.agent_id)),
    },
    h("td", {}, meta.number || ""),
    h("td", {}, agent.name),
    h("td", {}, h("span", { class: "state-badge", "data-state": agent.state, "data-testid": `agent-${agent.agent_id}-state` }, stateText(agent))),
    h("td", { class: "timer", dataset: { since: agent.since || "" } }, since(agent.since)),
    h("td", {}, callText(agent)),
    h("td", {}, (agent.queues || []).map(queueName).join(", ")),
    h("td", {}, today.handled || 0),
    h("td", {}, today.missed || 0),
  );
}

// rows are rebuilt only for agents whose data changed: 150 agents pushed four times a second
const rows = new Map(); // agent id -> {sig, row}

function cachedRow(agent, flag) {
  const sig = `${JSON.stringify(agent)}|${flag || ""}|${S.chosen === agent.agent_id}`;
  const kept = rows.get(agent.agent_id);
  if (kept && kept.sig === sig) return kept.row;
  const row = agentRow(agent, flag);
  rows.set(agent.agent_id, { sig, row });
  return row;
}

function renderAgents() {
  const flags = flagged("agent");
  const byGroup = new Map();
  for (const agent of S.view?.agents || []) {
    if (!matches(agent)) continue;
    const meta = S.meta.agents[String(agent.agent_id)] || {};
    const key = meta.group || t("no_group");
    if (!byGroup.has(key)) byGroup.set(key, []);
    byGroup.get(key).push(agent);
  }
  const head = () =>
    h("thead", {}, h("tr", {}, ...[
      "number", "name", "state", "in_state", "call", "queues", "handled", "missed",
    ].map((k) => h("th", { scope: "col" }, t(`col.${k}`)))));
  const sections = [...byGroup.entries()]
    .sort((a, b) => a[0].localeCompare(b[0], "cs"))
    .map(([group, agents]) =>
      h(
        "section",
        { class: "agent-group", "data-testid": `group-${group}` },
        h("h3", {}, group, h("span", { class: "muted" }, ` (${agents.length})`)),
        h(
          "table",
          { class: "grid compact agents" },
          head(),
          h("tbody", {}, ...agents.sort((a, b) => a.name.localeCompare(b.name, "cs")).map((a) => cachedRow(a, flags.get(a.agent_id)))),
        ),
      ),
    );
  $("agent-groups").replaceChildren(...(sections.length ? sections : [h("p", { class: "empty" }, t("no_agents"))]));
}

// ---------------------------------------------------------------------------------- the chosen agent
function choose(agentId) {
  S.chosen = agentId;
  renderAgents();
  renderDetail(true);
}

function renderDetail(fresh = false) {
  const agent = S.chosen === null ? null : agentOf(S.chosen);
  $("d-empty").hidden = Boolean(agent);
  $("d-body").hidden = !agent;
  if (!agent) return;
  const meta = S.meta.agents[String(agent.agent_id)] || {};
  $("d-name").textContent = agent.name;
  $("d-number").textContent = meta.number || "";
  const badge = $("d-state");
  badge.textContent = stateText(agent);
  badge.dataset.state = agent.state;
  $("d-since").textContent = agent.since ? since(agent.since) : "";
  $("d-call").textContent = callText(agent);
  $("d-today").textContent = t("calls_today", { handled: agent.today?.handled || 0, missed: agent.today?.missed || 0 });
  const call = agent.call;
  const answered = Boolean(call && call.answered_at);
  const mine = call?.monitors?.[String(S.me)] || "";
  for (const button of $("d-monitor").querySelectorAll("button[data-mode]")) {
    button.disabled = !answered || mine === button.dataset.mode;
    button.setAttribute("aria-pressed", mine === button.dataset.mode ? "true" : "false");
  }
  $("btn-leave").disabled = !mine;
  $("d-monitoring").textContent = mine ? t("monitoring", { mode: t(`monitor.${mine}`) }) : "";
  const loggedOut = agent.state === "logged_out";
  $("btn-force-log-out").disabled = loggedOut;
  $("d-pause-form").querySelector("button[type=submit]").disabled = loggedOut;
  for (const [id, key] of [["d-history", "agent_calls"], ["d-report", "agent_report"], ["d-recordings", "agent_recordings"]]) {
    const anchor = $(id);
    anchor.hidden = !S.meta.links[key];
    if (S.meta.links[key]) anchor.href = S.meta.links[key].replace("{id}", agent.agent_id);
  }
  // the queue checkboxes: rebuilt when another agent is chosen, else only their state follows
  const box = $("d-queues");
  if (fresh || box.dataset.agent !== String(agent.agent_id)) {
    box.dataset.agent = String(agent.agent_id);
    box.replaceChildren(
      ...S.meta.queues.map((q) =>
        h(
          "label",
          { class: "check" },
          h("input", {
            type: "checkbox",
            value: q.id,
            "data-testid": `d-queue-${q.id}`,
            onchange: (e) => command(e.target.checked ? "sign_in" : "sign_out", { agent_id: agent.agent_id, queue_id: q.id }),
          }),
          ` ${q.name}`,
        ),
      ),
    );
  }
  for (const input of box.querySelectorAll("input")) {
    input.checked = (agent.queues || []).includes(Number(input.value));
    input.disabled = loggedOut;
  }
}

$("d-monitor").addEventListener("click", (event) => {
  const mode = event.target.closest("button[data-mode]")?.dataset.mode;
  const call = agentOf(S.chosen)?.call;
  if (mode && call) command("monitor", { call_id: call.call_id, mode });
});
$("btn-leave").addEventListener("click", () => {
  const call = agentOf(S.chosen)?.call;
  if (call) command("stop_monitor", { call_id: call.call_id });
});
$("d-pause-form").addEventListener("submit", (event) => {
  event.preventDefault();
  if (S.chosen !== null) command("force_pause", { agent_id: S.chosen, code: $("d-pause-code").value });
});
$("btn-force-log-out").addEventListener("click", () => {
  if (S.chosen !== null) command("force_log_out", { agent_id: S.chosen });
});
for (const id of ["f-text", "f-state", "f-group", "f-active"]) $(id).addEventListener("input", renderAgents);

// ---------------------------------------------------------------------------------- engine
// The engine's heartbeat comes with every view (GEN-03): a part failing (the journal waiting for
// the database, the bus, recordings…) is said in words while the calls go on.
function renderEngine() {
  const problems = Object.keys(S.view?.engine?.problems || {}).sort();
  const banner = $("sup-engine");
  banner.hidden = problems.length === 0;
  const words = problems.map((p) => t(`part.${p}`)).join(", ");
  banner.textContent = problems.includes("pbx") ? t("pbx_down") : problems.length ? t("engine_problems", { parts: words }) : "";
}

// ---------------------------------------------------------------------------------- live
function apply(message) {
  if (message.error) {
    say(message.error, "error");
    return;
  }
  if (!message.live) return;
  S.view = message.live;
  if (drawing) return; // a burst of views: only the newest is drawn
  drawing = true;
  setTimeout(() => {
    drawing = false;
    $("sup-updated").textContent = t("updated", { time: timeFmt.format(new Date(S.view.at)) });
    root.dataset.updatedAt = S.view.at;
    renderEngine();
    renderAlerts();
    renderQueues();
    renderCampaigns();
    renderAgents();
    renderDetail();
  }, 50);
}
let drawing = false;

setInterval(() => {
  for (const cell of document.querySelectorAll("[data-since]")) {
    if (cell.dataset.since) cell.textContent = since(cell.dataset.since);
  }
  const agent = S.chosen === null ? null : agentOf(S.chosen);
  if (agent) $("d-since").textContent = since(agent.since);
}, 1000);

async function start() {
  const result = await api("GET", root.dataset.stateUrl);
  if (result.ok) {
    S.meta = result.data;
    S.me = result.data.me;
    S.skew = Date.parse(result.data.server_time) - Date.now();
    $("d-pause-code").replaceChildren(...S.meta.pause_codes.map((p) => h("option", { value: p.code }, p.name)));
    $("f-group").append(...S.meta.groups.map((g) => h("option", { value: g.id }, g.name)));
  } else {
    say(refusal(result), "error");
  }
  liveSocket(root.dataset.socketUrl, apply, (connected) => {
    $("sup-offline").hidden = connected;
    root.dataset.connected = connected ? "true" : "false";
  });
  root.dataset.ready = "true";
}

start();
