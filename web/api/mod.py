"""Moderator routes: the review queue, resolutions, sanctions, ledger corrections, the audit log.

Who may do what is decided in ``exchange.policy``; members get 403 here, anonymous
callers 401 (``current_member``).
"""

from __future__ import annotations

from flask_smorest import Blueprint

from exchange.asks.schemas import AskSchema
from exchange.members.service import get_member
from exchange.moderation import actions, audit, health, member_view, queue, sanctions
from exchange.moderation.schemas import (
    AuditPageSchema,
    AuditQuerySchema,
    ClaimSchema,
    HealthChartsSchema,
    HealthQuerySchema,
    HealthSchema,
    MemberStatusSchema,
    MemberViewSchema,
    QueueQuerySchema,
    QueueSchema,
    ReasonSchema,
    ReinstateSchema,
    ResolvedSchema,
    ResolveSchema,
    RoleSchema,
    SuspendSchema,
    TransferSchema,
)
from exchange.policy import require
from web import charts
from web.auth import current_member
from web.state import uow

PREFIX = "/mod"
blp = Blueprint("mod", __name__, description="Moderation (moderators and admins)")
ID = "<int(min=1, max=2147483647):{}>"
HANDLE = "<string(minlength=1, maxlength=40):handle>"


def _moderator():
    actor = current_member()
    require(actor, "review")
    return actor


def _act(service, **arguments):
    """Run a moderation service as the calling moderator and commit: every write route here."""
    unit = uow()
    result = service(unit, actor=_moderator(), **arguments)
    unit.commit()
    return result


@blp.route("/flags", methods=["GET"])
@blp.arguments(QueueQuerySchema, location="query")
@blp.response(200, QueueSchema)
def review_queue(query):
    return {"items": queue.review_queue(uow().session, actor=_moderator(), **query)}


@blp.route(f"/flags/{ID.format('flag_id')}/claim", methods=["POST"])
@blp.response(200, ClaimSchema)
def claim(flag_id):
    flag = _act(actions.claim, flag_id=flag_id)
    return {"flag_id": flag.id, "claimed_by": current_member(), "claimed_at": flag.claimed_at}


@blp.route(f"/flags/{ID.format('flag_id')}/resolve", methods=["POST"])
@blp.arguments(ResolveSchema)
@blp.response(200, ResolvedSchema)
def resolve(data, flag_id):
    ids = _act(actions.resolve, flag_id=flag_id, **data)
    return {"resolved": ids, "action": data["action"]}


def _ask_visibility(hidden: bool):
    def view(data, ask_id):
        return _act(actions.set_ask_hidden, ask_id=ask_id, hidden=hidden,
                    reason=(data or {}).get("reason", ""))
    return view


for _name, _hidden in (("hide", True), ("restore", False)):
    blp.route(f"/asks/{ID.format('ask_id')}/{_name}", methods=["POST"], endpoint=f"ask_{_name}")(
        blp.arguments(ReasonSchema(), required=False)(
            blp.response(200, AskSchema)(_ask_visibility(_hidden))))


@blp.route(f"/members/{HANDLE}", methods=["GET"])
@blp.response(200, MemberViewSchema)
def member(handle):
    """One member as a moderator sees them: asks, flags, earlier actions, trust level."""
    session = uow().session
    view = member_view.member_view(session, actor=_moderator(), handle=handle)
    return {**view, "actions": [_entry(session, e) for e in view["actions"]]}


@blp.route(f"/members/{HANDLE}/warn", methods=["POST"])
@blp.arguments(ReinstateSchema)
@blp.response(200, MemberStatusSchema)
def warn(data, handle):
    """A word to the member (``mod.warning`` with the reason)."""
    return _act(sanctions.warn, handle=handle, **data)


@blp.route(f"/members/{HANDLE}/suspend", methods=["POST"])
@blp.arguments(SuspendSchema)
@blp.response(200, MemberStatusSchema)
def suspend(data, handle):
    return _act(sanctions.suspend, handle=handle, **data)


@blp.route(f"/members/{HANDLE}/reinstate", methods=["POST"])
@blp.arguments(ReinstateSchema)
@blp.response(200, MemberStatusSchema)
def reinstate(data, handle):
    return _act(sanctions.reinstate, handle=handle, **data)


@blp.route(f"/members/{HANDLE}/role", methods=["POST"])
@blp.arguments(RoleSchema)
@blp.response(200, MemberStatusSchema)
def role(data, handle):
    return _act(sanctions.set_role, handle=handle, **data)


@blp.route(f"/transfers/{ID.format('transfer_id')}/reverse", methods=["POST"])
@blp.arguments(ReinstateSchema)
@blp.response(201, TransferSchema)
def reverse(data, transfer_id):
    return _act(sanctions.reverse_transfer, transfer_id=transfer_id, **data)


@blp.route("/audit", methods=["GET"])
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, AuditPageSchema)
def audit_log(query):
    session = uow().session
    actor_handle, member_handle = query.pop("actor", None), query.pop("member", None)
    rows, nxt = audit.read(session, actor=_moderator(), actor_handle=actor_handle,
                           member_handle=member_handle, **query)
    return {"items": [_entry(session, r) for r in rows], "next_cursor": nxt}


@blp.route("/health", methods=["GET"])
@blp.arguments(HealthQuerySchema, location="query")
@blp.response(200, HealthSchema)
def community_health(query):
    """Where asks wait, where helpers are, how fast help comes, flags per week."""
    return health.health(uow().session, actor=_moderator(), **query)


@blp.route("/health/charts", methods=["GET"])
@blp.arguments(HealthQuerySchema, location="query")
@blp.response(200, HealthChartsSchema)
def community_health_charts(query):
    """The same view as three small charts drawn here as SVG, for the moderation page to
    refresh in place."""
    view = health.health(uow().session, actor=_moderator(), **query)
    return {"generated_at": view["generated_at"], "charts": charts.health_charts(view)}


def _entry(session, row) -> dict:
    actor = get_member(session, row.actor_id) if row.actor_id else None
    return {"id": row.id, "actor": actor, "about": audit.about_whom(session, row),
            "action": row.action, "target_type": row.target_type,
            "target_id": row.target_id, "reason": row.reason, "data": row.data,
            "created_at": row.created_at, "hash": row.hash}
