/* Test only: drives web/static/js/live.js with a stand-in for the Socket.IO client, so a test
 * can play the server — connect, replay, push live, drop — and see what the page was handed.
 *
 * The stand-in keeps to what live.js uses of socket.io-client: `io(options)` returns a socket
 * with `on(event, fn)` and `onAny(fn)`, and `options.auth(cb)` is called on every connection
 * attempt (reconnects included) for the handshake's auth payload. */

import { Feed, liveStream } from "/static/js/live.js";

function fakeIo(record) {
  return (options) => {
    const handlers = {};
    const any = [];
    record.options = options;
    return {
      on(event, fn) { (handlers[event] = handlers[event] || []).push(fn); },
      onAny(fn) { any.push(fn); },
      fire(event) { (handlers[event] || []).forEach((fn) => fn()); },
      push(kind, note) { any.forEach((fn) => fn(kind, note)); },
    };
  };
}

/* A page's stream starting at `since` (an id) and `sinceSeq`; what it hands on lands in
 * `handled` as [kind, id]. */
function open([since, sinceSeq]) {
  const record = {};
  const handled = [];
  const signals = [];
  const feed = new Feed(since, sinceSeq, (kind, note) => handled.push([kind, note.id]),
    (kind, data) => signals.push([kind, data]));
  const socket = liveStream(feed, { io: fakeIo(record), badge: document.getElementById("live") });
  const badge = document.getElementById("live");
  return {
    handled,
    signals,
    cursor: () => feed.cursor,
    highestId: () => feed.highestId,
    /* A connection attempt: the `since` the handshake carries, then the server accepts. */
    connect() {
      let auth;
      record.options.auth((payload) => { auth = payload; });
      socket.fire("connect");
      return auth;
    },
    refuse() { record.options.auth(() => {}); socket.fire("connect_error"); },
    drop() { socket.fire("disconnect"); },
    push(kind, note) { socket.push(kind, note); },
    badge: () => [badge.dataset.state, badge.textContent],
    transports: () => record.options.transports,
  };
}

window.liveHarness = { open };
document.body.dataset.ready = "true";
