/* Moderation's two safeguards, shared by the review queue and the member view.
 *
 * A reason is required and marked so: the label says "(required)" in words, the input is
 * `required` and `aria-required`. An empty one is caught before anything is sent, with one
 * short sentence tied to the field (the server says the same if it is ever reached).
 *
 * An action that is hard to undo (hide, suspend) asks once more, in the page: the first
 * button keeps its name ("Hide", "Suspend") and opens a small panel beside it that says what
 * will happen, with a second button that names the act ("Yes, hide it") and "Not now". The
 * focus moves to the second button, and back to the first when the panel is closed. */

import { el, fieldNote } from "./dom.js";

export const NEED_REASON = "Please give a reason in a few kind words: the member may read it.";

let count = 0;

/* A labelled, required reason input: { label, input }. */
export function reasonField(hint = "the member may read it") {
  const id = `reason-${++count}`;
  const input = el("input", { id, name: "reason", maxlength: "500", required: "",
    "aria-required": "true", autocomplete: "off" });
  const label = el("label", { for: id, class: "reason-label" }, "Reason ",
    el("span", { class: "required" }, "(required)"), el("span", { class: "hint" }, ` — ${hint}`));
  return { label, input };
}

/* True when the reason has words in it; otherwise a note beside it and the focus there. */
export function haveReason(input) {
  if (input.value.trim()) return true;
  if (input.getAttribute("aria-invalid") !== "true") fieldNote(input, NEED_REASON);
  input.focus();
  return false;
}

/* Open the confirmation beside `trigger`; `onYes` runs when the second button is pressed. */
export function confirmStep(trigger, { question, yes, onYes }) {
  const holder = trigger.closest(".actions") || trigger.parentElement;
  holder.parentElement.querySelectorAll(":scope > .confirm").forEach((p) => p.remove());
  const id = `confirm-${++count}`;
  const yesButton = el("button", { type: "button", class: "danger" }, yes);
  const notNow = el("button", { type: "button", class: "secondary" }, "Not now");
  const panel = el("div", { class: "confirm", role: "group", "aria-labelledby": id },
    el("p", { id }, question), el("div", { class: "actions" }, yesButton, notNow));
  const close = () => { panel.remove(); trigger.focus(); };
  notNow.addEventListener("click", close);
  panel.addEventListener("keydown", (e) => { if (e.key === "Escape") close(); });
  yesButton.addEventListener("click", async () => {
    yesButton.disabled = true;
    try {
      if (await onYes()) panel.remove();
    } finally {
      yesButton.disabled = false;
    }
  });
  holder.after(panel);
  yesButton.focus();
  return panel;
}
