/* The review queue and community health, for moderators. A new flag (mod.flagged, through the
 * live feed) reloads the queue; every action goes through the moderation API and is audited. */

import { api, explain, fieldErrors } from "../api.js";
import { byId, clearErrors, el, fieldNote, refreshEmpty } from "../dom.js";
import { Feed, liveStream } from "../live.js";

const KIND_OF = { ask: "Ask", message: "Message", member: "Member" };

function targetText(item) {
  const t = item.target || {};
  if (item.target_type === "ask") return `“${t.title}” by ${t.author ? t.author.display_name : "?"}`;
  if (item.target_type === "message") return `“${t.body}” by ${t.author ? t.author.display_name : "?"}`;
  return `${t.display_name} (@${t.handle})${t.bio ? ": " + t.bio : ""}`;
}

export class Moderation {
  constructor(root) {
    this.root = root;
    this.queue = byId("queue");
    this.feed = new Feed(Number(root.dataset.since) || 0, Number(root.dataset.sinceSeq) || 0,
      (kind) => { if (kind === "mod.flagged") this.loadQueue(); });
  }

  async start() {
    refreshEmpty(this.queue);
    await Promise.all([this.loadQueue(), this.loadHealth()]);
    this.socket = liveStream(this.feed);
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
    this.actions(li, item.flags[0].id);
    return li;
  }

  /* Claim, dismiss, hide, warn or suspend: the first flag stands for the target's group. */
  actions(li, flagId) {
    const reason = el("input", { name: "reason", maxlength: "500", placeholder: "Reason (the member may read it)", "aria-label": "Reason" });
    const days = el("input", { name: "days", type: "number", min: "1", max: "365", value: "7", "aria-label": "Days" });
    const status = el("span", { class: "status", role: "status" });
    const act = (action) => async () => {
      const body = { action, reason: reason.value };
      if (action === "suspend") body.days = Number(days.value);
      const r = await api("POST", `/mod/flags/${flagId}/resolve`, body);
      if (r.ok) {
        li.remove();
        refreshEmpty(this.queue);
        return;
      }
      // A note beside the reason or the days when it is about them; anything else beside the buttons.
      clearErrors(li);
      let placed = false;
      for (const { path, messages } of fieldErrors(r.data)) {
        const input = { reason, days }[path[0]];
        if (!input) continue;
        fieldNote(input, Array.from(new Set(messages)).join(" "));
        placed = true;
      }
      status.textContent = placed ? "" : explain(r.data);
    };
    const claim = el("button", { type: "button", class: "secondary" }, "I'll take this");
    claim.addEventListener("click", async () => {
      const r = await api("POST", `/mod/flags/${flagId}/claim`);
      status.textContent = r.ok ? "It's yours for the next 15 minutes." : explain(r.data);
    });
    const button = (label, action, secondary) => el("button", { type: "button", class: secondary ? "secondary" : "", onclick: act(action) }, label);
    // Suspending is the heavy one: a second press, on a button that says what it will do.
    const suspend = el("button", { type: "button", class: "suspend" }, "Suspend");
    suspend.addEventListener("click", () => {
      if (suspend.dataset.sure) return act("suspend")();
      suspend.dataset.sure = "true";
      suspend.textContent = `Yes, suspend for ${days.value} days`;
      status.textContent = "Suspending stops them asking and helping for that long. Press again to confirm.";
    });
    li.append(el("div", { class: "actions" }, reason),
      el("div", { class: "actions" }, claim, button("Dismiss", "dismiss", true), button("Hide", "hide"),
        button("Warn", "warn"), el("span", {}, "or suspend for"), days, el("span", {}, "days"),
        suspend, status));
  }

  async loadHealth() {
    const r = await api("GET", "/mod/health?weeks=8");
    const box = byId("health");
    if (!r.ok) { box.textContent = explain(r.data); return; }
    box.replaceChildren(...health(r.data));
    box.classList.remove("quiet");
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

function health(h) {
  const minutes = (s) => (s === null || s === undefined ? "—" : `${Math.round(s / 60)} min`);
  return [
    el("p", {}, `Median time to a first offer: ${minutes(h.median_seconds_to_first_offer)}; to a match: ${minutes(h.median_seconds_to_match)}.`),
    el("h3", { id: "waiting-h" }, "Asks waiting for a helper"),
    h.waiting.length ? table("waiting-h", ["tag", "waiting", "< 1 h", "1 h – 1 d", "1 d – 1 w", "> 1 w"],
      h.waiting.map((w) => [w.tag, w.asks, w.under_1h, w.from_1h_to_1d, w.from_1d_to_1w, w.over_1w]))
      : el("p", {}, "No ask is waiting."),
    el("h3", { id: "supply-h" }, "Helpers by skill and weekday"),
    h.supply.length ? table("supply-h", ["skill", "helpers", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
      h.supply.map((x) => [x.skill, x.helpers, ...WEEKDAYS.map((day) => x.by_weekday[day])]))
      : el("p", {}, "Nobody has listed a skill yet."),
    el("h3", { id: "flags-h" }, "Flags per week"),
    table("flags-h", ["week of", "flags"], h.flags_per_week.map((w) => [w.week_start, w.flags])),
  ];
}

export function start() {
  new Moderation(byId("moderate")).start();
}
