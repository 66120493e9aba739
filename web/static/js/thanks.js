/* Thanks for a confirmed ask, as its asker sees them: a form asking for the words and the
 * difference it made, or — once sent — the words themselves, so the form never comes back. */

import { api, explain } from "./api.js";
import { el } from "./dom.js";

export function thanksBox(ask) {
  if (ask.thanks) return sentThanks(ask.thanks);
  const id = (name) => `thanks-${name}-${ask.id}`;
  const message = el("input", { id: id("message"), name: "message", maxlength: "2000", required: "" });
  const impact = el("textarea", { id: id("impact"), name: "impact", maxlength: "2000", rows: "2" });
  const status = el("p", { class: "meta", role: "status" });
  const form = el("form", { class: "thanks" },
    el("label", { for: id("message") }, `A few words of thanks for ${ask.helper ? ask.helper.display_name : "your helper"}`),
    message,
    el("label", { for: id("impact") }, "What difference did it make? (optional — helpers love to know)"),
    impact,
    el("button", { type: "submit" }, "Send thanks"), status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const r = await api("POST", `/asks/${ask.id}/thanks`, { message: message.value, impact: impact.value });
    if (r.ok) form.replaceWith(sentThanks(r.data, "Thanks sent. That will mean a lot."));
    else status.textContent = explain(r.data);
  });
  return form;
}

function sentThanks(thanks, lead = "You sent thanks:") {
  return el("div", { class: "thanks-sent" },
    el("p", { class: "meta" }, lead),
    el("blockquote", {}, thanks.message),
    thanks.impact ? el("p", { class: "meta" }, `The difference it made: ${thanks.impact}`) : null);
}
