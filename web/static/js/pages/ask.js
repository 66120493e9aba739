/* One ask (/asks/<id>): what it is, where it stands, who is helping, the conversation, and the
 * one next step for the person looking as the obvious button. It follows the ask live. Links
 * from feeds, notifications and emails land here. */

import { api, explain } from "../api.js";
import { OFFER_CLOSED, PAUSED, STATUS, updateText } from "../asks.js";
import { conversation, messageArrived } from "../conversation.js";
import { byId, el, person } from "../dom.js";
import { Feed, liveStream } from "../live.js";
import { reportButton } from "../report.js";
import { thanksBox } from "../thanks.js";

const HELPER_STATUS = {
  matched: "You're helping with this one. When it's done, say so here.",
  delivered: "You said it's done. Waiting for them to confirm.",
  confirmed: "Done and confirmed. Thank you for helping.",
  cancelled: "They cancelled this one. Thank you for your time.",
};

const OTHERS_STATUS = {
  open: "Open: it could use someone like you. Passing is fine too.",
  matched: "Someone else is helping with this one. Thank you for looking.",
  delivered: "Someone else helped with this one. Thank you for looking.",
  confirmed: "Someone else helped with this one. Thank you for looking.",
  cancelled: "This ask was cancelled.",
  expired: "This ask has closed.",
};

class AskPage {
  constructor(root) {
    this.root = root;
    this.id = Number(root.dataset.ask);
    this.me = root.dataset.handle;
    this.feed = new Feed(Number(root.dataset.since) || 0, Number(root.dataset.sinceSeq) || 0,
      (kind, note) => this.onPush(kind, note), (kind, data) => this.onSignal(kind, data));
  }

  async start() {
    const r = await api("GET", `/asks/${this.id}`);
    const loading = byId("loading");
    if (!r.ok) {
      loading.textContent = r.status === 404
        ? "We couldn't find that ask. It may have been removed, or it isn't shown to you."
        : explain(r.data);
      return;
    }
    loading.hidden = true;
    this.show(r.data);
    this.socket = liveStream(this.feed);
  }

  role(ask) {
    if (ask.author && ask.author.handle === this.me) return "author";
    if (ask.helper && ask.helper.handle === this.me) return "helper";
    return "other";
  }

  show(ask, reason) {
    this.ask = ask;
    const role = this.role(ask);
    document.title = `${ask.title} · The exchange`;
    byId("ask-h").textContent = ask.title;
    const tags = ask.tags && ask.tags.length ? ` · ${ask.tags.join(", ")}` : "";
    const where = ask.mode === "in_person" && ask.area ? ` · in person, ${ask.area}` : "";
    byId("ask-meta").textContent = `About ${ask.minutes} minutes${tags}${where}`;
    byId("ask-details").textContent = ask.details || "";
    const people = byId("ask-people");
    people.replaceChildren("Asked by ", role === "author" ? "you" : person(ask.author));
    if (ask.helper) people.append(" · ", role === "helper" ? "you are helping" : person(ask.helper),
      role === "helper" ? "" : (ask.status === "matched" ? " is helping" : " helped"));
    byId("ask-state").textContent = this.stateText(ask, role, reason);
    byId("step-status").textContent = "";
    byId("next-step").replaceChildren(...this.nextStep(ask, role));
    this.showTalk(ask, role);
    byId("the-ask").hidden = false;
  }

  stateText(ask, role, reason) {
    if (role === "author") {
      if (ask.hidden) return PAUSED + (reason ? ` Their reason: “${reason}”.` : "");
      return STATUS[ask.status] || ask.status;
    }
    if (role === "helper") return HELPER_STATUS[ask.status] || STATUS[ask.status] || ask.status;
    return OTHERS_STATUS[ask.status] || ask.status;
  }

  nextStep(ask, role) {
    const go = (label, path, secondary, body) => this.button(label, path, secondary, body);
    if (role === "author") {
      if (ask.hidden) return [];
      if (ask.status === "open") return [go("Cancel this ask", "cancel", true)];
      if (ask.status === "delivered") return [go("It's done — confirm", "confirm", false, {})];
      if (ask.status === "confirmed") return [thanksBox(ask)];
      return [];
    }
    if (role === "helper") {
      if (ask.status === "matched") return [go("I've helped", "deliver"), go("Step back", "withdraw", true)];
      return [];
    }
    if (ask.status !== "open") return [];
    const help = go("I can help", "accept");
    help.classList.add("accept");
    const pass = el("button", { type: "button", class: "secondary pass" }, "Not this time");
    pass.addEventListener("click", async () => {
      pass.disabled = true;
      const r = await api("POST", `/asks/${ask.id}/pass`);
      byId("step-status").textContent = r.ok || r.status === 404
        ? "No problem. We won't offer you this one again." : explain(r.data);
      if (r.ok || r.status === 404) help.remove();
      else pass.disabled = false;
    });
    return [help, pass, reportButton("ask", ask.id)];
  }

  /* A button for one transition: POST /asks/<id>/<path>; the answer is the ask as it now is. */
  button(label, path, secondary, body) {
    const button = el("button", { type: "button", class: secondary ? "secondary" : "" }, label);
    button.addEventListener("click", async () => {
      button.disabled = true;
      const r = await api("POST", `/asks/${this.id}/${path}`, body);
      if (r.ok) this.show(r.data);
      else {
        button.disabled = false;
        byId("step-status").textContent = explain(r.data);
        // Taken or closed meanwhile: the answer says which, and nothing is left to press.
        if (path === "accept" && (r.status === 409 || r.status === 404)) byId("next-step").replaceChildren();
      }
    });
    return button;
  }

  showTalk(ask, role) {
    const talk = byId("talk");
    const open = role !== "other" && ask.helper && ["matched", "delivered", "confirmed"].includes(ask.status);
    talk.hidden = !open;
    const box = byId("thread-box");
    if (!open) {
      box.replaceChildren();
      return;
    }
    if (box.dataset.ask === String(ask.id) && box.firstChild) return; // already there
    box.replaceChildren();
    box.dataset.ask = String(ask.id);
    const card = el("div", { "data-ask": String(ask.id), class: "conversation" });
    box.append(card);
    conversation(card, ask, this.me);
  }

  /* This ask, open and offered to whoever reads the page, needs nobody any more (the
   * feed.closed signal): the same as an offer of it closing. Its author and helper hear their
   * own notifications instead. */
  onSignal(kind, data) {
    if (kind !== "feed.closed" || data.ask_id !== this.id || !this.ask) return;
    if (this.role(this.ask) !== "other" || this.ask.status !== "open") return;
    this.closed(OFFER_CLOSED[data.why]);
  }

  closed(words) {
    byId("ask-state").textContent = words || OFFER_CLOSED.hidden;
    byId("next-step").replaceChildren();
    byId("step-status").textContent = "";
  }

  onPush(kind, note) {
    const data = note.data || {};
    if (data.ask && data.ask.id === this.id && kind !== "ask.offered") this.show(data.ask, data.reason);
    if (kind === "ask.taken" && data.ask && data.ask.id === this.id) {
      byId("step-status").textContent = updateText(kind, data) || "";
    }
    if (kind === "offer.closed" && data.ask_id === this.id) {
      // An offer of this ask closed (cancelled, expired, hidden): nothing left to press.
      this.closed(OFFER_CLOSED[data.why]);
    }
    if (kind === "message.new" && data.ask_id === this.id) messageArrived(data, this.me);
  }
}

export function start() {
  new AskPage(byId("ask-page")).start();
}
