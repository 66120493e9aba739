/* Pages opened from a link in an email: the link's token, and a refusal of it in its own
 * words (expired, used, not valid) without the field name. */

export function linkToken() {
  return new URLSearchParams(location.search).get("token") || "";
}

export function tokenProblem(data) {
  const fields = (data && data.errors && data.errors.json) || {};
  return Array.isArray(fields.token) ? fields.token.join(" ") : "";
}
