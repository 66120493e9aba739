/* The live stream: Socket.IO pushes, each stored notification handled once.
 *
 * Every push is a stored notification ({id, seq, kind, created_at, read_at, data}), named by
 * its kind. `seq` numbers the member's notifications in the order they were committed
 * (docs/decisions/0016-notification-sequence.md); ids are not committed in order on
 * PostgreSQL. On each (re)connect the socket's auth callback asks for what came after the
 * notification with the highest seq this page has handled, starting at the latest one it was
 * rendered with (data-since, its id, and data-since-seq); the server replays those, oldest
 * first, then sends live pushes (web/push_gate.py keeps them behind the replay). So a dropped
 * connection or a server restart misses nothing, and a lower id committed late is neither
 * dropped live nor skipped on replay: it carries the higher seq.
 *
 * The feed remembers every id it handled, so the same notification twice (replayed and pushed
 * live) is handed on once. A push without an integer id is not a notification and is ignored;
 * one without a seq is handed on but does not move the cursor (the replay may then repeat it,
 * and the id check drops the repeat).
 *
 * A signal is not a notification: nothing stored, nothing replayed, no id. `feed.closed`
 * ({ask_id, why}) tells every page that may list an open ask among those someone could help
 * with that it no longer needs anyone (docs/decisions/0021-closed-ask-signal.md); it goes to
 * `onSignal`, never to `onPush`. */

export const SIGNALS = new Set(["feed.closed"]);

export class Feed {
  /* `since`, `sinceSeq`: the id and seq of the latest notification the page was rendered
   * with (data-since, data-since-seq; 0 for none). */
  constructor(since, sinceSeq, onPush, onSignal = () => {}) {
    this.cursor = Number.isInteger(since) && since > 0 ? since : 0; // an id: what `since` sends
    this.cursorSeq = Number.isInteger(sinceSeq) && sinceSeq > 0 ? sinceSeq : 0; // and its seq
    this.highestId = this.cursor; // what "read up to" names (POST /notifications/read up_to)
    this.handled = new Set();
    this.onPush = onPush;
    this.onSignal = onSignal;
  }

  /* Hand a push on to the page unless it was handled before; true when it was handed on. */
  receive(kind, note) {
    if (SIGNALS.has(kind)) {
      if (note && Number.isInteger(note.ask_id)) this.onSignal(kind, note);
      return false;
    }
    if (!note || !Number.isInteger(note.id) || this.handled.has(note.id)) return false;
    this.handled.add(note.id);
    this.highestId = Math.max(this.highestId, note.id);
    if (Number.isInteger(note.seq) && note.seq > this.cursorSeq) {
      this.cursorSeq = note.seq;
      this.cursor = note.id;
    }
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
