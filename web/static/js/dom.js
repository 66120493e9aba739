/* Small DOM helpers. Member text only ever goes in as text (`el` appends strings as text
 * nodes), never as HTML; `on…` attributes become listeners, never inline handlers. */

export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

export function byId(id) { return document.getElementById(id); }

/* A list says something kind (its data-empty) when it has nothing else to show. */
export function refreshEmpty(list) {
  const empty = list.querySelector(":scope > li.empty");
  const items = list.querySelectorAll(":scope > li:not(.empty)").length;
  if (items === 0 && !empty) list.append(el("li", { class: "empty" }, list.dataset.empty));
  if (items > 0 && empty) empty.remove();
}

/* A person's name, linking to their profile. */
export function person(p) {
  return p ? el("a", { href: `/members/${encodeURIComponent(p.handle)}` }, p.display_name) : "a member";
}

export function showError(form, message) {
  const box = form.querySelector(".error");
  box.textContent = message || "";
  box.hidden = !message;
}

function formData(form) {
  return Object.fromEntries(new FormData(form).entries());
}

/* The form's submit goes to `handler(fields)`, with its button disabled meanwhile. */
export function submitWith(form, handler) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    showError(form, "");
    try {
      await handler(formData(form));
    } finally {
      button.disabled = false;
    }
  });
}

export function tagList(text) {
  return text.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean);
}
