/* Home: ask (the composer and its coaching), offers arriving live, your asks and the ones you
 * help with, each card closing its loop through the API; pushes come through the live feed. */

import { api, explain } from "../api.js";
import { OFFER_CLOSED, PAUSED, STATUS, describe, updateText } from "../asks.js";
import { conversation, messageArrived } from "../conversation.js";
import { Composer } from "../composer.js";
import { byId, el, person, refreshEmpty } from "../dom.js";
import { Feed, liveStream } from "../live.js";
import { reportButton } from "../report.js";
import { thanksBox } from "../thanks.js";

/* Reasons arrive as "you know `writing`": the marks are for the code font, not for people. */
function plain(reasons) {
  return reasons.map((r) => r.replace(/`([^`]*)`/g, "$1"));
}

export class Home {
  constructor(root) {
    this.root = root;
    this.me = root.dataset.handle;
    this.feed = new Feed(Number(root.dataset.since) || 0, Number(root.dataset.sinceSeq) || 0,
      (kind, note) => this.onPush(kind, note), (kind, data) => this.onSignal(kind, data));
    this.lists = { offers: byId("offers"), mine: byId("mine"), helping: byId("helping"), updates: byId("updates") };
  }

  async start() {
    for (const list of Object.values(this.lists)) refreshEmpty(list);
    this.wireForms();
    await Promise.all([this.loadBalance(), this.loadLists(), this.loadUpdates()]);
    this.showLinkedAsk();
    this.socket = liveStream(this.feed);
    this.markRead();
  }

  /* A link from a push or an email names an ask (`/home#ask-12`): its card, once loaded. */
  showLinkedAsk() {
    const card = location.hash.startsWith("#ask-") && byId(location.hash.slice(1));
    if (card) card.scrollIntoView({ block: "center" });
  }

  /* What the page has shown counts as read (debounced: one request for a burst of pushes). */
  markRead() {
    clearTimeout(this.readTimer);
    this.readTimer = setTimeout(() => {
      const upTo = this.feed.highestId; // read marks by id: every one the page has shown
      if (upTo > (this.readUpTo || 0)) {
        this.readUpTo = upTo;
        api("POST", "/notifications/read", { up_to: upTo }).then((r) => {
          const badge = byId("unread");
          if (r.ok && badge) badge.remove(); // the header's count: all read now
        });
      }
    }, 1500);
  }

  /* The Updates list's history (the live stream only brings what comes next): the latest
   * notifications, newest on top, the unread ones marked in words. */
  async loadUpdates() {
    const r = await api("GET", "/notifications/recent?limit=20");
    if (!r.ok) return;
    for (const note of r.data.items) {
      if (this.feed.handled.has(note.id)) continue;
      this.feed.handled.add(note.id);
      this.feed.highestId = Math.max(this.feed.highestId, note.id);
      const text = updateText(note.kind, note.data || {});
      if (!text) continue;
      const li = el("li", { "data-kind": note.kind, class: note.read_at ? "" : "unread" });
      if (!note.read_at) li.append(el("span", { class: "badge new" }, "New"), " ");
      li.append(text, " ", el("time", { class: "when", datetime: note.created_at },
        new Date(note.created_at).toLocaleString([], { dateStyle: "medium", timeStyle: "short" })));
      this.lists.updates.append(li);
    }
    refreshEmpty(this.lists.updates);
  }

  async loadBalance() {
    const r = await api("GET", "/me/balance");
    if (!r.ok) return;
    const b = r.data;
    byId("balance").textContent =
      `You've given ${b.given_minutes} minutes and received ${b.received_minutes} minutes. Both count.`;
    byId("invitation").replaceChildren(...invitation(b));
    byId("invitation").hidden = !invitation(b).length;
  }

  async loadLists() {
    const [offers, mine, helping] = await Promise.all([
      api("GET", "/asks?for_me=true&status=open"), api("GET", "/asks?mine=asked"),
      api("GET", "/asks?mine=helping")]);
    // A card goes on top of its list, so the API's newest-first pages are shown oldest first:
    // the order after a reload is the order the cards arrived in live.
    const each = (r, show) => { if (r.ok) r.data.items.slice().reverse().forEach(show); };
    each(offers, (ask) => this.showOffer(ask, false));
    each(mine, (ask) => this.showMine(ask));
    each(helping, (ask) => this.showHelping(ask));
  }

  /* The ask's card in `list`, emptied for redrawing (a new card goes on top). */
  item(list, ask) {
    let li = list.querySelector(`:scope > li[data-ask="${ask.id}"]`);
    if (!li) {
      li = el("li", { "data-ask": String(ask.id), id: `ask-${ask.id}` });
      list.prepend(li);
    }
    li.replaceChildren();
    refreshEmpty(list);
    return li;
  }

  drop(list, askId) {
    const li = list.querySelector(`:scope > li[data-ask="${askId}"]`);
    if (li) li.remove();
    refreshEmpty(list);
  }

  showOffer(ask, fresh, reasons) {
    if (ask.author && ask.author.handle === this.me) return;
    const li = this.item(this.lists.offers, ask);
    li.classList.remove("closed");
    li.classList.toggle("fresh", Boolean(fresh));
    // New is said in words (and a border), not by the background colour alone.
    if (fresh) li.append(el("span", { class: "badge new" }, "New"));
    li.append(describe(ask, "asked by ", person(ask.author)));
    if (reasons && reasons.length) li.append(el("div", { class: "meta why" }, `Why you: ${plain(reasons).join("; ")}`));
    const status = el("span", { class: "status", role: "status" });
    const help = el("button", { type: "button", class: "accept" }, "I can help");
    const pass = el("button", { type: "button", class: "secondary pass" }, "Not this time");
    help.addEventListener("click", async () => {
      help.disabled = pass.disabled = true;
      const r = await api("POST", `/asks/${ask.id}/accept`);
      if (r.ok) {
        this.drop(this.lists.offers, ask.id);
        this.showHelping(r.data);
      } else if (r.status === 409 || r.status === 404) {
        // Gone while it was on the page: the server says which (taken by someone else, or
        // closed), and the card says so instead of offering it again.
        this.closeOffer(ask.id, explain(r.data), ask.title);
      } else {
        status.textContent = explain(r.data);
        help.disabled = pass.disabled = false;
      }
    });
    pass.addEventListener("click", async () => {
      // Remembered (POST /asks/{id}/pass): the offer does not come back after a reload.
      help.disabled = pass.disabled = true;
      const r = await api("POST", `/asks/${ask.id}/pass`);
      if (r.ok || r.status === 404) this.drop(this.lists.offers, ask.id);
      else {
        help.disabled = pass.disabled = false;
        status.textContent = explain(r.data);
      }
    });
    li.append(el("div", { class: "actions" }, help, pass, status, reportButton("ask", ask.id)));
  }

  /* An offered ask that no longer needs anyone (taken, cancelled, expired, hidden): its card
   * keeps only its title (none for a hidden one) and a short note, with nothing to press. */
  closeOffer(askId, note, title) {
    const li = this.lists.offers.querySelector(`:scope > li[data-ask="${askId}"]`);
    if (!li) return;
    li.classList.remove("fresh");
    li.classList.add("closed");
    li.replaceChildren(...(title ? [el("strong", { class: "title" }, title)] : []),
      el("p", { class: "meta closed-note", role: "status" }, note));
  }

  /* A button that POSTs `path` (with `body()` if given) and hands the result to `done`. */
  action(label, path, done, body, secondary) {
    const button = el("button", { type: "button", class: secondary ? "secondary" : "" }, label);
    button.addEventListener("click", async () => {
      button.disabled = true;
      const r = await api("POST", path, body ? body() : undefined);
      if (r.ok) done(r.data);
      else {
        button.disabled = false;
        button.parentNode.querySelector(".status").textContent = explain(r.data);
      }
    });
    return button;
  }

  showMine(ask, reason) {
    const li = this.item(this.lists.mine, ask);
    const helped = ask.status === "confirmed" ? " helped" : " is helping";
    li.append(ask.helper ? describe(ask, person(ask.helper), helped) : describe(ask));
    if (ask.hidden) {
      li.classList.add("paused");
      li.append(el("div", { class: "meta state paused" }, PAUSED,
        reason ? ` Their reason: “${reason}”.` : ""));
      return;
    }
    li.classList.remove("paused");
    li.append(el("div", { class: "meta state" }, STATUS[ask.status] || ask.status));
    const actions = el("div", { class: "actions" });
    const refresh = (data) => { this.showMine(data); this.loadBalance(); };
    if (ask.status === "open") {
      actions.append(this.action("Cancel", `/asks/${ask.id}/cancel`, refresh, null, true));
    }
    if (ask.status === "delivered") {  // only once the helper says it's done
      actions.append(this.action("It's done — confirm", `/asks/${ask.id}/confirm`, refresh, () => ({})));
    }
    if (ask.status === "confirmed") li.append(thanksBox(ask));
    actions.append(el("span", { class: "status", role: "status" }));
    li.append(actions);
    if (ask.helper && ["matched", "delivered", "confirmed"].includes(ask.status)) conversation(li, ask, this.me);
  }

  showHelping(ask) {
    if (!["matched", "delivered"].includes(ask.status)) {
      this.drop(this.lists.helping, ask.id);
      return;
    }
    const li = this.item(this.lists.helping, ask);
    li.append(describe(ask, "for ", person(ask.author)));
    const actions = el("div", { class: "actions" });
    if (ask.status === "matched") {
      actions.append(this.action("I've helped", `/asks/${ask.id}/deliver`, (d) => this.showHelping(d)));
      actions.append(this.action("Step back", `/asks/${ask.id}/withdraw`, (d) => this.showHelping(d), null, true));
    } else {
      actions.append(el("span", { class: "meta" }, "Waiting for them to confirm."));
    }
    actions.append(el("span", { class: "status", role: "status" }));
    li.append(actions);
    conversation(li, ask, this.me);
  }

  wireForms() {
    new Composer(byId("ask"), (ask) => {
      this.showMine(ask);
      this.asked();
    }).start();
    byId("signout").addEventListener("click", async () => {
      await api("POST", "/auth/logout");
      location.assign("/");
    });
  }

  /* After an ask goes out (the coaching came while it was written, not now). */
  asked() {
    const coaching = byId("coaching");
    coaching.replaceChildren(el("p", {}, "Your ask is out. We'll let you know the moment someone offers."));
    coaching.hidden = false;
  }

  /* An ask in "could help with" needs nobody any more (the feed.closed signal, sent to every
   * page that may list it, offered or not): its card stops offering "I can help". */
  onSignal(kind, data) {
    if (kind !== "feed.closed") return;
    const card = this.lists.offers.querySelector(`:scope > li[data-ask="${data.ask_id}"]`);
    if (!card || card.classList.contains("closed")) return;
    const title = data.why === "hidden" ? null : card.querySelector(".title")?.textContent;
    this.closeOffer(data.ask_id, OFFER_CLOSED[data.why] || OFFER_CLOSED.hidden, title);
  }

  /* One new notification (the feed has already dropped any it handled before). */
  onPush(kind, note) {
    const data = note.data || {};
    const ask = data.ask;
    if (ask) {
      if (kind === "ask.offered") this.showOffer(ask, true, data.reasons);
      if (kind === "ask.taken") this.closeOffer(ask.id, OFFER_CLOSED.taken, ask.title);
      if (ask.author && ask.author.handle === this.me) this.showMine(ask, data.reason);
      if (ask.helper && ask.helper.handle === this.me) this.showHelping(ask);
      if (kind === "ask.confirmed") this.loadBalance();
    }
    if (kind === "offer.closed") {
      this.closeOffer(data.ask_id, OFFER_CLOSED[data.why] || OFFER_CLOSED.hidden, data.title);
    }
    if (kind === "message.new" && data.message) messageArrived(data, this.me);
    const text = updateText(kind, data);
    if (text) {
      this.lists.updates.prepend(el("li", { "data-kind": kind }, text));
      refreshEmpty(this.lists.updates);
    }
    this.markRead();
  }
}

export function start() {
  new Home(byId("home")).start();
}

/* Someone who has given a few times and never received: a gentle, specific invitation to ask
 * (CONTRACT §1: reciprocity shown, never enforced). Nothing for anyone else. */
export function invitation(b) {
  if (b.helps_given < 2 || b.asks_received > 0) return [];
  return [`You've helped ${b.helps_given} times — thank you. Asking is part of this too, and ` +
    "the people you've helped would be glad to return it. Is there something small you could use? ",
  el("a", { href: "#ask-title" }, "Start with a small ask"), " (the ideas below are a good start)."];
}
