/* "Report": a small inline form that flags an ask, a message or a member for moderators.
 * Nobody is told who reported. */

import { api, explain } from "./api.js";
import { el } from "./dom.js";

const REASONS = [["spam", "Spam or advertising"], ["harassment", "Harassment"],
  ["unsafe", "Something unsafe"], ["off_topic", "Not an ask for help"], ["other", "Something else"]];

export function reportButton(targetType, targetId) {
  const wrap = el("span", { class: "report" });
  const open = el("button", { type: "button", class: "link" }, "Report");
  open.addEventListener("click", () => {
    const reason = el("select", { name: "reason", "aria-label": "What's wrong" },
      ...REASONS.map(([value, label]) => el("option", { value }, label)));
    const note = el("input", { name: "note", maxlength: "500", placeholder: "Anything moderators should know (optional)", "aria-label": "Note" });
    const form = el("form", { class: "report-form" }, reason, note,
      el("button", { type: "submit" }, "Send to moderators"),
      el("button", { type: "button", class: "link", onclick: () => form.replaceWith(open) }, "Never mind"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const r = await api("POST", "/flags", { target_type: targetType, target_id: targetId, reason: reason.value, note: note.value });
      form.replaceWith(el("span", { class: "meta" }, r.ok
        ? "Thank you for telling us. A moderator will look at it; nobody is told who reported."
        : explain(r.data)));
    });
    open.replaceWith(form);
  });
  wrap.append(open);
  return wrap;
}
