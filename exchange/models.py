"""Every model, imported once so ``Base.metadata`` is complete (Alembic, tests)."""

from exchange.asks.models import Ask, AskSkip, AskTag, Thanks
from exchange.conversation.models import Message
from exchange.db import Base
from exchange.delivery.models import Delivery, PushSubscription, UsedToken
from exchange.ledger.models import Entry, MemberTotals, Transfer
from exchange.matching.models import MatchWave
from exchange.matching.pool import PoolEntry
from exchange.members.models import ApiToken, AvailabilitySlot, Block, Member, MemberSkill
from exchange.moderation.models import AuditEntry, Flag, SuspensionHide
from exchange.notifications.models import NoteCounter, Notification, NotificationSetting
from exchange.offers.models import HelperStats, Offer
from exchange.outbox.models import OutboxMessage
from exchange.reminders.models import SentReminder

__all__ = [
    "ApiToken", "Ask", "AskSkip", "AskTag", "AuditEntry", "AvailabilitySlot", "Base", "Block",
    "Delivery", "Entry", "Flag", "HelperStats", "MatchWave", "Member", "MemberSkill",
    "MemberTotals", "Message", "NoteCounter", "Notification", "NotificationSetting", "Offer",
    "OutboxMessage", "PoolEntry", "PushSubscription", "SentReminder", "SuspensionHide", "Thanks",
    "Transfer", "UsedToken",
]
