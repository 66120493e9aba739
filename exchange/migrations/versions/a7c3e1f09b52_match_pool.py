"""match_pool: the index-ordered table the candidate search walks, kept by triggers

One row per (helper who could take an ask now, skill tag) plus one under '*' (see
``exchange.matching.pool``). Triggers on members, member_skills, asks and helper_stats keep it
right in the same transaction as the change, on PostgreSQL (one refresh function) and SQLite
(the same SQL repeated per trigger). Backfilled from the source tables.

SQLite note: a later ``batch_alter_table`` on members, member_skills, asks or helper_stats
recreates the table and drops its triggers; such a revision must reinstall them
(``install_sqlite`` below) and rebuild the rows.

Revision ID: a7c3e1f09b52
Revises: 690a77d686f6
Create Date: 2026-12-03 13:50:00
"""
from alembic import op
import sqlalchemy as sa
import exchange.db


revision = 'a7c3e1f09b52'
down_revision = '690a77d686f6'
branch_labels = None
depends_on = None


def refresh_sql(dialect: str, member: str | None) -> str:
    """INSERT the rows of ``member`` (an SQL expression), or of everyone when None."""
    never = ("TIMESTAMP WITH TIME ZONE '1970-01-01 00:00:00+00'" if dialect == "postgresql"
             else "'1970-01-01 00:00:00.000000'")
    only = f"AND m.id = {member}" if member else ""
    skills = f"WHERE s.member_id = {member}" if member else ""
    anyone = f"WHERE m2.id = {member}" if member else ""
    return f"""
INSERT INTO match_pool (member_id, tag, last_offered_at, area, timezone)
SELECT m.id, t.tag, COALESCE(h.last_offered_at, {never}), NULLIF(lower(trim(m.area)), ''),
       m.timezone
FROM members m
JOIN (SELECT s.member_id AS member_id, s.tag AS tag FROM member_skills s {skills}
      UNION ALL SELECT m2.id, '*' FROM members m2 {anyone}) t ON t.member_id = m.id
LEFT JOIN helper_stats h ON h.member_id = m.id
WHERE m.status = 'active' AND m.helping {only}
  AND (SELECT count(*) FROM asks a WHERE a.helper_id = m.id
       AND a.status IN ('matched', 'delivered')) < m.capacity
ON CONFLICT (member_id, tag) DO UPDATE SET last_offered_at = excluded.last_offered_at,
  area = excluded.area, timezone = excluded.timezone
"""


def _pg_statements() -> list[str]:
    return [
        # Lookups by primary key only (members, helper_stats, member_skills), whatever the
        # planner's statistics say: a trigger must cost the same in a fresh table as in an
        # analysed one.
        """
CREATE OR REPLACE FUNCTION match_pool_refresh(mid integer) RETURNS void AS $$
DECLARE
    fits boolean;
    place text;
    zone text;
    offered timestamptz;
BEGIN
    IF mid IS NULL THEN RETURN; END IF;
    DELETE FROM match_pool WHERE member_id = mid;
    SELECT m.status = 'active' AND m.helping
           AND (SELECT count(*) FROM asks a WHERE a.helper_id = mid
                AND a.status IN ('matched', 'delivered')) < m.capacity,
           NULLIF(lower(trim(m.area)), ''), m.timezone
      INTO fits, place, zone
      FROM members m WHERE m.id = mid;
    IF NOT coalesce(fits, false) THEN RETURN; END IF;
    SELECT h.last_offered_at INTO offered FROM helper_stats h WHERE h.member_id = mid;
    INSERT INTO match_pool (member_id, tag, last_offered_at, area, timezone)
    SELECT mid, t.tag, COALESCE(offered, TIMESTAMP WITH TIME ZONE '1970-01-01 00:00:00+00'),
           place, zone
      FROM (SELECT s.tag AS tag FROM member_skills s WHERE s.member_id = mid
            UNION ALL SELECT '*') t
    ON CONFLICT (member_id, tag) DO UPDATE SET last_offered_at = excluded.last_offered_at,
      area = excluded.area, timezone = excluded.timezone;
END;
$$ LANGUAGE plpgsql
""",
        """
CREATE OR REPLACE FUNCTION match_pool_on_member() RETURNS trigger AS $$
BEGIN
    PERFORM match_pool_refresh(NEW.id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
""",
        """
CREATE OR REPLACE FUNCTION match_pool_on_skill() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN PERFORM match_pool_refresh(OLD.member_id); END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.member_id <> OLD.member_id) THEN
        PERFORM match_pool_refresh(NEW.member_id);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
""",
        """
CREATE OR REPLACE FUNCTION match_pool_on_ask() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN PERFORM match_pool_refresh(OLD.helper_id); END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.helper_id IS DISTINCT FROM OLD.helper_id)
    THEN
        PERFORM match_pool_refresh(NEW.helper_id);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
""",
        """
CREATE OR REPLACE FUNCTION match_pool_on_offer() RETURNS trigger AS $$
BEGIN
    UPDATE match_pool
       SET last_offered_at = COALESCE(NEW.last_offered_at,
                                      TIMESTAMP WITH TIME ZONE '1970-01-01 00:00:00+00')
     WHERE member_id = NEW.member_id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
""",
        """CREATE TRIGGER match_pool_member AFTER INSERT OR UPDATE OF status, helping, capacity,
area, timezone ON members FOR EACH ROW EXECUTE FUNCTION match_pool_on_member()""",
        """CREATE TRIGGER match_pool_skill AFTER INSERT OR UPDATE OR DELETE ON member_skills
FOR EACH ROW EXECUTE FUNCTION match_pool_on_skill()""",
        """CREATE TRIGGER match_pool_ask AFTER INSERT OR UPDATE OF helper_id, status OR DELETE
ON asks FOR EACH ROW EXECUTE FUNCTION match_pool_on_ask()""",
        """CREATE TRIGGER match_pool_offer AFTER INSERT OR UPDATE OF last_offered_at
ON helper_stats FOR EACH ROW EXECUTE FUNCTION match_pool_on_offer()""",
    ]


PG_DROP = [
    "DROP TRIGGER IF EXISTS match_pool_member ON members",
    "DROP TRIGGER IF EXISTS match_pool_skill ON member_skills",
    "DROP TRIGGER IF EXISTS match_pool_ask ON asks",
    "DROP TRIGGER IF EXISTS match_pool_offer ON helper_stats",
    "DROP FUNCTION IF EXISTS match_pool_on_member()",
    "DROP FUNCTION IF EXISTS match_pool_on_skill()",
    "DROP FUNCTION IF EXISTS match_pool_on_ask()",
    "DROP FUNCTION IF EXISTS match_pool_on_offer()",
    "DROP FUNCTION IF EXISTS match_pool_refresh(integer)",
]

SQLITE_TRIGGERS = (
    # (name, event, guard, member expressions refreshed)
    ("match_pool_member_insert", "INSERT ON members", None, ["NEW.id"]),
    ("match_pool_member_update",
     "UPDATE OF status, helping, capacity, area, timezone ON members", None, ["NEW.id"]),
    ("match_pool_skill_insert", "INSERT ON member_skills", None, ["NEW.member_id"]),
    ("match_pool_skill_delete", "DELETE ON member_skills", None, ["OLD.member_id"]),
    ("match_pool_skill_update", "UPDATE ON member_skills", None,
     ["OLD.member_id", "NEW.member_id"]),
    ("match_pool_ask_insert", "INSERT ON asks", "NEW.helper_id IS NOT NULL", ["NEW.helper_id"]),
    ("match_pool_ask_delete", "DELETE ON asks", "OLD.helper_id IS NOT NULL", ["OLD.helper_id"]),
    ("match_pool_ask_update_old", "UPDATE OF helper_id, status ON asks",
     "OLD.helper_id IS NOT NULL", ["OLD.helper_id"]),
    ("match_pool_ask_update_new", "UPDATE OF helper_id, status ON asks",
     "NEW.helper_id IS NOT NULL AND NEW.helper_id IS NOT OLD.helper_id", ["NEW.helper_id"]),
)

SQLITE_OFFER_TRIGGERS = (("match_pool_offer_insert", "INSERT"),
                         ("match_pool_offer_update", "UPDATE OF last_offered_at"))


def install_sqlite() -> None:
    for name, event, guard, members in SQLITE_TRIGGERS:
        when = f"WHEN {guard}" if guard else ""
        body = "".join(f"DELETE FROM match_pool WHERE member_id = {m};"
                       f"{refresh_sql('sqlite', m)};" for m in members)
        op.execute(f"CREATE TRIGGER {name} AFTER {event} FOR EACH ROW {when} BEGIN {body} END")
    for name, event in SQLITE_OFFER_TRIGGERS:  # an offer moves the member down the walk
        op.execute(f"""CREATE TRIGGER {name} AFTER {event} ON helper_stats
FOR EACH ROW BEGIN UPDATE match_pool SET last_offered_at =
COALESCE(NEW.last_offered_at, '1970-01-01 00:00:00.000000') WHERE member_id = NEW.member_id; END""")

def upgrade() -> None:
    op.create_table('match_pool',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=32), nullable=False),
    sa.Column('last_offered_at', exchange.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('area', sa.String(length=64), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_match_pool_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', 'tag', name=op.f('pk_match_pool'))
    )
    with op.batch_alter_table('match_pool', schema=None) as batch_op:
        batch_op.create_index('ix_match_pool_area_walk', ['area', 'tag', 'last_offered_at', 'member_id'], unique=False)
        batch_op.create_index('ix_match_pool_walk', ['tag', 'last_offered_at', 'member_id'], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for statement in _pg_statements():
            op.execute(statement)
    else:
        install_sqlite()
    op.execute(refresh_sql(dialect, None))  # backfill


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_DROP:
            op.execute(statement)
    else:
        for name, *_ in (*SQLITE_TRIGGERS, *SQLITE_OFFER_TRIGGERS):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table('match_pool', schema=None) as batch_op:
        batch_op.drop_index('ix_match_pool_walk')
        batch_op.drop_index('ix_match_pool_area_walk')

    op.drop_table('match_pool')
