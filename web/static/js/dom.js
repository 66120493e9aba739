import { explain, fieldErrors } from "./api.js";

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
  if (!box) return;
  box.textContent = message || "";
  box.hidden = !message;
}

/* The control a field note belongs to: `title`, or a row of a list the form marks with
 * data-list (["availability", "0", "end"] is the end time of the first slot). */
function controlFor(form, path) {
  const list = form.querySelector(`[data-list="${path[0]}"]`);
  if (list && path.length >= 3 && /^\d+$/.test(path[1])) {
    const row = list.children[Number(path[1])];
    return (row && row.querySelector(`[name="${path[2]}"]`)) || null;
  }
  const control = form.elements.namedItem(path[0]);
  return control instanceof HTMLElement && control.type !== "hidden" ? control : null;
}

let noteCount = 0;

/* A note beside `control`, tied to it (aria-invalid, aria-describedby); typing there again
 * takes the note away. It goes after the control's label, so it is not part of its name. */
export function fieldNote(control, text) {
  const id = `note-${++noteCount}`;
  const note = el("span", { class: "field-error", id }, text);
  const label = control.closest("label");
  (label || control).after(note);
  const before = control.getAttribute("aria-describedby") || "";
  control.dataset.describedby = before;
  control.setAttribute("aria-describedby", [before, id].filter(Boolean).join(" "));
  control.setAttribute("aria-invalid", "true");
  control.addEventListener("input", () => clearNote(control, note), { once: true });
  control.addEventListener("change", () => clearNote(control, note), { once: true });
}

function clearNote(control, note) {
  note.remove();
  control.removeAttribute("aria-invalid");
  const before = control.dataset.describedby;
  if (before) control.setAttribute("aria-describedby", before);
  else control.removeAttribute("aria-describedby");
  delete control.dataset.describedby;
}

export function clearErrors(form) {
  form.querySelectorAll("[aria-invalid=true]").forEach((control) => {
    const notes = (control.getAttribute("aria-describedby") || "").split(" ");
    notes.map((id) => document.getElementById(id))
      .filter((n) => n && n.classList.contains("field-error"))
      .forEach((n) => clearNote(control, n));
  });
  form.querySelectorAll(".field-error").forEach((n) => n.remove());
  showError(form, "");
}

/* A refusal shown where it belongs: each field note beside its field (the first such field
 * gets the focus, so a screen reader reads the note), anything else in the form's box. */
export function showErrors(form, data) {
  clearErrors(form);
  const loose = [];
  let first = null;
  for (const { path, messages } of fieldErrors(data)) {
    const control = controlFor(form, path);
    const text = Array.from(new Set(messages)).join(" ");
    if (!control) {
      loose.push(text);
      continue;
    }
    if (control.getAttribute("aria-invalid") !== "true") fieldNote(control, text);
    first = first || control;
  }
  if (!first) return showError(form, explain(data));
  showError(form, Array.from(new Set(loose)).join(" "));
  first.focus();
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
    clearErrors(form);
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
