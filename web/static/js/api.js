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

/* A refusal's words: the message and any field messages, as one kind sentence. */
export function explain(data) {
  const fields = (data && data.errors && (data.errors.json || data.errors.query)) || {};
  const details = [];
  const walk = (where, value) => {
    if (Array.isArray(value) && value.every((m) => typeof m === "string")) {
      details.push(`${where}: ${value.join(" ")}`);
    } else if (value && typeof value === "object") {
      for (const [key, inner] of Object.entries(value)) {
        const name = /^\d+$/.test(key) ? `#${Number(key) + 1}` : key.replace(/_/g, " ");
        walk(where ? `${where} ${name}` : name, inner);
      }
    }
  };
  walk("", fields);
  return [data && data.message, ...details].filter(Boolean).join(" ");
}

export function signIn(login, password) {
  return api("POST", "/auth/login", { login, password });
}
