/* The live stream: Socket.IO pushes, each stored notification handled once.
 *
 * Every push is a stored notification ({id, kind, created_at, read_at, data}), named by its kind.
 * On each (re)connect the socket's auth callback asks for what came after the highest id this
 * page has seen, starting at the newest one it was rendered with (data-since); the server
 * replays those, oldest first, then sends live pushes (web/push_gate.py keeps them behind the
 * replay). So a dropped connection or a server restart misses nothing.
 *
 * The feed remembers every id it handled rather than only the highest: on PostgreSQL ids are
 * not committed in order, so a lower id can arrive after a higher one and is still news, while
 * the same id twice (replayed and pushed live) is not. A push without an integer id is not a
 * notification and is ignored. The highest id seen is only the replay cursor. */

export class Feed {
  constructor(since, onPush) {
    this.cursor = Number.isInteger(since) && since > 0 ? since : 0;
    this.handled = new Set();
    this.onPush = onPush;
  }

  /* Hand a push on to the page unless it was handled before; true when it was handed on. */
  receive(kind, note) {
    if (!note || !Number.isInteger(note.id) || this.handled.has(note.id)) return false;
    this.handled.add(note.id);
    this.cursor = Math.max(this.cursor, note.id);
    this.onPush(kind, note);
    return true;
  }
}

/* Connect `feed` to the server; the badge (#live) says whether pushes are flowing. `io` is the
 * vendored Socket.IO client's global (a classic script the page loads before the modules). */
export function liveStream(feed, { io = globalThis.io, badge = document.getElementById("live") } = {}) {
  const state = (name, text) => { badge.dataset.state = name; badge.textContent = text; };
  const socket = io({ auth: (cb) => cb({ since: feed.cursor }), transports: ["websocket", "polling"] });
  socket.on("connect", () => state("live", "Live"));
  socket.on("disconnect", () => state("reconnecting", "Reconnecting…"));
  socket.on("connect_error", () => state("reconnecting", "Reconnecting…"));
  socket.onAny((kind, note) => feed.receive(kind, note));
  return socket;
}
