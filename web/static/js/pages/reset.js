/* Choosing a new password from the emailed link. The link's token is sent with the new
 * password in one POST; the rules are on the page before anyone types, and a too-short
 * password is caught here before it is sent. A link that no longer works says why and offers
 * a fresh one. */

import { api } from "../api.js";
import { byId, fieldNote, showErrors, submitWith } from "../dom.js";
import { linkToken, tokenProblem } from "../links.js";

function stale(form, message) {
  const box = byId("reset-stale");
  box.querySelector(".message").textContent = message;
  form.hidden = true;
  box.hidden = false;
}

export function start() {
  const form = byId("reset");
  const token = linkToken();
  const min = Number(form.dataset.minLength) || 10;
  if (!token) return stale(form, "This page works from the link in your email.");
  submitWith(form, async (data) => {
    const password = data.password || "";
    if (password.length < min) {
      fieldNote(form.elements.password, `Please use at least ${min} characters; a short sentence is easy to remember.`);
      return form.elements.password.focus();
    }
    const r = await api("POST", "/auth/password-reset/confirm", { token, password });
    if (r.ok) {
      form.hidden = true;
      byId("reset-done").hidden = false;
    } else if (tokenProblem(r.data)) {
      stale(form, tokenProblem(r.data));
    } else {
      showErrors(form, r.data);
    }
  });
  form.dataset.ready = "true";
}
