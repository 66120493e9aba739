/* The review queue, community health and the audit log, for moderators. A new flag
 * (mod.flagged, through the live feed) reloads the queue and redraws the health charts; the
 * charts also redraw every minute, and say when they were drawn. Every action goes through the
 * moderation API and is audited; hiding and suspending ask once more in the page. */

import { api, explain, fieldErrors } from "../api.js";
import { byId, clearErrors, el, fieldNote, refreshEmpty, showErrors } from "../dom.js";
import { confirmStep, haveReason, reasonField } from "../confirm.js";
import { Feed, liveStream } from "../live.js";

const KIND_OF = { ask: "Ask", message: "Message", member: "Member" };
const REFRESH_MS = 60000;

function targetText(item) {
  const t = item.target || {};
  if (item.target_type === "ask") return `“${t.title}” by ${t.author ? t.author.display_name : "?"}`;
  if (item.target_type === "message") return `“${t.body}” by ${t.author ? t.author.display_name : "?"}`;
  return `${t.display_name} (@${t.handle})${t.bio ? ": " + t.bio : ""}`;
}

function authorOf(item) {
  const t = item.target || {};
  return item.target_type === "member" ? t : t.author;
}

/* A link to the moderators' view of a member. */
export function memberLink(p, text) {
  return el("a", { href: `/moderate/members/${encodeURIComponent(p.handle)}` }, text || `${p.display_name} (@${p.handle})`);
}

export class Moderation {
  constructor(root) {
    this.root = root;
    this.queue = byId("queue");
    this.feed = new Feed(Number(root.dataset.since) || 0, Number(root.dataset.sinceSeq) || 0,
      (kind) => {
        if (kind !== "mod.flagged") return;
        this.loadQueue();
        this.loadHealth();
      });
    this.audit = new AuditLog(byId("audit-filters"), byId("audit"), byId("audit-more"));
  }

  async start() {
    refreshEmpty(this.queue);
    await Promise.all([this.loadQueue(), this.loadHealth(), this.audit.start()]);
    this.socket = liveStream(this.feed);
    this.timer = setInterval(() => this.loadHealth(), REFRESH_MS);
  }

  async loadQueue() {
    const r = await api("GET", "/mod/flags?status=open");
    if (!r.ok) return;
    this.queue.replaceChildren();
    r.data.items.forEach((item) => this.queue.append(this.card(item)));
    refreshEmpty(this.queue);
  }

  card(item) {
    const li = el("li", { "data-target": `${item.target_type}:${item.target_id}` });
    li.append(el("strong", {}, `${KIND_OF[item.target_type]}: `), targetText(item));
    const h = item.author_history || {};
    li.append(el("div", { class: "meta" },
      `${reports(item.flags.length)}${item.hidden ? " · hidden pending review" : ""} · ` +
      `${h.recent_asks || 0} asks in 30 days · ${h.upheld_flags || 0} earlier upheld flags` +
      `${item.claimed_by ? " · " + item.claimed_by.display_name + " is reviewing" : ""}`));
    li.append(el("ul", { class: "flags" }, ...item.flags.map((f) => el("li", {},
      `${f.reason}${f.note ? ": " + f.note : ""} — ${f.flagger ? f.flagger.display_name : "someone"}`))));
    const author = authorOf(item);
    if (author && author.handle) {
      li.append(el("p", { class: "meta" }, memberLink(author, `Everything about ${author.display_name}`)));
    }
    this.actions(li, item);
    return li;
  }

  /* Claim, dismiss, hide, warn or suspend: the first flag stands for the target's group.
   * Hide and Suspend open a confirmation ("Yes, hide it", "Yes, suspend for 7 days"). */
  actions(li, item) {
    const flagId = item.flags[0].id;
    const { label, input: reason } = reasonField();
    const days = el("input", { name: "days", type: "number", min: "1", max: "365", value: "7", "aria-label": "Days" });
    const status = el("span", { class: "status", role: "status" });
    const act = async (action) => {
      clearErrors(li);
      status.textContent = "";
      if (!haveReason(reason)) return false;
      const body = { action, reason: reason.value };
      if (action === "suspend") body.days = Number(days.value);
      const r = await api("POST", `/mod/flags/${flagId}/resolve`, body);
      if (r.ok) {
        li.remove();
        refreshEmpty(this.queue);
        this.loadHealth();
        this.audit.load();
        return true;
      }
      // A note beside the reason or the days when it is about them; anything else beside the buttons.
      let placed = false;
      for (const { path, messages } of fieldErrors(r.data)) {
        const input = { reason, days }[path[0]];
        if (!input) continue;
        fieldNote(input, Array.from(new Set(messages)).join(" "));
        input.focus();
        placed = true;
      }
      status.textContent = placed ? "" : explain(r.data);
      return false;
    };
    const claim = el("button", { type: "button", class: "secondary" }, "I'll take this");
    claim.addEventListener("click", async () => {
      const r = await api("POST", `/mod/flags/${flagId}/claim`);
      status.textContent = r.ok ? "It's yours for the next 15 minutes." : explain(r.data);
    });
    const plain = (text, action, secondary) => el("button", { type: "button", class: secondary ? "secondary" : "", onclick: () => act(action) }, text);
    const what = { ask: "this ask", message: "this message", member: "this member's profile" }[item.target_type];
    const who = (authorOf(item) || {}).display_name || "the member";
    const hide = el("button", { type: "button", class: "hide" }, "Hide");
    hide.addEventListener("click", () => {
      if (!haveReason(reason)) return;
      confirmStep(hide, {
        question: `Hide ${what} from other members? ${who} will be told, with your reason. You can restore it later.`,
        yes: "Yes, hide it", onYes: () => act("hide") });
    });
    const suspend = el("button", { type: "button", class: "suspend" }, "Suspend");
    suspend.addEventListener("click", () => {
      if (!haveReason(reason)) return;
      const n = Number(days.value) || 0;
      confirmStep(suspend, {
        question: `Suspend ${who} for ${n === 1 ? "1 day" : `${n} days`}? They can't ask or help until then, and their open asks are hidden meanwhile.`,
        yes: `Yes, suspend for ${n === 1 ? "1 day" : `${n} days`}`, onYes: () => act("suspend") });
    });
    li.append(el("div", { class: "reason-row" }, label, reason),
      el("div", { class: "actions" }, claim, plain("Dismiss", "dismiss", true), plain("Warn", "warn", true), hide),
      el("div", { class: "actions heavy" }, el("span", {}, "Or, for something serious: suspend for"), days,
        el("span", {}, "days"), suspend),
      status);
  }

  async loadHealth() {
    const [charts, figures] = await Promise.all([api("GET", "/mod/health/charts?weeks=8"), api("GET", "/mod/health?weeks=8")]);
    const box = byId("health");
    if (!charts.ok || !figures.ok) { box.textContent = explain((charts.ok ? figures : charts).data); return; }
    drawCharts(byId("health-charts"), charts.data.charts);
    box.replaceChildren(...health(figures.data));
    box.classList.remove("quiet");
    updated(byId("health-updated"), charts.data.generated_at);
  }
}

/* Each chart is server-drawn SVG (web/charts.py): parsed as an SVG document, never as HTML. */
export function drawCharts(holder, charts) {
  holder.replaceChildren(...charts.map((c) => {
    const svg = new DOMParser().parseFromString(c.svg, "image/svg+xml").documentElement;
    return el("figure", { class: "chart-box small", "data-chart": c.name },
      el("figcaption", {}, el("strong", {}, c.title), ` · ${c.summary}`), document.importNode(svg, true));
  }));
}

function updated(p, iso) {
  const when = new Date(iso);
  const time = el("time", { datetime: iso }, when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" }));
  p.replaceChildren("Updated at ", time, ". These refresh by themselves every minute and whenever a flag comes in.");
  p.dataset.at = iso;
}

/* --- the audit log: filters, newest first, older on request --------------------------------- */

const DONE = {
  dismiss: "dismissed the flags on", hide: "hid",
  restore: "restored", warn: "warned about", suspend: "suspended", ban: "banned", reinstate: "reinstated",
  set_role: "changed the role of", reverse_transfer: "reversed",
};

export function auditLine(e) {
  const who = e.actor ? e.actor.display_name : "The exchange";
  const li = el("li", { "data-entry": String(e.id), "data-action": e.action });
  li.append(el("span", { class: "when" }, new Date(e.created_at).toLocaleString([], { dateStyle: "medium", timeStyle: "short" })), " ");
  const target = e.target_type === "member" && e.about ? `${e.about.display_name} (@${e.about.handle})`
    : e.target_type === "ask" ? el("a", { href: `/asks/${e.target_id}` }, `ask #${e.target_id}`)
      : `${e.target_type} #${e.target_id}`;
  if (e.action === "auto_hide") li.append(target, " was hidden automatically after enough flags");
  else li.append(`${who} ${DONE[e.action] || e.action} `, target);
  if (e.about && e.target_type !== "member") li.append(" by ", memberLink(e.about, e.about.display_name));
  else if (e.about) li.append(" · ", memberLink(e.about, "their page"));
  if (e.data && e.data.days) li.append(` for ${e.data.days} days`);
  li.append(el("div", { class: "meta" }, e.reason ? `Reason: ${e.reason}` : "No reason was given."));
  return li;
}

export class AuditLog {
  constructor(form, list, more) {
    this.form = form;
    this.list = list;
    this.more = more;
    this.next = null;
    form.addEventListener("submit", (e) => { e.preventDefault(); this.load(); });
    more.addEventListener("click", () => this.load(this.next));
  }

  async start() {
    // /moderate?member=robin#audit (from a member's page) opens the log filtered.
    const params = new URLSearchParams(location.search);
    for (const name of ["action", "actor", "member", "since", "until"]) {
      if (params.get(name)) this.form.elements.namedItem(name).value = params.get(name);
    }
    await this.load();
  }

  query(cursor) {
    const q = new URLSearchParams({ limit: this.form.dataset.limit || "20" });
    for (const name of ["action", "actor", "member", "since", "until"]) {
      const value = this.form.elements.namedItem(name).value.trim();
      if (value) q.set(name, value);
    }
    if (cursor) q.set("cursor", String(cursor));
    return q.toString();
  }

  async load(cursor) {
    clearErrors(this.form);
    const r = await api("GET", `/mod/audit?${this.query(cursor)}`);
    if (!r.ok) {
      showErrors(this.form, r.data);
      return;
    }
    if (!cursor) this.list.replaceChildren();
    r.data.items.forEach((e) => this.list.append(auditLine(e)));
    refreshEmpty(this.list);
    this.next = r.data.next_cursor;
    this.more.hidden = !this.next;
    this.list.dataset.loaded = String(Date.now());
  }
}

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

function reports(n) {
  return n === 1 ? "1 report" : `${n} reports`;
}

/* A table wider than a phone scrolls sideways inside its own box, not the page: the box is a
 * region named by the table's heading and can be focused, so it scrolls from the keyboard too. */
function table(id, head, rows) {
  return el("div", { class: "table-scroll", role: "region", "aria-labelledby": id, tabindex: "0" },
    el("table", {},
      el("thead", {}, el("tr", {}, ...head.map((c) => el("th", { scope: "col" }, c)))),
      el("tbody", {}, ...rows.map((row) => el("tr", {}, ...row.map((c) => el("td", {}, String(c))))))));
}

/* The figures behind the charts: the medians, asks waiting by age, helpers by skill and weekday. Columns go by
 * WEEKDAYS, Monday first, never by the order the JSON keys arrive in (alphabetical). */
function health(h) {
  const minutes = (s) => (s === null || s === undefined ? "not enough asks yet" : `${Math.round(s / 60)} min`);
  return [
    el("p", {}, `Median time to a first offer: ${minutes(h.median_seconds_to_first_offer)}; to a match: ${minutes(h.median_seconds_to_match)}.`),
    el("h3", { id: "waiting-h" }, "Asks waiting for a helper, by how long"),
    h.waiting.length ? table("waiting-h", ["tag", "waiting", "< 1 h", "1 h – 1 d", "1 d – 1 w", "> 1 w"],
      h.waiting.map((w) => [w.tag, w.asks, w.under_1h, w.from_1h_to_1d, w.from_1d_to_1w, w.over_1w]))
      : el("p", {}, "No ask is waiting."),
    el("h3", { id: "supply-h" }, "Helpers by skill and weekday"),
    h.supply.length ? table("supply-h", ["skill", "helpers", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
      h.supply.map((x) => [x.skill, x.helpers, ...WEEKDAYS.map((day) => x.by_weekday[day])]))
      : el("p", {}, "Nobody has listed a skill yet."),
  ];
}

export function start() {
  new Moderation(byId("moderate")).start();
}
