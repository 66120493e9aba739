/* An ask's conversation, folded under its card; new messages arrive live (message.new).
 * `me` is the signed-in member's handle: their own messages say "You". */

import { api, explain } from "./api.js";
import { el } from "./dom.js";
import { reportButton } from "./report.js";

export function conversation(li, ask, me) {
  const thread = el("ul", { class: "thread", hidden: "" });
  const body = el("input", { name: "body", maxlength: "2000", placeholder: "Write a message", "aria-label": "Message" });
  const form = el("form", { class: "say", hidden: "" }, body, el("button", { type: "submit" }, "Send"));
  const toggle = el("button", { type: "button", class: "link talk" }, "Messages");
  toggle.addEventListener("click", async () => {
    const opening = thread.hidden;
    thread.hidden = form.hidden = !opening;
    if (!opening) return;
    const r = await api("GET", `/asks/${ask.id}/messages`);
    // A message pushed while the list was loading is already in the thread and may be newer
    // than what the list read: keep it after the list instead of wiping it.
    const arrived = [...thread.querySelectorAll("li[data-message]")];
    thread.replaceChildren();
    if (r.ok) r.data.items.forEach((m) => addMessage(thread, m, me));
    arrived.forEach((li) => {
      if (!thread.querySelector(`li[data-message="${li.dataset.message}"]`)) thread.append(li);
    });
    if (!thread.children.length) thread.append(el("li", { class: "empty" }, "No messages yet. A quick hello is a good start."));
    body.focus();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!body.value.trim()) return;
    const r = await api("POST", `/asks/${ask.id}/messages`, { body: body.value });
    if (r.ok) {
      addMessage(thread, r.data, me);
      body.value = "";
    } else {
      thread.append(el("li", { class: "error" }, explain(r.data)));
    }
  });
  li.append(toggle, thread, form);
}

function addMessage(thread, message, me) {
  if (thread.querySelector(`li[data-message="${message.id}"]`)) return;
  const empty = thread.querySelector("li.empty");
  if (empty) empty.remove();
  const mine = message.author && message.author.handle === me;
  thread.append(el("li", { "data-message": String(message.id), class: mine ? "mine" : "theirs" },
    el("span", { class: "who" }, mine ? "You" : message.author.display_name), " ", message.body,
    mine ? null : reportButton("message", message.id)));
}

/* A message.new push: shown in an open thread, or the thread's button says there is news. */
export function messageArrived(data, me) {
  const cards = document.querySelectorAll(
    `li[data-ask="${data.ask_id}"], div.conversation[data-ask="${data.ask_id}"]`);
  cards.forEach((li) => {
    const thread = li.querySelector("ul.thread");
    if (!thread) return;
    if (thread.hidden) li.querySelector("button.talk").textContent = "Messages (new)";
    else addMessage(thread, data.message, me);
  });
}
