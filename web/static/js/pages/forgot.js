/* Forgot your password: ask for a link. The answer is the same kind one whether or not the
 * address has an account; the page cannot tell, and neither can anyone using it. */

import { api } from "../api.js";
import { byId, showError, showErrors, submitWith } from "../dom.js";

export function start() {
  const form = byId("forgot");
  const sent = byId("forgot-sent");
  submitWith(form, async (data) => {
    const email = (data.email || "").trim();
    if (!email) return showError(form, "Please type the email address on your account.");
    const r = await api("POST", "/auth/password-reset", { email });
    if (!r.ok) return showErrors(form, r.data);
    sent.querySelector(".message").textContent = r.data.message;
    form.hidden = true;
    sent.hidden = false;
  });
  form.dataset.ready = "true";
}
