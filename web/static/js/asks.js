/* How the home page shows asks: an ask's state in words, its card's heading, and the line the
 * Updates list gives each kind of push. Kind words: an ask that closed without a helper says
 * nothing about the asker. */

import { el } from "./dom.js";

/* An ask a moderator paused, as its author sees it (the reason came with the notification). */
export const PAUSED = "Paused by a moderator: other members can't see it for now. You're welcome to post it again with changes.";

export const STATUS = {
  open: "Waiting for a helper — it stays open, and a few more people hear about it over time.",
  matched: "Someone is on it.",
  delivered: "Your helper says it's done. Confirm when you agree.",
  confirmed: "Done. Thank you both.",
  cancelled: "Cancelled.",
  expired: "This one closed without a helper this time. That happens — it says nothing about you or the ask.",
};

/* An offer that no longer needs anyone, as its card says once it closed (live or on trying to
 * take it): what happened, truthfully, and never anyone's failing. */
export const OFFER_CLOSED = {
  taken: "This one found a helper. Thank you for offering.",
  cancelled: "The person who asked doesn't need this one any more. Thank you for looking.",
  expired: "This ask's time has passed, so there's nothing to do. Thank you for looking.",
  hidden: "This ask isn't open any more, so there's nothing to do. Thank you for looking.",
};

const UPDATE_TEXT = {
  "ask.offered": (d) => `You might be a good fit for “${d.ask.title}”.`,
  "ask.taken": (d) => `“${d.ask.title}” found a helper. Thank you for being there.`,
  "ask.accepted": (d) => `${d.ask.helper ? d.ask.helper.display_name : "Someone"} is on it: “${d.ask.title}”.`,
  "ask.withdrawn": (d) => `Your helper had to step back from “${d.ask.title}”; it's open again.`,
  "ask.cancelled": (d) => `“${d.ask.title}” was cancelled.`,
  "ask.delivered": (d) => `“${d.ask.title}” is done, your helper says. Confirm when you agree.`,
  "ask.confirmed": (d) => `“${d.ask.title}” is confirmed. Minutes counted both ways.`,
  "ask.expired": (d) => `“${d.ask.title}” closed without a helper this time.`,
  "ask.still_open": (d) => `“${d.ask.title}” is still open; a few more people will hear about it.`,
  "thanks.received": (d) => thanksText(d),
  "ask.hidden": (d) => `A moderator paused “${d.ask.title}”: other members can't see it for now.` +
    (d.reason ? ` Their reason: “${d.reason}”.` : "") + " You're welcome to post it again with changes.",
  "mod.warning": (d) => `${d.message}` + (d.reason ? ` The moderator's reason: “${d.reason}”.` : ""),
  "account.suspended": (d) => `${d.message}` + (d.reason ? ` The moderator's reason: “${d.reason}”.` : ""),
  "offer.closed": (d) => d.title
    ? `“${d.title}” doesn't need a helper any more. Thank you for looking.`
    : "An ask you were offered isn't open any more. Thank you for looking.",
  "message.new": (d) => `${d.message.author.display_name} sent you a message: “${d.message.body.slice(0, 80)}”`,
};

/* Who thanked you, for what, their words and the difference it made. */
function thanksText(d) {
  const said = d.thanks || {};
  const who = said.from ? said.from.display_name : "Someone";
  const what = d.ask_title ? ` for “${d.ask_title}”` : "";
  const impact = said.impact ? ` The difference it made: “${said.impact}”` : "";
  return `${who} thanked you${what}: “${said.message || ""}”.${impact}`;
}

/* The line the Updates list shows for a push, or null for a kind it doesn't list. */
export function updateText(kind, data) {
  return (UPDATE_TEXT[kind] || (() => null))(data);
}

/* An ask's title, size and tags; `who` is a list of text and nodes (a linked name). */
export function describe(ask, ...who) {
  const tags = ask.tags && ask.tags.length ? ` · ${ask.tags.join(", ")}` : "";
  return el("div", {},
    el("strong", { class: "title" }, el("a", { href: `/asks/${ask.id}` }, ask.title)),
    el("div", { class: "meta" }, `${ask.minutes} minutes${tags}`, ...(who.length ? [" · ", ...who] : [])),
    ask.details ? el("p", { class: "details" }, ask.details) : null);
}
