/* Your profile: what you can help with, how many at once, and when you're usually free. The
 * form stays disabled until the profile has loaded: nothing typed before would survive it. */

import { startAccount } from "../account.js";
import { api, explain } from "../api.js";
import { byId, el, showError, showErrors, submitWith, tagList } from "../dom.js";
import { startNotifySettings } from "../notify_settings.js";

const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

function slotRow(slot) {
  const day = el("select", { name: "weekday", "aria-label": "Day" },
    ...WEEKDAYS.map((name, i) => el("option", { value: String(i) }, name)));
  day.value = String(slot.weekday);
  const start = el("input", { type: "time", name: "start", value: slot.start, "aria-label": "From" });
  const end = el("input", { type: "time", name: "end", value: slot.end, "aria-label": "Until" });
  // "from 18:00" and "to 20:00" each stay whole when a narrow screen wraps the row.
  const li = el("li", {}, day, el("span", { class: "pair" }, "from", start),
    el("span", { class: "pair" }, "to", end));
  li.append(el("button", { type: "button", class: "link", onclick: () => li.remove() }, "Remove"));
  return li;
}

function timezones(select, current) {
  const zones = (Intl.supportedValuesOf && Intl.supportedValuesOf("timeZone")) || [];
  const all = Array.from(new Set(["UTC", current, ...zones])).filter(Boolean);
  all.forEach((zone) => select.append(el("option", { value: zone }, zone)));
  select.value = current;
}

function fill(form, slots, m) {
  form.elements.display_name.value = m.display_name;
  form.elements.bio.value = m.bio || "";
  form.elements.skills.value = (m.skills || []).join(", ");
  form.elements.helping.checked = Boolean(m.helping);
  form.elements.capacity.value = String(m.capacity);
  timezones(form.elements.timezone, m.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone);
  (m.availability || []).forEach((slot) => slots.append(slotRow(slot)));
}

function changes(form, slots, data) {
  const availability = Array.from(slots.children).map((li) => ({
    weekday: Number(li.querySelector("[name=weekday]").value),
    start: li.querySelector("[name=start]").value,
    end: li.querySelector("[name=end]").value,
  }));
  return {
    display_name: data.display_name, bio: data.bio, skills: tagList(data.skills),
    helping: form.elements.helping.checked, capacity: Number(data.capacity),
    timezone: data.timezone, availability,
  };
}

export async function start() {
  startAccount();
  startNotifySettings(byId("reach"));
  const form = byId("profile");
  const slots = byId("slots");
  const controls = form.querySelectorAll("input, textarea, select, button");
  controls.forEach((c) => { c.disabled = true; });
  const me = await api("GET", "/me");
  if (!me.ok) return showError(form, explain(me.data));
  controls.forEach((c) => { c.disabled = false; });
  fill(form, slots, me.data);
  byId("add-slot").addEventListener("click", () =>
    slots.append(slotRow({ weekday: 0, start: "18:00", end: "20:00" })));
  submitWith(form, async (data) => {
    form.querySelector(".saved").hidden = true;
    const r = await api("PATCH", "/me", changes(form, slots, data));
    if (r.ok) form.querySelector(".saved").hidden = false;
    else showErrors(form, r.data);
  });
  form.dataset.ready = "true";
}
