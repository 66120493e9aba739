/* The exchange in the browser: the same REST API and Socket.IO pushes as any client.
 *
 * Signed in with the session cookie; every unsafe request carries the page's CSRF token.
 * Member text is only ever set with textContent, never as HTML.
 * The live stream starts at the newest notification the page was rendered with (data-since)
 * and each reconnect passes the highest id seen, so a dropped connection misses nothing. */
(function () {
  "use strict";

  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  async function api(method, path, body) {
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
  function explain(data) {
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

  function el(tag, attrs, ...children) {
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

  function showError(form, message) {
    const box = form.querySelector(".error");
    box.textContent = message || "";
    box.hidden = !message;
  }

  function formData(form) {
    return Object.fromEntries(new FormData(form).entries());
  }

  function submitWith(form, handler) {
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

  function nextPage() {
    // Only a plain path of this site: "//host" or "/\\host" would leave it (an open redirect).
    const next = new URLSearchParams(location.search).get("next");
    return next && /^\/[A-Za-z0-9_\-\/]*$/.test(next) && !next.startsWith("//") ? next : "/home";
  }

  async function signIn(login, password) {
    return api("POST", "/auth/login", { login, password });
  }

  function signinPage() {
    const form = document.getElementById("signin");
    submitWith(form, async (data) => {
      const r = await signIn(data.login, data.password);
      if (r.ok) location.assign(nextPage());
      else showError(form, explain(r.data));
    });
  }

  function joinPage() {
    const form = document.getElementById("join");
    submitWith(form, async (data) => {
      const r = await api("POST", "/auth/register", data);
      if (!r.ok) return showError(form, explain(r.data));
      const s = await signIn(data.handle, data.password);
      if (s.ok) location.assign("/home");
      else showError(form, explain(s.data));
    });
  }

  /* ---- home ------------------------------------------------------------------------------ */

  const STATUS = {
    open: "Waiting for a helper — it stays open, and a few more people hear about it over time.",
    matched: "Someone is on it.",
    delivered: "Your helper says it's done. Confirm when you agree.",
    confirmed: "Done. Thank you both.",
    cancelled: "Cancelled.",
    expired: "This one closed without a helper this time. That happens — it says nothing about you or the ask.",
  };

  function Home(root) {
    this.root = root;
    this.me = root.dataset.handle;
    this.since = Number(root.dataset.since) || 0;
    this.lists = { offers: byId("offers"), mine: byId("mine"), helping: byId("helping"), updates: byId("updates") };
  }

  function byId(id) { return document.getElementById(id); }

  function refreshEmpty(list) {
    const empty = list.querySelector(":scope > li.empty");
    const items = list.querySelectorAll(":scope > li:not(.empty)").length;
    if (items === 0 && !empty) list.append(el("li", { class: "empty" }, list.dataset.empty));
    if (items > 0 && empty) empty.remove();
  }

  Home.prototype.start = async function () {
    for (const list of Object.values(this.lists)) refreshEmpty(list);
    this.wireForms();
    await Promise.all([this.loadBalance(), this.loadLists()]);
    this.connect();
    this.markRead();
  };

  /* What the page has shown counts as read (debounced: one request for a burst of pushes). */
  Home.prototype.markRead = function () {
    clearTimeout(this.readTimer);
    this.readTimer = setTimeout(() => {
      if (this.since > (this.readUpTo || 0)) {
        this.readUpTo = this.since;
        api("POST", "/notifications/read", { up_to: this.since });
      }
    }, 1500);
  };

  Home.prototype.loadBalance = async function () {
    const r = await api("GET", "/me/balance");
    if (!r.ok) return;
    const b = r.data;
    byId("balance").textContent =
      `You've given ${b.given_minutes} minutes and received ${b.received_minutes} minutes. Both count.`;
  };

  Home.prototype.loadLists = async function () {
    const [offers, mine, helping] = await Promise.all([
      api("GET", "/asks?for_me=true&status=open"), api("GET", "/asks?mine=asked"),
      api("GET", "/asks?mine=helping")]);
    if (offers.ok) offers.data.items.forEach((ask) => this.showOffer(ask, false));
    if (mine.ok) mine.data.items.forEach((ask) => this.showMine(ask));
    if (helping.ok) helping.data.items.forEach((ask) => this.showHelping(ask));
  };

  Home.prototype.item = function (list, ask) {
    let li = list.querySelector(`:scope > li[data-ask="${ask.id}"]`);
    if (!li) {
      li = el("li", { "data-ask": String(ask.id) });
      list.prepend(li);
    }
    li.replaceChildren();
    refreshEmpty(list);
    return li;
  };

  Home.prototype.drop = function (list, askId) {
    const li = list.querySelector(`:scope > li[data-ask="${askId}"]`);
    if (li) li.remove();
    refreshEmpty(list);
  };

  /* An ask's title, size and tags; `who` is a list of text and nodes (a linked name). */
  function describe(ask, ...who) {
    const tags = ask.tags && ask.tags.length ? ` · ${ask.tags.join(", ")}` : "";
    return el("div", {},
      el("strong", { class: "title" }, ask.title),
      el("div", { class: "meta" }, `${ask.minutes} minutes${tags}`, ...(who.length ? [" · ", ...who] : [])),
      ask.details ? el("p", { class: "details" }, ask.details) : null);
  }

  Home.prototype.showOffer = function (ask, fresh, reasons) {
    if (ask.author && ask.author.handle === this.me) return;
    const li = this.item(this.lists.offers, ask);
    li.classList.toggle("fresh", Boolean(fresh));
    li.append(describe(ask, "asked by ", person(ask.author)));
    if (reasons && reasons.length) li.append(el("div", { class: "meta" }, `Why you: ${reasons.join("; ")}`));
    const status = el("span", { class: "status", role: "status" });
    const help = el("button", { type: "button", class: "accept" }, "I can help");
    const pass = el("button", { type: "button", class: "secondary pass" }, "Not this time");
    help.addEventListener("click", async () => {
      help.disabled = pass.disabled = true;
      const r = await api("POST", `/asks/${ask.id}/accept`);
      if (r.ok) {
        this.drop(this.lists.offers, ask.id);
        this.showHelping(r.data);
      } else {
        status.textContent = r.status === 409
          ? "Someone else is already helping with this one — thank you for offering."
          : explain(r.data);
      }
    });
    pass.addEventListener("click", () => this.drop(this.lists.offers, ask.id));
    li.append(el("div", { class: "actions" }, help, pass, status, reportButton("ask", ask.id)));
  };

  const REPORT_REASONS = [["spam", "Spam or advertising"], ["harassment", "Harassment"],
    ["unsafe", "Something unsafe"], ["off_topic", "Not an ask for help"], ["other", "Something else"]];

  /* "Report": a small inline form that flags an ask, a message or a member for moderators. */
  function reportButton(targetType, targetId) {
    const wrap = el("span", { class: "report" });
    const open = el("button", { type: "button", class: "link" }, "Report");
    open.addEventListener("click", () => {
      const reason = el("select", { name: "reason", "aria-label": "What's wrong" },
        ...REPORT_REASONS.map(([value, label]) => el("option", { value }, label)));
      const note = el("input", { name: "note", maxlength: "500", placeholder: "Anything moderators should know (optional)", "aria-label": "Note" });
      const form = el("form", { class: "report-form" }, reason, note,
        el("button", { type: "submit" }, "Send to moderators"),
        el("button", { type: "button", class: "link", onclick: () => form.replaceWith(open) }, "Never mind"));
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const r = await api("POST", "/flags", { target_type: targetType, target_id: targetId, reason: reason.value, note: note.value });
        form.replaceWith(el("span", { class: "meta" }, r.ok
          ? "Thank you for telling us. A moderator will look at it; nobody is told who reported."
          : explain(r.data)));
      });
      open.replaceWith(form);
    });
    wrap.append(open);
    return wrap;
  }

  Home.prototype.offerTaken = function (ask) {
    const li = this.lists.offers.querySelector(`:scope > li[data-ask="${ask.id}"]`);
    if (!li) return;
    li.querySelectorAll("button.accept").forEach((b) => { b.disabled = true; });
    li.querySelector(".status").textContent =
      "Someone else is helping with this one — thank you for offering.";
  };

  Home.prototype.action = function (label, path, done, body, secondary) {
    const button = el("button", { type: "button", class: secondary ? "secondary" : "" }, label);
    button.addEventListener("click", async () => {
      button.disabled = true;
      const r = await api("POST", path, body ? body() : undefined);
      if (r.ok) done(r.data);
      else {
        button.disabled = false;
        button.parentNode.querySelector(".status").textContent = explain(r.data);
      }
    });
    return button;
  };

  Home.prototype.showMine = function (ask) {
    const li = this.item(this.lists.mine, ask);
    li.append(ask.helper ? describe(ask, person(ask.helper), " is helping") : describe(ask));
    li.append(el("div", { class: "meta state" }, STATUS[ask.status] || ask.status));
    const actions = el("div", { class: "actions" });
    const refresh = (data) => { this.showMine(data); this.loadBalance(); };
    if (ask.status === "open") {
      actions.append(this.action("Cancel", `/asks/${ask.id}/cancel`, refresh, null, true));
    }
    if (ask.status === "matched" || ask.status === "delivered") {
      actions.append(this.action("It's done — confirm", `/asks/${ask.id}/confirm`, refresh, () => ({})));
    }
    if (ask.status === "confirmed") this.thanksForm(li, ask);
    actions.append(el("span", { class: "status", role: "status" }));
    li.append(actions);
    if (ask.helper && ["matched", "delivered", "confirmed"].includes(ask.status)) this.conversation(li, ask);
  };

  Home.prototype.thanksForm = function (li, ask) {
    const message = el("input", { name: "message", maxlength: "1000", placeholder: "A few words of thanks" });
    const form = el("form", { class: "thanks" }, message, el("button", { type: "submit" }, "Send thanks"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const r = await api("POST", `/asks/${ask.id}/thanks`, { message: message.value });
      form.replaceWith(el("p", { class: "meta" }, r.ok ? "Thanks sent. That will mean a lot." : explain(r.data)));
    });
    li.append(form);
  };

  /* The ask's conversation, folded under its card; new messages arrive live (message.new). */
  Home.prototype.conversation = function (li, ask) {
    const thread = el("ul", { class: "thread", hidden: "" });
    const body = el("input", { name: "body", maxlength: "2000", placeholder: "Write a message", "aria-label": "Message" });
    const form = el("form", { class: "say", hidden: "" }, body, el("button", { type: "submit" }, "Send"));
    const toggle = el("button", { type: "button", class: "link talk" }, "Messages");
    toggle.addEventListener("click", async () => {
      const opening = thread.hidden;
      thread.hidden = form.hidden = !opening;
      if (!opening) return;
      const r = await api("GET", `/asks/${ask.id}/messages`);
      thread.replaceChildren();
      if (r.ok) r.data.items.forEach((m) => this.addMessage(thread, m));
      if (!thread.children.length) thread.append(el("li", { class: "empty" }, "No messages yet. A quick hello is a good start."));
      body.focus();
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!body.value.trim()) return;
      const r = await api("POST", `/asks/${ask.id}/messages`, { body: body.value });
      if (r.ok) {
        this.addMessage(thread, r.data);
        body.value = "";
      } else {
        thread.append(el("li", { class: "error" }, explain(r.data)));
      }
    });
    li.append(toggle, thread, form);
  };

  Home.prototype.addMessage = function (thread, message) {
    if (thread.querySelector(`li[data-message="${message.id}"]`)) return;
    const empty = thread.querySelector("li.empty");
    if (empty) empty.remove();
    const mine = message.author && message.author.handle === this.me;
    thread.append(el("li", { "data-message": String(message.id), class: mine ? "mine" : "theirs" },
      el("span", { class: "who" }, mine ? "You" : message.author.display_name), " ", message.body,
      mine ? null : reportButton("message", message.id)));
  };

  Home.prototype.messageArrived = function (data) {
    const cards = document.querySelectorAll(`li[data-ask="${data.ask_id}"]`);
    cards.forEach((li) => {
      const thread = li.querySelector("ul.thread");
      if (!thread) return;
      if (thread.hidden) li.querySelector("button.talk").textContent = "Messages (new)";
      else this.addMessage(thread, data.message);
    });
  };

  Home.prototype.showHelping = function (ask) {
    if (!["matched", "delivered"].includes(ask.status)) {
      this.drop(this.lists.helping, ask.id);
      return;
    }
    const li = this.item(this.lists.helping, ask);
    li.append(describe(ask, "for ", person(ask.author)));
    const actions = el("div", { class: "actions" });
    if (ask.status === "matched") {
      actions.append(this.action("I've helped", `/asks/${ask.id}/deliver`, (d) => this.showHelping(d)));
      actions.append(this.action("Step back", `/asks/${ask.id}/withdraw`, (d) => this.showHelping(d), null, true));
    } else {
      actions.append(el("span", { class: "meta" }, "Waiting for them to confirm."));
    }
    actions.append(el("span", { class: "status", role: "status" }));
    li.append(actions);
    this.conversation(li, ask);
  };

  Home.prototype.wireForms = function () {
    const form = byId("ask");
    document.querySelectorAll(".starters .chip").forEach((chip) => chip.addEventListener("click", () => {
      form.elements.title.value = chip.dataset.title;
      form.elements.minutes.value = chip.dataset.minutes;
      form.elements.title.focus();
    }));
    submitWith(form, async (data) => {
      const tags = data.tags.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean);
      const body = { title: data.title, details: data.details, minutes: Number(data.minutes), tags };
      const r = await api("POST", "/asks", body);
      if (!r.ok) return showError(form, explain(r.data));
      form.reset();
      this.showMine(r.data);
      const coaching = byId("coaching");
      coaching.replaceChildren();
      if (r.data.coaching && r.data.coaching.length) {
        coaching.append(el("p", {}, "Your ask is out. A couple of ideas that could make it easier to say yes to next time:"),
          el("ul", {}, ...r.data.coaching.map((h) => el("li", {}, h.message))));
      } else {
        coaching.append(el("p", {}, "Your ask is out. We'll let you know the moment someone offers."));
      }
      coaching.hidden = false;
    });
    byId("signout").addEventListener("click", async () => {
      await api("POST", "/auth/logout");
      location.assign("/");
    });
  };

  const UPDATE_TEXT = {
    "ask.offered": (d) => `You might be a good fit for “${d.ask.title}”.`,
    "ask.taken": (d) => `“${d.ask.title}” found a helper. Thank you for being there.`,
    "ask.accepted": (d) => `${d.ask.helper ? d.ask.helper.display_name : "Someone"} is on it: “${d.ask.title}”.`,
    "ask.withdrawn": (d) => `Your helper had to step back from “${d.ask.title}”; it's open again.`,
    "ask.cancelled": (d) => `“${d.ask.title}” was cancelled.`,
    "ask.delivered": (d) => `“${d.ask.title}” is done, your helper says. Confirm when you agree.`,
    "ask.confirmed": (d) => `“${d.ask.title}” is confirmed. Minutes counted both ways.`,
    "ask.expired": (d) => `“${d.ask.title}” closed without a helper this time.`,
    "ask.still_open": (d) => `“${d.ask.title}” is still open; a few more people will hear about it.`,
    "thanks.received": () => "Someone sent you thanks for your help.",
    "message.new": (d) => `${d.message.author.display_name} sent you a message: “${d.message.body.slice(0, 80)}”`,
  };

  Home.prototype.onPush = function (kind, note) {
    if (!note || typeof note.id !== "number") return;
    if (note.id <= this.since) return; // already shown
    this.since = note.id;
    const data = note.data || {};
    const ask = data.ask;
    if (ask) {
      if (kind === "ask.offered") this.showOffer(ask, true, data.reasons);
      if (kind === "ask.taken") this.offerTaken(ask);
      if (ask.author && ask.author.handle === this.me) this.showMine(ask);
      if (ask.helper && ask.helper.handle === this.me) this.showHelping(ask);
      if (kind === "ask.confirmed") this.loadBalance();
    }
    if (kind === "message.new" && data.message) this.messageArrived(data);
    const text = (UPDATE_TEXT[kind] || (() => null))(data);
    if (text) {
      this.lists.updates.prepend(el("li", { "data-kind": kind }, text));
      refreshEmpty(this.lists.updates);
    }
    this.markRead();
  };

  /* The live stream: `since()` is asked on every (re)connect, so the server replays what was
   * missed; the #live badge says whether pushes are flowing. */
  function liveStream(since, onPush) {
    const live = byId("live");
    const state = (name, text) => { live.dataset.state = name; live.textContent = text; };
    const socket = io({ auth: (cb) => cb({ since: since() }), transports: ["websocket", "polling"] });
    socket.on("connect", () => state("live", "Live"));
    socket.on("disconnect", () => state("reconnecting", "Reconnecting…"));
    socket.on("connect_error", () => state("reconnecting", "Reconnecting…"));
    socket.onAny(onPush);
    return socket;
  }

  Home.prototype.connect = function () {
    this.socket = liveStream(() => this.since, (kind, note) => this.onPush(kind, note));
  };

  function homePage() {
    const home = new Home(byId("home"));
    window.exchangeHome = home;
    home.start();
  }

  /* ---- profile ---------------------------------------------------------------------------- */

  const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

  function slotRow(slot) {
    const day = el("select", { name: "weekday", "aria-label": "Day" },
      ...WEEKDAYS.map((name, i) => el("option", { value: String(i) }, name)));
    day.value = String(slot.weekday);
    const start = el("input", { type: "time", name: "start", value: slot.start, "aria-label": "From" });
    const end = el("input", { type: "time", name: "end", value: slot.end, "aria-label": "Until" });
    const li = el("li", {}, day, "from", start, "to", end);
    li.append(el("button", { type: "button", class: "link", onclick: () => li.remove() }, "Remove"));
    return li;
  }

  function timezones(select, current) {
    const zones = (Intl.supportedValuesOf && Intl.supportedValuesOf("timeZone")) || [];
    const all = Array.from(new Set(["UTC", current, ...zones])).filter(Boolean);
    all.forEach((zone) => select.append(el("option", { value: zone }, zone)));
    select.value = current;
  }

  async function profilePage() {
    const form = byId("profile");
    const slots = byId("slots");
    const controls = form.querySelectorAll("input, textarea, select, button");
    controls.forEach((c) => { c.disabled = true; }); // nothing typed now would survive the load
    const me = await api("GET", "/me");
    if (!me.ok) return showError(form, explain(me.data));
    controls.forEach((c) => { c.disabled = false; });
    const m = me.data;
    form.elements.display_name.value = m.display_name;
    form.elements.bio.value = m.bio || "";
    form.elements.skills.value = (m.skills || []).join(", ");
    form.elements.helping.checked = Boolean(m.helping);
    form.elements.capacity.value = String(m.capacity);
    timezones(form.elements.timezone, m.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone);
    (m.availability || []).forEach((slot) => slots.append(slotRow(slot)));
    byId("add-slot").addEventListener("click", () =>
      slots.append(slotRow({ weekday: 0, start: "18:00", end: "20:00" })));
    submitWith(form, async (data) => {
      form.querySelector(".saved").hidden = true;
      const availability = Array.from(slots.children).map((li) => ({
        weekday: Number(li.querySelector("[name=weekday]").value),
        start: li.querySelector("[name=start]").value,
        end: li.querySelector("[name=end]").value,
      }));
      const body = {
        display_name: data.display_name, bio: data.bio,
        skills: data.skills.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean),
        helping: form.elements.helping.checked, capacity: Number(data.capacity),
        timezone: data.timezone, availability,
      };
      const r = await api("PATCH", "/me", body);
      if (r.ok) form.querySelector(".saved").hidden = false;
      else showError(form, explain(r.data));
    });
    form.dataset.ready = "true";
  }

  /* ---- moderation ------------------------------------------------------------------------- */

  const KIND_OF = { ask: "Ask", message: "Message", member: "Member" };

  function targetText(item) {
    const t = item.target || {};
    if (item.target_type === "ask") return `“${t.title}” by ${t.author ? t.author.display_name : "?"}`;
    if (item.target_type === "message") return `“${t.body}” by ${t.author ? t.author.display_name : "?"}`;
    return `${t.display_name} (@${t.handle})${t.bio ? ": " + t.bio : ""}`;
  }

  function Moderation(root) {
    this.root = root;
    this.since = Number(root.dataset.since) || 0;
    this.queue = byId("queue");
    this.loading = null;
  }

  Moderation.prototype.start = async function () {
    refreshEmpty(this.queue);
    await Promise.all([this.loadQueue(), this.loadHealth()]);
    this.socket = liveStream(() => this.since, (kind, note) => {
      if (note && typeof note.id === "number") this.since = Math.max(this.since, note.id);
      if (kind === "mod.flagged") this.loadQueue();
    });
  };

  Moderation.prototype.loadQueue = async function () {
    const r = await api("GET", "/mod/flags?status=open");
    if (!r.ok) return;
    this.queue.replaceChildren();
    r.data.items.forEach((item) => this.queue.append(this.card(item)));
    refreshEmpty(this.queue);
  };

  Moderation.prototype.card = function (item) {
    const li = el("li", { "data-target": `${item.target_type}:${item.target_id}` });
    li.append(el("strong", {}, `${KIND_OF[item.target_type]}: `), targetText(item));
    const h = item.author_history || {};
    li.append(el("div", { class: "meta" },
      `weight ${item.weight}${item.hidden ? " · hidden pending review" : ""} · ` +
      `${h.recent_asks || 0} asks in 30 days · ${h.upheld_flags || 0} earlier upheld flags` +
      `${item.claimed_by ? " · " + item.claimed_by.display_name + " is reviewing" : ""}`));
    li.append(el("ul", { class: "flags" }, ...item.flags.map((f) => el("li", {},
      `${f.reason}${f.note ? ": " + f.note : ""} — ${f.flagger ? f.flagger.display_name : "someone"}`))));
    const reason = el("input", { name: "reason", maxlength: "500", placeholder: "Reason (the member may read it)", "aria-label": "Reason" });
    const days = el("input", { name: "days", type: "number", min: "1", max: "365", value: "7", "aria-label": "Days" });
    const status = el("span", { class: "status", role: "status" });
    const flagId = item.flags[0].id;
    const act = (action) => async () => {
      const body = { action, reason: reason.value };
      if (action === "suspend") body.days = Number(days.value);
      const r = await api("POST", `/mod/flags/${flagId}/resolve`, body);
      if (r.ok) {
        li.remove();
        refreshEmpty(this.queue);
      } else {
        status.textContent = explain(r.data);
      }
    };
    const claim = el("button", { type: "button", class: "secondary" }, "I'll take this");
    claim.addEventListener("click", async () => {
      const r = await api("POST", `/mod/flags/${flagId}/claim`);
      status.textContent = r.ok ? "It's yours for the next 15 minutes." : explain(r.data);
    });
    const button = (label, action, secondary) => el("button", { type: "button", class: secondary ? "secondary" : "", onclick: act(action) }, label);
    li.append(el("div", { class: "actions" }, reason),
      el("div", { class: "actions" }, claim, button("Dismiss", "dismiss", true), button("Hide", "hide"),
        button("Warn", "warn"), el("span", {}, "or suspend for"), days, el("span", {}, "days"),
        button("Suspend", "suspend"), status));
    return li;
  };

  Moderation.prototype.loadHealth = async function () {
    const r = await api("GET", "/mod/health?weeks=8");
    const box = byId("health");
    if (!r.ok) { box.textContent = explain(r.data); return; }
    const h = r.data;
    const minutes = (s) => (s === null || s === undefined ? "—" : `${Math.round(s / 60)} min`);
    const table = (head, rows) => el("table", {},
      el("thead", {}, el("tr", {}, ...head.map((c) => el("th", {}, c)))),
      el("tbody", {}, ...rows.map((row) => el("tr", {}, ...row.map((c) => el("td", {}, String(c)))))));
    box.replaceChildren(
      el("p", {}, `Median time to a first offer: ${minutes(h.median_seconds_to_first_offer)}; to a match: ${minutes(h.median_seconds_to_match)}.`),
      el("h3", {}, "Asks waiting for a helper"),
      h.waiting.length ? table(["tag", "waiting", "< 1 h", "1 h – 1 d", "1 d – 1 w", "> 1 w"],
        h.waiting.map((w) => [w.tag, w.asks, w.under_1h, w.from_1h_to_1d, w.from_1d_to_1w, w.over_1w]))
        : el("p", {}, "No ask is waiting."),
      el("h3", {}, "Helpers by skill and weekday"),
      h.supply.length ? table(["skill", "helpers", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        h.supply.map((x) => [x.skill, x.helpers, ...Object.values(x.by_weekday)]))
        : el("p", {}, "Nobody has listed a skill yet."),
      el("h3", {}, "Flags per week"),
      table(["week of", "flags"], h.flags_per_week.map((w) => [w.week_start, w.flags])));
    box.classList.remove("quiet");
  };

  function moderatePage() {
    const page = new Moderation(byId("moderate"));
    window.exchangeModeration = page;
    page.start();
  }

  /* ---- a member's public profile ----------------------------------------------------------- */

  async function memberPage() {
    const root = byId("member");
    const r = await api("GET", `/members/${encodeURIComponent(root.dataset.handle)}`);
    if (!r.ok) {
      byId("name").textContent = r.status === 404 ? "We couldn't find that member." : explain(r.data);
      return;
    }
    const m = r.data;
    byId("name").textContent = `${m.display_name} (@${m.handle})`;
    byId("bio").textContent = m.bio || "";
    const times = (n) => (n === 1 ? "once" : `${n} times`);
    byId("both-sides").textContent =
      `Has given ${m.given_minutes} minutes of help (${times(m.helps_given)}) and received ` +
      `${m.received_minutes} minutes (${times(m.asks_received)}). Both sides count here.`;
    byId("skills").textContent = m.skills.length ? `Happy to help with: ${m.skills.join(", ")}` : "";
    const list = byId("thanks");
    m.thanks_received.forEach((t) => list.append(el("li", {},
      `“${t.message}”`, el("span", { class: "when" }, ` — ${t.from_handle}`))));
    refreshEmpty(list);
    if (m.handle !== root.dataset.me) safetyActions(byId("safety"), m);
  }

  /* Blocking is private and quiet; reporting goes to moderators. Both are always one click. */
  function safetyActions(box, m) {
    const status = el("span", { class: "meta", role: "status" });
    const block = el("button", { type: "button", class: "secondary" }, `Block ${m.display_name}`);
    block.addEventListener("click", async () => {
      const r = await api("POST", `/members/${encodeURIComponent(m.handle)}/block`);
      block.disabled = r.ok;
      status.textContent = r.ok
        ? "Blocked. They aren't told; you won't see each other's asks or be matched."
        : explain(r.data);
    });
    box.append(block, reportButton("member", m.id), status);
    box.hidden = false;
  }

  /* A person's name, linking to their profile. */
  function person(p) {
    return p ? el("a", { href: `/members/${encodeURIComponent(p.handle)}` }, p.display_name) : "a member";
  }

  window.Exchange = { signinPage, joinPage, homePage, profilePage, moderatePage, memberPage };
})();
