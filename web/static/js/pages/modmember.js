/* One member as moderators see them (/moderate/members/<handle>): their asks with states, the
 * flags about them or what they wrote, earlier moderation, their trust level — and warn, hide,
 * restore, suspend or reinstate, each with the one required reason at the top. Hiding and
 * suspending ask once more in the page ("Yes, hide it", "Yes, suspend for 7 days"). */

import { api, explain, fieldErrors } from "../api.js";
import { byId, clearErrors, el, fieldNote, refreshEmpty } from "../dom.js";
import { confirmStep, haveReason, reasonField } from "../confirm.js";
import { auditLine } from "./moderate.js";

const STATES = { open: "waiting for a helper", matched: "being helped", delivered: "helped, waiting to be confirmed",
  confirmed: "done", cancelled: "cancelled", expired: "expired" };
const ON = { ask: "an ask", message: "a message", member: "them" };

function day(iso) {
  return new Date(iso).toLocaleDateString([], { dateStyle: "medium" });
}

export function facts(m) {
  const status = m.status === "suspended" && m.suspended_until
    ? `suspended until ${day(m.suspended_until)}` : m.status;
  const level = m.trust_level === 0 ? "trust level 0 (new, or no exchange confirmed yet)" : `trust level ${m.trust_level} of 3`;
  return `${m.role[0].toUpperCase()}${m.role.slice(1)} · ${status} · ${level} · joined ${day(m.created_at)}` +
    (m.hidden ? " · profile hidden" : "");
}

class MemberView {
  constructor(root) {
    this.root = root;
    this.handle = root.dataset.handle;
    const { label, input } = reasonField();
    this.reason = input;
    byId("act-reason").append(label, input);
    this.days = el("input", { name: "days", type: "number", min: "1", max: "365", value: "7", "aria-label": "Days" });
    this.status = byId("act-status");
  }

  async load() {
    const r = await api("GET", `/mod/members/${encodeURIComponent(this.handle)}`);
    if (!r.ok) {
      byId("name").textContent = r.status === 404 ? "We couldn't find that member." : explain(r.data);
      return;
    }
    const v = r.data;
    this.view = v;
    byId("name").textContent = `${v.member.display_name} (@${v.member.handle})`;
    byId("facts").textContent = facts(v.member);
    this.buttons(v);
    const asks = byId("asks");
    asks.replaceChildren(...v.asks.map((a) => this.ask(a, v.may)));
    refreshEmpty(asks);
    const flags = byId("flags");
    flags.replaceChildren(...v.flags.map((f) => el("li", { "data-flag": String(f.id) },
      el("strong", {}, f.reason.replace("_", " ")), ` about ${ON[f.target_type]}`,
      f.target_type === "ask" ? el("a", { href: `/asks/${f.target_id}` }, ` #${f.target_id}`) : "",
      f.note ? `: “${f.note}”` : "",
      el("div", { class: "meta" }, `${f.status} · from ${f.flagger ? f.flagger.display_name : "someone"} · ${day(f.created_at)}`))));
    refreshEmpty(flags);
    const history = byId("history");
    history.replaceChildren(...v.actions.map(auditLine));
    refreshEmpty(history);
    this.root.dataset.ready = "true";
  }

  ask(a, may) {
    const li = el("li", { "data-ask": String(a.id), "data-state": a.status },
      el("a", { href: `/asks/${a.id}` }, a.title),
      el("div", { class: "meta" }, `${STATES[a.status] || a.status}${a.hidden ? " · hidden from other members" : ""} · ${day(a.created_at)}`));
    const row = el("div", { class: "actions" });
    if (a.hidden && may.includes("restore")) {
      row.append(el("button", { type: "button", class: "secondary", onclick: () => this.send(`/mod/asks/${a.id}/restore`) }, "Restore"));
    } else if (!a.hidden && may.includes("hide")) {
      const hide = el("button", { type: "button", class: "hide" }, "Hide");
      hide.addEventListener("click", () => {
        if (!haveReason(this.reason)) return;
        confirmStep(hide, { question: `Hide “${a.title}” from other members? ${this.view.member.display_name} will be told, with your reason. You can restore it later.`,
          yes: "Yes, hide it", onYes: () => this.send(`/mod/asks/${a.id}/hide`) });
      });
      row.append(hide);
    }
    if (row.childElementCount) li.append(row);
    return li;
  }

  buttons(v) {
    const may = v.may;
    const box = byId("act-buttons");
    box.replaceChildren();
    byId("act").hidden = may.length === 0;
    const h = `/mod/members/${encodeURIComponent(this.handle)}`;
    if (may.includes("warn")) box.append(el("button", { type: "button", class: "secondary", onclick: () => this.send(`${h}/warn`) }, "Warn"));
    if (["suspended", "banned"].includes(v.member.status) && may.includes("reinstate")) {
      box.append(el("button", { type: "button", class: "secondary", onclick: () => this.send(`${h}/reinstate`) }, "Reinstate"));
    } else if (v.member.status === "active" && may.includes("suspend")) {
      const suspend = el("button", { type: "button", class: "suspend" }, "Suspend");
      suspend.addEventListener("click", () => {
        if (!haveReason(this.reason)) return;
        const n = Number(this.days.value) || 0;
        const span = n === 1 ? "1 day" : `${n} days`;
        confirmStep(suspend, { question: `Suspend ${v.member.display_name} for ${span}? They can't ask or help until then, and their open asks are hidden meanwhile.`,
          yes: `Yes, suspend for ${span}`, onYes: () => this.send(`${h}/suspend`, { days: n }) });
      });
      box.append(el("span", { class: "heavy" }, "Suspend for ", this.days, " days ", suspend));
    }
  }

  async send(path, extra = {}) {
    clearErrors(this.root);
    this.status.textContent = "";
    if (!haveReason(this.reason)) return false;
    const r = await api("POST", path, { reason: this.reason.value, ...extra });
    if (r.ok) {
      this.reason.value = "";
      await this.load();
      this.status.textContent = "Done. It's in the audit log.";
      return true;
    }
    let placed = false;
    for (const { path: where, messages } of fieldErrors(r.data)) {
      const input = { reason: this.reason, days: this.days }[where[0]];
      if (!input) continue;
      fieldNote(input, Array.from(new Set(messages)).join(" "));
      input.focus();
      placed = true;
    }
    if (!placed) this.status.textContent = explain(r.data);
    return false;
  }
}

export function start() {
  new MemberView(byId("modmember")).load();
}
