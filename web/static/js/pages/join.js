/* Joining: register, sign in, and home. */

import { api, signIn } from "../api.js";
import { byId, showErrors, submitWith } from "../dom.js";

export function start() {
  const form = byId("join");
  submitWith(form, async (data) => {
    // The browser's own time zone, so the profile and every time shown start out right.
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const r = await api("POST", "/auth/register", zone ? { ...data, timezone: zone } : data);
    if (!r.ok) return showErrors(form, r.data);
    const s = await signIn(data.handle, data.password);
    if (s.ok) location.assign("/home");
    else showErrors(form, s.data);
  });
}
