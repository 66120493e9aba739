/* The REST API as the pages use it: the session cookie, and the page's CSRF token on every
 * unsafe request. A request never throws: a lost connection is a refusal with kind words. */

const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

export async function api(method, path, body) {
  const options = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (method !== "GET") options.headers["X-CSRFToken"] = csrf();
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch("/api/v1" + path, options);
  } catch (err) {
    return { ok: false, status: 0, data: { message: "We couldn't reach the exchange. Please check your connection and try again." } };
  }
  const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
  return { ok: response.ok, status: response.status, data };
}

/* A refusal's field notes, flattened: [{ path: ["availability", "0", "end"], messages }]. */
export function fieldErrors(data) {
  const fields = (data && data.errors && (data.errors.json || data.errors.query)) || {};
  const found = [];
  const walk = (path, value) => {
    if (Array.isArray(value) && value.every((m) => typeof m === "string")) {
      found.push({ path, messages: value });
    } else if (value && typeof value === "object") {
      for (const [key, inner] of Object.entries(value)) walk([...path, key], inner);
    }
  };
  walk([], fields);
  return found;
}

/* A refusal's words: each field note once, never a field name before it. The top-level
 * message is left out when field notes say it better (a 422's is only "needs another look"),
 * and never repeated when a field note says the same ("That handle is taken."). */
export function explain(data) {
  const notes = fieldErrors(data).flatMap((f) => f.messages);
  const message = data && data.message;
  const words = notes.length ? notes : [message];
  return Array.from(new Set(words.filter(Boolean))).join(" ");
}

export function signIn(login, password) {
  return api("POST", "/auth/login", { login, password });
}
