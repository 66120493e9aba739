/* "Your email" on the profile page: the address, whether it is confirmed, the link sent again,
 * and a change of address (which waits for a link of its own). Its own module, so the profile
 * page only starts it. Whether an address is someone else's is never shown: the answer to a
 * change is the same either way. */

import { api, explain } from "./api.js";
import { byId, showError, showErrors, submitWith } from "./dom.js";

function hint(me) {
  if (me.pending_email) {
    return `We've sent a link to ${me.pending_email}. Your address changes once you open it; ` +
      "until then we keep using this one.";
  }
  if (!me.email_verified) {
    return "We've sent a link to this address. Opening it lets us reach you by email when " +
      "you're away, and helps you back in if you forget your password. Asking and helping " +
      "don't wait on it.";
  }
  return "";
}

function show(section, me) {
  section.querySelector(".email").textContent = me.email || "";
  const state = section.querySelector(".state");
  state.textContent = me.email_verified ? "confirmed" : "not confirmed yet";
  state.className = me.email_verified ? "state badge ok" : "state badge";
  const pending = section.querySelector(".pending");
  pending.textContent = hint(me);
  pending.hidden = !pending.textContent;
  section.querySelector(".again").hidden = Boolean(me.email_verified && !me.pending_email);
}

function sendAgain(section) {
  const again = section.querySelector(".again");
  const sent = section.querySelector(".sent");
  again.addEventListener("click", async () => {
    again.disabled = true;
    const r = await api("POST", "/me/email/verify");
    again.disabled = false;
    sent.textContent = r.ok ? r.data.message : explain(r.data);
    sent.hidden = false;
    if (r.ok) show(section, r.data);
  });
}

function changeAddress(section) {
  const form = byId("change-email");
  submitWith(form, async (data) => {
    const email = (data.email || "").trim();
    if (!email) return showError(form, "Please type the address you'd like to use.");
    section.querySelector(".sent").hidden = true;
    const r = await api("PATCH", "/me", { email });
    if (!r.ok) return showErrors(form, r.data);
    form.reset();
    show(section, r.data);
  });
}

export async function startAccount() {
  const section = byId("account");
  if (!section) return;
  const me = await api("GET", "/me");
  if (!me.ok) return;
  show(section, me.data);
  sendAgain(section);
  changeAddress(section);
  section.hidden = false;
  section.dataset.ready = "true";
}
