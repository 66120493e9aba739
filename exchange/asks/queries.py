"""Reading asks: the feed, my asks, asks I could help with — with cursor pagination.

Pages are newest first by id (``exchange.pagination``). Hidden asks,
asks of blocked members (either direction) and of deleted or banned authors are left out,
except the actor's own.
"""

from __future__ import annotations

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import defaultload, selectinload

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


def _for_me(actor):
    """Open asks by others that fit my skills (untagged asks fit anyone) and area."""
    skills = select(MemberSkill.tag).where(MemberSkill.member_id == actor.id)
    fits_tags = or_(~exists().where(AskTag.ask_id == Ask.id),
                    exists().where(AskTag.ask_id == Ask.id, AskTag.tag.in_(skills)))
    fits_area = Ask.mode == "online"
    if actor.area:
        fits_area = or_(fits_area, func.lower(Ask.area) == actor.area.strip().lower())
    not_skipped = ~exists().where(AskSkip.ask_id == Ask.id, AskSkip.member_id == actor.id)
    return and_(Ask.status == "open", Ask.author_id != actor.id, Ask.hidden.is_(False),
                _not_blocked(actor.id), fits_tags, fits_area, not_skipped)


# A page (or a wave) shows each ask's author and helper by name only: their skills and weekly
# slots (which a Member otherwise loads eagerly) would be two more queries on every read.
PEOPLE_BARE = tuple(defaultload(person).lazyload(rel)
                     for person in (Ask.author, Ask.helper)
                     for rel in (Member.skills, Member.slots))


def page(session, *, actor, status=None, tag=None, mine=None, for_me=False, cursor=None,
         limit=20) -> tuple[list[Ask], int | None]:
    query = select(Ask).options(*PEOPLE_BARE)
    if for_me:
        # _for_me already asks for an unhidden ask by someone else, no block either way: of
        # _visible only the author's standing is left to check (the planner was handed each
        # condition twice, and planned it twice, on the most read list there is).
        query = query.where(_for_me(actor))
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
