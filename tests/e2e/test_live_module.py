"""web/static/js/live.js in Chromium: a test page imports the module with a stand-in for the
Socket.IO client, and each test plays the server — replaying, pushing live, repeating itself,
committing ids out of order as PostgreSQL can — then looks at what the page was handed.

The page is served by a small HTTP server of the test's own (tests/e2e/harness/ and the app's
web/static/), so the product carries no test-only route.
"""

from __future__ import annotations

import posixpath
import threading
import urllib.parse
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

HERE = Path(__file__).parent
ROOTS = {"/static/": HERE.parents[1] / "web/static", "/harness/": HERE / "harness"}


class _Files(SimpleHTTPRequestHandler):
    extensions_map = {".js": "text/javascript", ".html": "text/html"}

    def translate_path(self, path):
        path = posixpath.normpath(urllib.parse.urlsplit(path).path)
        for prefix, root in ROOTS.items():
            if path.startswith(prefix):
                return str(root / path[len(prefix):])
        return str(HERE / "harness/not-here")

    def log_message(self, *args):  # quiet: a failing test says what went wrong
        pass


@pytest.fixture(scope="module")
def files():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def page(browser, files):
    context = browser.new_context()
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(files + "/harness/live.html")
    page.wait_for_selector("body[data-ready]")
    yield page
    context.close()
    assert errors == []


class Stream:
    """One page's live stream, starting at notification ``since`` (its id) numbered
    ``since_seq``; the test is the server."""

    def __init__(self, page, since: int, since_seq: int = 0):
        self._s = page.evaluate_handle("start => window.liveHarness.open(start)",
                                       [since, since_seq])

    def _call(self, body: str, arg=None):
        return self._s.evaluate(f"(s, arg) => {body}", arg)

    def connect(self) -> int:
        """A (re)connection; the ``since`` its handshake asked the server for."""
        return self._call("s.connect()")["since"]

    def push(self, *notes: dict) -> None:
        for note in notes:
            self._call("s.push(arg.kind, arg)", note)

    def push_raw(self, kind: str, payload) -> None:
        self._call("s.push(arg[0], arg[1])", [kind, payload])

    def handled(self) -> list[int]:
        return [note_id for _kind, note_id in self._call("s.handled")]

    def signals(self) -> list[list]:
        return self._call("s.signals")

    def cursor(self) -> int:
        return self._call("s.cursor()")

    def highest_id(self) -> int:
        """What the page marks read up to (ids), apart from where it resumes."""
        return self._call("s.highestId()")

    def drop(self) -> None:
        self._call("s.drop()")

    def refuse(self) -> None:
        """A connection attempt the server turns down (connect_error)."""
        self._call("s.refuse()")

    def badge(self) -> list[str]:
        """The #live badge: [data-state, its text]."""
        return self._call("s.badge()")

    def transports(self) -> list[str]:
        return self._call("s.transports()")


def note(note_id: int, kind: str = "ask.offered", seq: int | None = None) -> dict:
    """A stored notification as the server pushes and replays it (numbered as its id unless
    ``seq`` says otherwise)."""
    return {"id": note_id, "seq": note_id if seq is None else seq, "kind": kind,
            "created_at": "2030-01-01T10:00:00+00:00",
            "read_at": None, "data": {"ask": {"id": 1, "title": "Read one paragraph"}}}


def test_a_replay_and_then_live_pushes_are_handed_on_in_the_order_they_came(page):
    stream = Stream(page, since=10, since_seq=10)
    assert stream.connect() == 10
    stream.push(note(11), note(12))  # replayed
    stream.push(note(13, "message.new"))  # live
    assert stream.handled() == [11, 12, 13]
    assert stream.cursor() == 13


def test_a_notification_replayed_and_then_pushed_live_is_handled_once(page):
    stream = Stream(page, since=0)
    stream.connect()
    stream.push(note(5), note(6), note(6), note(5))
    assert stream.handled() == [5, 6]


def test_a_lower_id_committed_late_is_still_news_and_the_cursor_follows_commit_order(page):
    stream = Stream(page, since=20, since_seq=5)
    stream.connect()
    stream.push(note(22, seq=6), note(21, seq=7))  # 21 committed after 22 (PostgreSQL)
    stream.push(note(21, seq=7))  # and pushed twice
    assert stream.handled() == [22, 21]
    assert stream.cursor() == 21  # the latest committed, though not the highest id
    assert stream.highest_id() == 22  # reading up to it marks both


def test_every_reconnect_asks_for_what_came_after_the_latest_committed_seen(page):
    stream = Stream(page, since=7, since_seq=3)
    assert stream.connect() == 7
    stream.push(note(9, seq=4), note(8, seq=5))  # 8 committed after 9
    stream.drop()
    assert stream.connect() == 8  # so the server replays what was numbered after 8: not 8 or 9


def test_a_push_numbered_before_the_page_was_rendered_does_not_move_the_cursor_back(page):
    """A push still in flight when the page was rendered with a later notification: news to
    the feed, but resuming from it would replay what the page already showed."""
    stream = Stream(page, since=30, since_seq=12)
    stream.connect()
    stream.push(note(29, seq=11))
    assert stream.handled() == [29]
    stream.drop()
    assert stream.connect() == 30


def test_a_push_without_a_seq_is_handed_on_but_does_not_move_the_cursor(page):
    stream = Stream(page, since=3, since_seq=3)
    stream.connect()
    stream.push_raw("ask.offered", {k: v for k, v in note(4).items() if k != "seq"})
    assert stream.handled() == [4]
    assert stream.cursor() == 3


def test_a_replay_after_a_reconnect_repeats_nothing_already_handled(page):
    stream = Stream(page, since=0)
    stream.connect()
    stream.push(note(1), note(2))
    stream.drop()
    stream.connect()
    stream.push(note(2), note(3))  # a replay that overlaps what came live
    assert stream.handled() == [1, 2, 3]


@pytest.mark.parametrize("payload", [None, {}, {"id": "7"}, {"id": 7.5}, {"id": True},
                                     "ask.offered", {"kind": "ask.offered"}])
def test_a_push_that_is_not_a_stored_notification_is_ignored(page, payload):
    stream = Stream(page, since=3, since_seq=3)
    stream.connect()
    stream.push_raw("ask.offered", payload)
    assert stream.handled() == []
    assert stream.cursor() == 3


def test_a_signal_goes_to_the_page_as_a_signal_and_moves_nothing(page):
    """feed.closed is not a notification (decision 0021): handed to onSignal, never to
    onPush, and neither the cursor nor what is marked read moves."""
    stream = Stream(page, since=3, since_seq=3)
    stream.connect()
    stream.push_raw("feed.closed", {"ask_id": 12, "why": "taken"})
    stream.push_raw("feed.closed", {"ask_id": "12", "why": "taken"})  # not an ask id: dropped
    stream.push_raw("feed.closed", {"id": 4, "seq": 4, "ask_id": 13, "why": "hidden"})
    assert stream.signals() == [["feed.closed", {"ask_id": 12, "why": "taken"}],
                                ["feed.closed", {"id": 4, "seq": 4, "ask_id": 13,
                                                 "why": "hidden"}]]
    assert stream.handled() == []
    assert (stream.cursor(), stream.highest_id()) == (3, 3)


def test_a_page_rendered_without_notifications_starts_from_nothing(page):
    stream = Stream(page, since=0)
    assert stream.connect() == 0
    stream.push(note(1))
    assert stream.handled() == [1]


def test_the_badge_says_whether_pushes_are_flowing(page):
    stream = Stream(page, since=0)
    assert stream.badge() == ["connecting", "Connecting…"]
    stream.connect()
    assert stream.badge() == ["live", "Live"]
    stream.drop()
    assert stream.badge() == ["reconnecting", "Reconnecting…"]
    stream.refuse()
    assert stream.badge() == ["reconnecting", "Reconnecting…"]
    stream.connect()
    assert stream.badge() == ["live", "Live"]


def test_the_stream_tries_websocket_first_and_falls_back_to_polling(page):
    assert Stream(page, since=0).transports() == ["websocket", "polling"]
