/* Joining: register, sign in, and home. */

import { api, explain, signIn } from "../api.js";
import { byId, showError, submitWith } from "../dom.js";

export function start() {
  const form = byId("join");
  submitWith(form, async (data) => {
    const r = await api("POST", "/auth/register", data);
    if (!r.ok) return showError(form, explain(r.data));
    const s = await signIn(data.handle, data.password);
    if (s.ok) location.assign("/home");
    else showError(form, explain(s.data));
  });
}
