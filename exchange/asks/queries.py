"""Reading asks: the feed, my asks, asks I could help with — with cursor pagination.

Pages are newest first by id (``exchange.pagination``). Hidden asks,
asks of blocked members (either direction) and of deleted or banned authors are left out,
except the actor's own.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Integer, String, and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import defaultload, lazyload, selectinload, with_expression

from exchange.asks.models import Ask, AskSkip, AskTag
from exchange.members.models import Block, Member, MemberSkill
from exchange.pagination import keyset_page
from exchange.policy import can


def _not_blocked(actor_id: int):
    return ~exists().where(or_(
        and_(Block.blocker_id == actor_id, Block.blocked_id == Ask.author_id),
        and_(Block.blocked_id == actor_id, Block.blocker_id == Ask.author_id),
    ))


def _author_ok():
    return exists().where(Member.id == Ask.author_id, Member.status.in_(("active", "suspended")))


def _visible(actor):
    public = and_(Ask.hidden.is_(False), _author_ok(), _not_blocked(actor.id))
    if can(actor, "see_hidden"):
        return or_(Ask.author_id == actor.id, Ask.helper_id == actor.id, _not_blocked(actor.id))
    return or_(Ask.author_id == actor.id, Ask.helper_id == actor.id, public)


def _for_me(actor_id, area):
    """Open asks by others that fit my skills (untagged asks fit anyone) and area (``area``:
    the member's, lower-cased, or None)."""
    skills = select(MemberSkill.tag).where(MemberSkill.member_id == actor_id)
    fits_tags = or_(~exists().where(AskTag.ask_id == Ask.id),
                    exists().where(AskTag.ask_id == Ask.id, AskTag.tag.in_(skills)))
    fits_area = Ask.mode == "online"
    if area is not None:
        fits_area = or_(fits_area, func.lower(Ask.area) == area)
    not_skipped = ~exists().where(AskSkip.ask_id == Ask.id, AskSkip.member_id == actor_id)
    return and_(Ask.status == "open", Ask.author_id != actor_id, Ask.hidden.is_(False),
                _not_blocked(actor_id), fits_tags, fits_area, not_skipped)


# A page (or a wave) shows each ask's author and helper by name only: their skills and weekly
# slots (which a Member otherwise loads eagerly) would be two more queries on every read.
PEOPLE_BARE = tuple(defaultload(person).lazyload(rel)
                     for person in (Ask.author, Ask.helper)
                     for rel in (Member.skills, Member.slots))


# A page shows each person by handle and name only, and reads its asks' tags in its own query
# (``Ask.tags_joined``): one statement per page instead of two, and no tag rows to build.
TAGS_JOINED = func.coalesce(
    select(func.aggregate_strings(AskTag.tag, ",")).where(AskTag.ask_id == Ask.id)
    .correlate(Ask).scalar_subquery(), "")
PAGE_OPTIONS = (*(defaultload(person).load_only(Member.id, Member.handle, Member.display_name)
                  for person in (Ask.author, Ask.helper)),
                *PEOPLE_BARE, lazyload(Ask.tag_rows), with_expression(Ask.tags_joined, TAGS_JOINED))
# A wave reads its ask as a page does (tags in the same statement, people by name), built once:
# ``session.get`` with options would build and cache-key a new query every time.
_ONE_FOR_WAVE = select(Ask).options(*PAGE_OPTIONS).where(Ask.id == bindparam("ask_id"))


def one_for_wave(session, ask_id: int) -> Ask | None:
    """The ask as a wave needs it (tags, author and helper by name), in one statement."""
    return session.execute(_ONE_FOR_WAVE, {"ask_id": ask_id}).scalar_one_or_none()


def page(session, *, actor, status=None, tag=None, mine=None, for_me=False, cursor=None,
         limit=20) -> tuple[list[Ask], int | None]:
    if for_me and mine is None:
        return _for_me_page(session, actor, status=status, tag=tag, cursor=cursor, limit=limit)
    query = select(Ask).options(*PAGE_OPTIONS)
    if for_me:
        query = query.where(_for_me(actor.id, _area(actor)))
        if not can(actor, "see_hidden"):
            query = query.where(or_(Ask.helper_id == actor.id, _author_ok()))
    else:
        # Lists that can hold confirmed asks read their thanks for the page at once.
        query = query.where(_visible(actor)).options(selectinload(Ask.thanks))
    if mine == "asked":
        query = query.where(Ask.author_id == actor.id)
    elif mine == "helping":
        query = query.where(Ask.helper_id == actor.id)
    if status:
        query = query.where(Ask.status == status)
    if tag:
        query = query.where(exists().where(AskTag.ask_id == Ask.id, AskTag.tag == tag))
    return keyset_page(session, query, Ask.id, cursor=cursor, limit=limit)


def _area(actor) -> str | None:
    return actor.area.strip().lower() if actor.area else None


def _for_me_page(session, actor, *, status, tag, cursor, limit):
    """The most read list, from a statement built once per shape with the caller's values as
    parameters: building the statement and its cache key again on every read cost more than
    the database's own work for it."""
    area = _area(actor)
    query = _for_me_statement(can(actor, "see_hidden"), area is not None, bool(status),
                              bool(tag), bool(cursor))
    params = {"actor_id": actor.id, "area": area, "status": status, "tag": tag,
              "cursor": cursor, "limit": limit + 1}
    rows = list(session.scalars(query, {k: v for k, v in params.items() if v is not None})
                .unique())
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


@lru_cache(maxsize=32)
def _for_me_statement(see_hidden: bool, has_area: bool, has_status: bool, has_tag: bool,
                      has_cursor: bool):
    actor_id = bindparam("actor_id", type_=Integer)
    query = select(Ask).options(*PAGE_OPTIONS).where(
        _for_me(actor_id, bindparam("area", type_=String) if has_area else None))
    if not see_hidden:
        # _for_me already asks for an unhidden ask by someone else, no block either way: of
        # _visible only the author's standing is left to check (the planner was handed each
        # condition twice, and planned it twice, on the most read list there is).
        query = query.where(or_(Ask.helper_id == actor_id, _author_ok()))
    if has_status:
        query = query.where(Ask.status == bindparam("status", type_=String))
    if has_tag:
        query = query.where(exists().where(AskTag.ask_id == Ask.id,
                                           AskTag.tag == bindparam("tag", type_=String)))
    if has_cursor:
        query = query.where(Ask.id < bindparam("cursor", type_=Integer))
    return query.order_by(Ask.id.desc()).limit(bindparam("limit", type_=Integer))
