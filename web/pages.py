"""Server-rendered pages: a welcome, signing in and joining, the home page where a member
asks, sees offers arrive live and closes the loop with thanks, the profile page where they
say what they can help with and when, which address is theirs and how the exchange may reach
them off the page (``/sw.js``, the service worker that shows Web Push notifications), and the
pages account mail links to: a forgotten password, a new one, an address confirmed.

The pages hold no rules: each renders a shell naming itself in ``<body data-page>``, and the
browser modules (``static/js/``, started by ``boot.js``; no inline script) do everything through
the same REST API and Socket.IO pushes as any other client, signed in with the session cookie,
so the API's authorization is the pages' too; the one page only some members may see
(``/moderate`` and ``/moderate/members/<handle>``) asks the same policy.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import generate_csrf

from exchange.asks import ledger_history as history
from exchange.clock import utcnow
from exchange.ledger import service as ledger
from exchange.members import passwords
from exchange.members import service as members
from exchange.moderation import health as community_health
from exchange.notifications import service as notes
from exchange.policy import can
from web import charts
from web.state import state, uow

# A browser runs a module only if it is served as JavaScript. Flask sends what the host's MIME
# table says, and some tables (the Windows registry, notably) can map .js to text/plain.
mimetypes.add_type("text/javascript", ".js")
SERVICE_WORKER = Path(__file__).parent / "static" / "sw.js"

pages = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
                  static_url_path="/static")


@pages.context_processor
def _unread_count() -> dict:
    """How many notifications the signed-in member has not seen yet: the header's count on
    every page (home shows them in its Updates list and marks them read)."""
    member = _signed_in()
    if member is None:
        return {}
    return {"unread": notes.unread_count(uow().session, member_id=member.id)}


def _signed_in():
    """The member signed in with the browser session (a bearer token is not a browser)."""
    return g.get("member") if g.get("via") == "cookie" else None


def _seen(member) -> None:
    """The member is on the site: no digest for a period they were here in. (A page is a read:
    the mark is a short write of its own.)"""
    with state().db.session() as session, session.begin():
        members.note_seen(session, member.id)


@pages.get("/")
def index():
    if _signed_in() is not None:
        return redirect(url_for("pages.home"))
    return render_template("index.html")


@pages.get("/signin")
def signin():
    if _signed_in() is not None:
        return redirect(url_for("pages.home"))
    return render_template("signin.html", csrf_token=generate_csrf())


@pages.get("/join")
def join():
    if _signed_in() is not None:
        return redirect(url_for("pages.home"))
    return render_template("join.html", csrf_token=generate_csrf(),
                           min_length=passwords.MIN_LENGTH)


# Pages reached from account mail. Anyone may open them, signed in or not: the token in the
# link is the authority, read by the page's script and sent with one POST (a mail scanner that
# follows the link changes nothing). Their pages send no Referer, so the token in the address
# bar goes nowhere else.

@pages.get("/forgot")
def forgot():
    return render_template("forgot.html", csrf_token=generate_csrf())


@pages.get("/reset")
def reset():
    return render_template("reset.html", csrf_token=generate_csrf(),
                           min_length=passwords.MIN_LENGTH)


@pages.get("/verify")
def verify():
    return render_template("verify.html", csrf_token=generate_csrf(),
                           signed_in=_signed_in() is not None)


@pages.get("/home")
def home():
    member = _signed_in()
    if member is None:
        return redirect(url_for("pages.signin", next=request.path))
    _seen(member)
    since, since_seq = notes.latest(uow().session, member_id=member.id)
    return render_template("home.html", member=member, since=since, since_seq=since_seq,
                           csrf_token=generate_csrf(), moderator=can(member, "review"))


@pages.get("/profile")
def profile():
    member = _signed_in()
    if member is None:
        return redirect(url_for("pages.signin", next=request.path))
    return render_template("profile.html", member=member, csrf_token=generate_csrf())


@pages.get("/asks/<int(min=1, max=2147483647):ask_id>")
def ask_page(ask_id):
    """One ask: its state, who is helping, the conversation and the one next step. Links from
    feeds, notifications and emails land here; the page module reads the ask through the API
    (which decides who may see it) and follows it live."""
    member = _signed_in()
    if member is None:
        return redirect(url_for("pages.signin", next=request.path))
    since, since_seq = notes.latest(uow().session, member_id=member.id)
    return render_template("ask.html", member=member, ask_id=ask_id, since=since,
                           since_seq=since_seq, csrf_token=generate_csrf())


@pages.get("/ledger")
def ledger_page():
    """Give and receive over time: each help given and received, minutes by month as a chart
    drawn here (inline SVG), and — for someone who has only given — the invitation to ask."""
    member = _signed_in()
    if member is None:
        return redirect(url_for("pages.signin", next=request.path))
    cursor = request.args.get("before", type=int)
    if cursor is not None and not 0 < cursor < 2**31:
        cursor = None
    session = uow().session
    found, older = history.lines(session, member_id=member.id, cursor=cursor)
    months = history.by_month(session, member_id=member.id, timezone=member.timezone,
                              now=utcnow())
    totals = ledger.totals(session, member.id)
    return render_template("ledger.html", member=member, lines=found, older=older,
                           first_page=cursor is None, totals=totals,
                           chart=charts.given_and_received(months), months=months,
                           zone=history.zone_of(member.timezone))


@pages.get("/members/<string(minlength=1, maxlength=40):handle>")
def member_profile(handle):
    """A member's public profile: both sides of what they exchanged, and thanks."""
    member = _signed_in()
    if member is None:
        return redirect(url_for("pages.signin", next=request.path))
    return render_template("member.html", member=member, handle=handle,
                           csrf_token=generate_csrf())


@pages.get("/moderate")
def moderate():
    """The review queue and community health; for everyone else there is nothing here."""
    member = _signed_in()
    if member is None:
        return redirect(url_for("pages.signin", next=request.path))
    if not can(member, "review"):
        abort(404)
    session = uow().session
    since, since_seq = notes.latest(session, member_id=member.id)
    view = community_health.health(session, actor=member, weeks=8)
    return render_template("moderate.html", member=member, since=since, since_seq=since_seq,
                           csrf_token=generate_csrf(), charts=charts.health_charts(view),
                           health_at=view["generated_at"], audit_actions=AUDIT_ACTIONS)


# The audit log's kinds of action, as the filter offers them (docs/moderation.md).
AUDIT_ACTIONS = (("hide", "Hidden"), ("restore", "Restored"), ("auto_hide", "Hidden by flags"),
                 ("dismiss", "Flags dismissed"), ("warn", "Warned"), ("suspend", "Suspended"),
                 ("reinstate", "Reinstated"), ("ban", "Banned"), ("set_role", "Role changed"),
                 ("reverse_transfer", "Transfer reversed"))


@pages.get("/moderate/members/<string(minlength=1, maxlength=40):handle>")
def moderate_member(handle):
    """One member as moderators see them: asks, flags, earlier actions, trust level, and the
    actions with their reasons. The page module reads ``GET /api/v1/mod/members/{handle}``."""
    member = _signed_in()
    if member is None:
        return redirect(url_for("pages.signin", next=request.path))
    if not can(member, "review"):
        abort(404)
    return render_template("moderate_member.html", member=member, handle=handle,
                           csrf_token=generate_csrf())


@pages.get("/sw.js")
def service_worker():
    """The service worker (``static/sw.js``) from the site root, so its scope is the whole
    site; browsers check for a new one on every visit, so it is never cached."""
    response = make_response(SERVICE_WORKER.read_bytes())  # 2 KB: no file handle left open
    response.mimetype = "text/javascript"
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)


@pages.get("/healthz")
def health():
    return {"ok": True}


# --- error pages for browsers -----------------------------------------------------------------
# Every error is answered by ``web.errors`` as JSON. A browser that asked for a page (not the
# API: /api/ keeps its JSON for every client) gets the same status and headers with a page in
# the product's voice instead: what happened, that it is not their fault, and a way on.

ERROR_PAGES = {
    403: ("This page isn't open to you",
          "It belongs to a part of the exchange your account can't see. Everything of yours is "
          "still where you left it."),
    404: ("We couldn't find that page",
          "The link may be old, or the page may have moved. Nothing of yours is lost."),
    429: ("Let's take a short breather",
          "A lot happened in a short time, so the exchange is pausing for a moment."),
    503: ("The exchange is catching its breath",
          "It can't reach its records for a moment. It wasn't anything you did, and nothing you "
          "sent was half-saved."),
    500: ("Something went wrong on our side",
          "It wasn't anything you did. Please try again in a moment; if it keeps happening, "
          "it's ours to fix."),
}
OTHER_ERROR = ("That didn't work this time",
               "Please go back and try again. If it keeps happening, it's ours to fix.")


def _wants_page(response) -> bool:
    return (response.status_code >= 400 and not request.path.startswith("/api/")
            and response.mimetype == "application/json"
            and request.accept_mimetypes.best_match(("application/json", "text/html"))
            == "text/html")


def _in_words(seconds: int) -> str:
    if seconds < 90:
        return "a minute" if seconds > 45 else f"{max(seconds, 1)} second{'s' * (seconds != 1)}"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} minutes"
    hours = round(seconds / 3600)
    return "an hour" if hours == 1 else f"{hours} hours"


@pages.after_app_request
def error_page(response):
    if not _wants_page(response):
        return response
    status = response.status_code
    heading, words = ERROR_PAGES.get(status) or (
        ERROR_PAGES[500] if status >= 500 else OTHER_ERROR)
    wait = response.headers.get("Retry-After", "")
    html = render_template("error.html", status=status, heading=heading, words=words,
                           wait=_in_words(int(wait)) if wait.isdigit() else None,
                           signed_in=_signed_in() is not None)
    response.set_data(html)
    response.mimetype = "text/html"
    return response
