"""invariants: the database itself refuses what must never happen (docs/invariants.md)

- Ledger rows (``entries``, ``transfers``) are append-only: UPDATE, DELETE (and TRUNCATE on
  PostgreSQL) are refused by triggers on both databases.
- A transfer balances: on PostgreSQL deferred constraint triggers check at COMMIT that each
  transfer has exactly its two legs (+minutes to the helper, −minutes from the asker), summing
  to 0. SQLite has no deferred triggers: a BEFORE INSERT trigger refuses any entry that is not
  one of its transfer's two legs, or a leg written twice; a transfer left with one leg at
  commit is the one thing SQLite cannot refuse (``exchange ledger verify`` reports it).
- ``asks.status`` and ``asks.helper_id`` agree: a CHECK on PostgreSQL; on SQLite two triggers
  with the same condition (adding a CHECK there means rebuilding ``asks``, and with foreign
  keys on, dropping the old table would cascade-delete its offers, tags and skips).
- At most one accepted offer per ask: a partial unique index on both. Offers accepted by a
  helper who later withdrew become ``withdrew`` first (the service does the same from now on).
- The audit log's purge switch (``SET LOCAL exchange.allow_audit_purge``, which any role could
  set) is gone: the trigger refuses every UPDATE/DELETE/TRUNCATE. Only the tables' owner or a
  superuser can lift it (``ALTER TABLE … DISABLE TRIGGER``, ``session_replication_role``), so
  an application role that does not own the tables cannot purge. SQLite gets the same refusing
  triggers; anyone who can write the file can drop them (documented).

SQLite note: the triggers named ``*_append_only_*`` and ``asks_status_helper_*`` vanish if a
later ``batch_alter_table`` recreates their table; such a revision must reinstall them.

Revision ID: b8e4f2d61c07
Revises: a7c3e1f09b52
Create Date: 2026-12-03 18:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'b8e4f2d61c07'
down_revision = 'a7c3e1f09b52'
branch_labels = None
depends_on = None

ASK_AGREE = ("(status IN ('open', 'expired') AND helper_id IS NULL)"
             " OR (status IN ('matched', 'delivered', 'confirmed') AND helper_id IS NOT NULL)"
             " OR status = 'cancelled'")
ACCEPTED = "response = 'accepted'"
APPEND_ONLY = ("entries", "transfers", "audit_log")

PG_UP = [
    """
CREATE OR REPLACE FUNCTION append_only_refuse() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql
""",
    # The old function kept an escape hatch any role could open; now it refuses outright.
    """
CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql
""",
    """CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON entries
FOR EACH ROW EXECUTE FUNCTION append_only_refuse()""",
    """CREATE TRIGGER transfers_append_only BEFORE UPDATE OR DELETE ON transfers
FOR EACH ROW EXECUTE FUNCTION append_only_refuse()""",
    """CREATE TRIGGER entries_append_only_truncate BEFORE TRUNCATE ON entries
FOR EACH STATEMENT EXECUTE FUNCTION append_only_refuse()""",
    """CREATE TRIGGER transfers_append_only_truncate BEFORE TRUNCATE ON transfers
FOR EACH STATEMENT EXECUTE FUNCTION append_only_refuse()""",
    """CREATE TRIGGER audit_log_append_only_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION append_only_refuse()""",
    """
CREATE OR REPLACE FUNCTION transfer_balances() RETURNS trigger AS $$
DECLARE
    tid integer;
    legs integer;
    total bigint;
    good integer;
BEGIN
    -- Separate branches: a plpgsql expression naming NEW.transfer_id fails on a transfers row.
    IF TG_TABLE_NAME = 'transfers' THEN tid := NEW.id; ELSE tid := NEW.transfer_id; END IF;
    SELECT count(e.id), coalesce(sum(e.amount), 0),
           count(e.id) FILTER (WHERE (e.member_id = t.to_member_id AND e.amount = t.minutes)
                                  OR (e.member_id = t.from_member_id AND e.amount = -t.minutes))
      INTO legs, total, good
      FROM transfers t LEFT JOIN entries e ON e.transfer_id = t.id
     WHERE t.id = tid;
    IF legs <> 2 OR good <> 2 OR total <> 0 THEN
        RAISE EXCEPTION 'transfer % does not balance: % entries summing to %', tid, legs, total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
""",
    """CREATE CONSTRAINT TRIGGER transfers_balance AFTER INSERT ON transfers
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION transfer_balances()""",
    """CREATE CONSTRAINT TRIGGER entries_balance AFTER INSERT ON entries
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION transfer_balances()""",
]

PG_DOWN = [
    "DROP TRIGGER IF EXISTS entries_balance ON entries",
    "DROP TRIGGER IF EXISTS transfers_balance ON transfers",
    "DROP FUNCTION IF EXISTS transfer_balances()",
    "DROP TRIGGER IF EXISTS audit_log_append_only_truncate ON audit_log",
    "DROP TRIGGER IF EXISTS transfers_append_only_truncate ON transfers",
    "DROP TRIGGER IF EXISTS entries_append_only_truncate ON entries",
    "DROP TRIGGER IF EXISTS transfers_append_only ON transfers",
    "DROP TRIGGER IF EXISTS entries_append_only ON entries",
    "DROP FUNCTION IF EXISTS append_only_refuse()",
    # The function as revision dc687cf457f4 left it, escape hatch included.
    """
CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger AS $$
BEGIN
    -- Test/operator-only escape hatch: SET LOCAL exchange.allow_audit_purge = 'on'.
    IF current_setting('exchange.allow_audit_purge', true) = 'on' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql
""",
]


def _sqlite_triggers() -> dict[str, str]:
    triggers = {}
    for table in APPEND_ONLY:
        for verb in ("UPDATE", "DELETE"):
            name = f"{table}_append_only_{verb.lower()}"
            triggers[name] = (f"CREATE TRIGGER {name} BEFORE {verb} ON {table} FOR EACH ROW "
                              f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} "
                              "refused'); END")
    triggers["entries_leg_of_transfer"] = """CREATE TRIGGER entries_leg_of_transfer
BEFORE INSERT ON entries FOR EACH ROW
WHEN NOT EXISTS (SELECT 1 FROM transfers t WHERE t.id = NEW.transfer_id
                 AND ((NEW.member_id = t.to_member_id AND NEW.amount = t.minutes)
                      OR (NEW.member_id = t.from_member_id AND NEW.amount = -t.minutes)))
  OR EXISTS (SELECT 1 FROM entries e WHERE e.transfer_id = NEW.transfer_id
             AND e.member_id = NEW.member_id)
BEGIN SELECT RAISE(ABORT, 'transfer does not balance: an entry that is not one of its two legs');
END"""
    agree = ASK_AGREE.replace("status", "NEW.status").replace("helper_id", "NEW.helper_id")
    for name, event in (("asks_status_helper_insert", "INSERT"),
                        ("asks_status_helper_update", "UPDATE OF status, helper_id")):
        triggers[name] = (f"CREATE TRIGGER {name} BEFORE {event} ON asks FOR EACH ROW "
                          f"WHEN NOT ({agree}) BEGIN SELECT RAISE(ABORT, "
                          "'CHECK constraint failed: status_helper_agree'); END")
    return triggers


def _retire_withdrawn_accepts() -> None:
    """An offer accepted by a helper who later withdrew is no longer accepted."""
    op.execute("""UPDATE offers SET response = 'withdrew' WHERE response = 'accepted'
AND EXISTS (SELECT 1 FROM ask_skips k WHERE k.ask_id = offers.ask_id
            AND k.member_id = offers.member_id AND k.reason = 'withdrew')""")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _retire_withdrawn_accepts()
    op.create_index('uq_offers_one_accepted_per_ask', 'offers', ['ask_id'], unique=True,
                    postgresql_where=sa.text(ACCEPTED), sqlite_where=sa.text(ACCEPTED))
    if dialect == "postgresql":
        op.create_check_constraint(op.f('ck_asks_status_helper_agree'), 'asks', ASK_AGREE)
        for statement in PG_UP:
            op.execute(statement)
    else:
        for statement in _sqlite_triggers().values():
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_DOWN:
            op.execute(statement)
        op.drop_constraint(op.f('ck_asks_status_helper_agree'), 'asks', type_='check')
    else:
        for name in _sqlite_triggers():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index('uq_offers_one_accepted_per_ask', table_name='offers')
