/* Signing in, then on to where the visitor was going (a plain path of this site only). */

import { signIn } from "../api.js";
import { byId, showErrors, submitWith } from "../dom.js";

function nextPage() {
  // Only a plain path of this site: "//host" or "/\\host" would leave it (an open redirect).
  const next = new URLSearchParams(location.search).get("next");
  return next && /^\/[A-Za-z0-9_\-\/]*$/.test(next) && !next.startsWith("//") ? next : "/home";
}

export function start() {
  const form = byId("signin");
  submitWith(form, async (data) => {
    const r = await signIn(data.login, data.password);
    if (r.ok) location.assign(nextPage());
    else showErrors(form, r.data);
  });
}
