/* Confirming an address from the emailed link (a first address or a new one): one button,
 * one POST, so a mail scanner that opens the link changes nothing. */

import { api, explain } from "../api.js";
import { byId, showError, submitWith } from "../dom.js";
import { linkToken, tokenProblem } from "../links.js";

export function start() {
  const form = byId("verify");
  const token = linkToken();
  if (!token) {
    showError(form, "This page works from the link in your email.");
    form.querySelector("button").disabled = true;
    return;
  }
  submitWith(form, async () => {
    const r = await api("POST", "/auth/email/confirm", { token });
    if (r.ok) {
      form.hidden = true;
      byId("verify-done").hidden = false;
    } else {
      showError(form, tokenProblem(r.data) || explain(r.data));
    }
  });
  form.dataset.ready = "true";
}
