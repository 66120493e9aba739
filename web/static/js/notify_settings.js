/* "How we reach you" on the profile page: each kind of notification × on the page / email /
 * push, the digest, whether pushes may show what an ask says, and Web Push for this device.
 *
 * Every change is saved as it is made (PATCH /me/notification-settings with just that change);
 * a refusal puts the control back and says why. Push for this device registers the service
 * worker (/sw.js, scope /), subscribes with the exchange's public key and sends the
 * subscription to the API; turning it off unsubscribes and tells the API. Where the browser
 * can't do push, or the person said no, the section says so plainly and nothing breaks. */

import { api, explain } from "./api.js";
import { byId, el, showError } from "./dom.js";

/* Each kind, in the order a person thinks of them, by what happened rather than its code. */
export const KINDS = [
  ["ask.offered", "An ask you could help with"],
  ["ask.taken", "An ask you were offered found a helper"],
  ["offer.closed", "An ask you were offered closes before anyone takes it"],
  ["ask.accepted", "Someone takes your ask"],
  ["ask.withdrawn", "Your helper steps back"],
  ["ask.delivered", "Your helper says it's done"],
  ["ask.confirmed", "Help you gave is confirmed"],
  ["ask.cancelled", "An ask you're helping with is cancelled"],
  ["ask.still_open", "Your ask is still open"],
  ["ask.expired", "Your ask closes without a helper"],
  ["message.new", "A new message"],
  ["thanks.received", "Someone thanks you"],
  ["reminder", "Reminders about your asks"],
  ["nudge", "Gentle suggestions"],
  ["mod.flagged", "Something new in the review queue"],
  ["mod.warning", "A note from the moderators"],
  ["account.suspended", "A pause on your account"],
  ["ask.hidden", "A moderator pauses one of your asks"],
];
const MODERATORS_ONLY = new Set(["mod.flagged"]);
const CHANNELS = [["live", "on the page"], ["email", "by email"], ["push", "by push"]];

const SAY = {
  unsupported: "This browser can't show push notifications, so we'll reach you by email and on the page instead.",
  blocked: "Notifications are blocked for this site in your browser. If you'd like them, allow notifications for this site in the browser's settings, then come back here.",
  notAllowed: "Push stays off: notifications weren't allowed. You can turn it on whenever you like.",
  failed: "We couldn't turn push on here: this browser's push service didn't answer. Nothing is wrong on your side — email and the page still reach you, and you can try again later.",
  noWorker: "This browser wouldn't start the exchange's notification helper, so push can't work here. Email and the page still reach you.",
  keyChanged: "The exchange's push setup changed, so push needs turning on again for this device.",
  on: "Push is on for this device.",
  off: "Push is off for this device. Turn it on to hear about asks even when the exchange isn't open.",
  working: "One moment…",
};

function saved(form, yes) {
  form.querySelector(".saved").hidden = !yes;
}

/* Send one change; on a refusal put the control back with `undo` and say why. */
async function save(form, change, undo) {
  saved(form, false);
  showError(form, "");
  const r = await api("PATCH", "/me/notification-settings", change);
  if (r.ok) return saved(form, true);
  undo();
  showError(form, explain(r.data));
}

function channelBox(form, kind, name, channel, words, on, always) {
  const box = el("input", { type: "checkbox", name: `${kind}:${channel}`, "aria-label": `${name}, ${words}` });
  box.checked = on;
  box.disabled = always;
  if (always) box.setAttribute("aria-describedby", "reach-always");
  box.addEventListener("change", () => save(form, { kinds: { [kind]: { [channel]: box.checked } } },
    () => { box.checked = !box.checked; }));
  return el("td", { class: "channel" }, box);
}

function kindRow(form, kind, name, channels, always) {
  const label = el("th", { scope: "row" }, name, always ? el("span", { class: "always" }, "Always on") : null);
  return el("tr", { "data-kind": kind }, label,
    ...CHANNELS.map(([channel, words]) => channelBox(form, kind, name, channel, words, Boolean(channels[channel]), always)));
}

function fillKinds(form, settings) {
  const moderator = form.dataset.moderator === "true";
  const always = new Set(settings.always);
  const rows = KINDS.filter(([kind]) => kind in settings.kinds && (moderator || !MODERATORS_ONLY.has(kind)))
    .map(([kind, name]) => kindRow(form, kind, name, settings.kinds[kind], always.has(kind)));
  byId("reach-kinds").replaceChildren(...rows);
}

function wireChoices(form, settings) {
  const digest = form.elements.digest;
  const details = form.elements.push_details;
  digest.value = settings.digest;
  details.checked = settings.push_details;
  let lastDigest = settings.digest;
  digest.addEventListener("change", () => {
    const before = lastDigest;
    lastDigest = digest.value;
    save(form, { digest: digest.value }, () => { digest.value = before; lastDigest = before; });
  });
  details.addEventListener("change", () => save(form, { push_details: details.checked },
    () => { details.checked = !details.checked; }));
}

/* --- Web Push for this device ------------------------------------------------------------- */

function keyBytes(base64url) {
  const text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (base64url.length % 4)) % 4));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function sameKey(subscription, key) {
  const mine = subscription.options && subscription.options.applicationServerKey;
  if (!mine) return true; /* the browser doesn't say: assume it is ours */
  const a = new Uint8Array(mine);
  return a.length === key.length && a.every((byte, i) => byte === key[i]);
}

function canPush() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

class DevicePush {
  constructor(form) {
    this.form = form;
    this.state = byId("push-state");
    this.button = byId("push-toggle");
  }

  say(words, button) {
    this.state.textContent = words;
    this.button.hidden = !button;
    if (button) this.button.textContent = button;
    this.button.disabled = false;
  }

  async start() {
    if (!canPush()) return this.say(SAY.unsupported);
    try {
      this.registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    } catch (err) {
      return this.say(SAY.noWorker);
    }
    const r = await api("GET", "/push/vapid-public-key");
    if (!r.ok) return this.say(explain(r.data));
    this.key = keyBytes(r.data.public_key);
    this.button.addEventListener("click", () => this.toggle());
    let current = await this.registration.pushManager.getSubscription();
    if (current && !sameKey(current, this.key)) {
      await this.forget(current);
      current = null;
      return this.showOff(SAY.keyChanged);
    }
    return current ? this.showOn() : this.showOff();
  }

  showOn() { this.on = true; this.say(SAY.on, "Turn off push for this device"); }

  showOff(words) {
    this.on = false;
    if (Notification.permission === "denied") return this.say(SAY.blocked);
    return this.say(words || SAY.off, "Turn on push for this device");
  }

  async toggle() {
    this.button.disabled = true;
    this.state.textContent = SAY.working;
    if (this.on) {
      const current = await this.registration.pushManager.getSubscription();
      if (current) await this.forget(current);
      return this.showOff();
    }
    return this.turnOn();
  }

  async turnOn() {
    const permission = await Notification.requestPermission();
    if (permission !== "granted") return this.showOff(permission === "denied" ? SAY.blocked : SAY.notAllowed);
    let subscription;
    try {
      const ready = await navigator.serviceWorker.ready;
      subscription = await ready.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: this.key });
    } catch (err) {
      return this.showOff(SAY.failed);
    }
    const r = await api("POST", "/me/push-subscriptions", subscription.toJSON());
    if (r.ok) return this.showOn();
    await subscription.unsubscribe().catch(() => false);
    return this.showOff(explain(r.data));
  }

  /* Unsubscribe here, then tell the exchange. Even if it can't hear us now, the browser has
   * let go: the push service will answer "gone" and the exchange forgets the address. */
  async forget(subscription) {
    const endpoint = subscription.endpoint;
    await subscription.unsubscribe().catch(() => false);
    await api("DELETE", "/me/push-subscriptions", { endpoint });
  }
}

export async function startNotifySettings(form) {
  if (!form) return;
  const controls = () => form.querySelectorAll("input, select");
  form.addEventListener("submit", (event) => event.preventDefault());
  controls().forEach((c) => { c.disabled = true; });
  const r = await api("GET", "/me/notification-settings");
  if (!r.ok) return showError(form, explain(r.data));
  controls().forEach((c) => { c.disabled = false; });
  fillKinds(form, r.data);
  wireChoices(form, r.data);
  form.dataset.ready = "true";
  const device = new DevicePush(form);
  await device.start().catch(() => device.say(SAY.unsupported));
}
