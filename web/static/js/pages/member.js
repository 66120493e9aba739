/* A member's public profile: both sides of what they exchanged, their thanks, and — on anyone
 * else's — a quiet block and a report. An unknown or blocking member is simply not found. */

import { api, explain } from "../api.js";
import { byId, el, refreshEmpty } from "../dom.js";
import { reportButton } from "../report.js";

export async function start() {
  const root = byId("member");
  const r = await api("GET", `/members/${encodeURIComponent(root.dataset.handle)}`);
  if (!r.ok) {
    byId("name").textContent = r.status === 404 ? "We couldn't find that member." : explain(r.data);
    return;
  }
  const m = r.data;
  byId("name").textContent = `${m.display_name} (@${m.handle})`;
  byId("bio").textContent = m.bio || "";
  byId("both-sides").textContent = bothSides(m);
  byId("skills").textContent = m.skills.length ? `Happy to help with: ${m.skills.join(", ")}` : "";
  const list = byId("thanks");
  m.thanks_received.forEach((t) => list.append(el("li", {},
    el("blockquote", {}, t.message),
    t.impact ? el("p", { class: "meta" }, `The difference it made: ${t.impact}`) : null,
    el("span", { class: "when" }, `— ${t.from_display_name || t.from_handle}`))));
  refreshEmpty(list);
  if (m.handle !== root.dataset.me) safetyActions(byId("safety"), m);
}

/* Given and received in words: "not yet" rather than "0 minutes (0 times)". */
export function bothSides(m) {
  const times = (n) => (n === 1 ? "once" : `${n} times`);
  const given = m.helps_given
    ? `Has given ${m.given_minutes} minutes of help (${times(m.helps_given)})`
    : "Hasn't given help yet";
  const received = m.asks_received
    ? `received ${m.received_minutes} minutes (${times(m.asks_received)})`
    : "hasn't received help yet";
  return `${given} and ${received}. Both sides count here.`;
}

/* Blocking is private and quiet; reporting goes to moderators. Both are always one click. */
function safetyActions(box, m) {
  const status = el("span", { class: "meta", role: "status" });
  const block = el("button", { type: "button", class: "secondary" }, `Block ${m.display_name}`);
  block.addEventListener("click", async () => {
    const r = await api("POST", `/members/${encodeURIComponent(m.handle)}/block`);
    block.disabled = r.ok;
    status.textContent = r.ok
      ? "Blocked. They aren't told; you won't see each other's asks or be matched."
      : explain(r.data);
  });
  box.append(block, reportButton("member", m.id), status);
  box.hidden = false;
}
