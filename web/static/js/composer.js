/* The ask composer: kind coaching beside the fields while the ask is written, an honest line
 * about what is likely (from the community's own figures), starters that fill the form for
 * the person to finish, and the post itself. The rules live on the server: the draft goes to
 * GET /asks/coaching and the tags to GET /asks/expectation, each debounced, and nothing is
 * kept until the person presses Ask. */

import { api } from "./api.js";
import { clearErrors, el, fieldNote, showErrors, submitWith, tagList } from "./dom.js";

const PAUSE = 450; // ms after the last keystroke before the draft is read

/* A datetime-local value ("2026-12-04T18:00", the browser's own clock) as an ISO moment. */
function moment(local) {
  if (!local) return undefined;
  const when = new Date(local);
  return Number.isNaN(when.getTime()) ? undefined : when.toISOString();
}

export class Composer {
  constructor(form, posted) {
    this.form = form;
    this.posted = posted;
    this.slots = Array.from(form.querySelectorAll(".coach"));
    this.expectation = form.querySelector("#expectation");
    this.starter = null;
    this.coachSeq = 0;
    this.outlookSeq = 0;
  }

  start() {
    const form = this.form;
    document.querySelectorAll(".starters .chip").forEach((chip) =>
      chip.addEventListener("click", () => this.fillFrom(chip)));
    form.elements.mode.addEventListener("change", () => this.showArea());
    form.addEventListener("input", (event) => this.changed(event.target));
    form.addEventListener("change", (event) => this.changed(event.target));
    submitWith(form, (data) => this.send(data));
    this.showArea();
  }

  /* A starter fills the form and leaves the pen with the person: the title stops where their
   * own words go, the details say what would help as a prompt, nothing is sent. */
  fillFrom(chip) {
    const f = this.form.elements;
    clearErrors(this.form);
    f.title.value = `${chip.dataset.title} `;
    f.details.value = "";
    f.details.placeholder = chip.dataset.details || "";
    f.tags.value = chip.dataset.tags || "";
    f.minutes.value = chip.dataset.minutes;
    this.starter = f.title.value.trim();
    document.getElementById("starter-note").hidden = false;
    f.title.focus();
    f.title.setSelectionRange(f.title.value.length, f.title.value.length);
    this.changed(f.title);
    this.changed(f.tags);
  }

  showArea() {
    const inPerson = this.form.elements.mode.value === "in_person";
    this.form.querySelectorAll(".area").forEach((node) => { node.hidden = !inPerson; });
  }

  draft() {
    const f = this.form.elements;
    return {
      title: f.title.value.trim(), details: f.details.value.trim(),
      minutes: Number(f.minutes.value), tags: tagList(f.tags.value),
      window_start: moment(f.window_start.value), window_end: moment(f.window_end.value),
    };
  }

  changed(target) {
    if (!target || !target.name) return;
    clearTimeout(this.coachTimer);
    this.coachTimer = setTimeout(() => this.coach(), PAUSE);
    if (target.name === "tags") {
      clearTimeout(this.outlookTimer);
      this.outlookTimer = setTimeout(() => this.outlook(), PAUSE);
    }
  }

  query(fields) {
    const q = new URLSearchParams();
    for (const [key, value] of Object.entries(fields)) {
      if (Array.isArray(value)) value.forEach((v) => q.append(key, v));
      else if (value !== undefined && value !== "") q.append(key, String(value));
    }
    return q.toString();
  }

  /* Hints beside the fields they are about; none until a title has begun. */
  async coach() {
    const d = this.draft();
    if (!d.title) return this.showHints([]);
    const asked = ++this.coachSeq;
    const r = await api("GET", `/asks/coaching?${this.query(d)}`);
    if (asked !== this.coachSeq) return; // a newer draft is on its way
    this.showHints(r.ok ? r.data.hints : []);
  }

  showHints(hints) {
    for (const slot of this.slots) {
      const mine = hints.filter((h) => slot.dataset.codes.split(" ").includes(h.code));
      slot.replaceChildren(...mine.map((h) => el("p", { "data-code": h.code }, h.message)));
      slot.hidden = mine.length === 0;
    }
    this.form.dataset.coached = "true";
  }

  /* What is likely, from real figures: one line per tag (or one for the whole community). */
  async outlook() {
    const tags = tagList(this.form.elements.tags.value).filter((t) => /^[a-z0-9-]{1,32}$/.test(t));
    const asked = ++this.outlookSeq;
    const r = await api("GET", `/asks/expectation?${this.query({ tags: tags.slice(0, 5) })}`);
    if (asked !== this.outlookSeq) return;
    const box = this.expectation;
    box.replaceChildren(...(r.ok ? r.data.lines : []).map((line) =>
      el("span", { class: "line", "data-tag": line.tag || "" }, line.message)));
    box.hidden = !box.childElementCount;
  }

  async send() {
    const d = this.draft();
    const title = this.form.elements.title;
    if (this.starter && d.title === this.starter) {
      fieldNote(title, "Finish the sentence in your own words, so a helper knows what it's about.");
      return title.focus();
    }
    const body = { title: d.title, details: d.details, minutes: d.minutes, tags: d.tags,
      mode: this.form.elements.mode.value };
    if (d.window_start) body.window_start = d.window_start;
    if (d.window_end) body.window_end = d.window_end;
    if (body.mode === "in_person") body.area = this.form.elements.area.value.trim();
    const r = await api("POST", "/asks", body);
    if (!r.ok) return showErrors(this.form, r.data);
    this.form.reset();
    this.form.elements.details.placeholder = "";
    this.starter = null;
    document.getElementById("starter-note").hidden = true;
    this.showHints([]);
    this.showArea();
    this.posted(r.data);
  }
}
