"""notification sequence: each member's notifications numbered in commit order

Notifications gain ``seq`` (1, 2, 3… per member, in the order their transactions committed)
with a unique (member_id, seq) index, and a ``note_counters`` table keeps each member's last
number. Rows already there are numbered in id order, and the counters start from their count.

Revision ID: e5a1c0d7f316
Revises: b8e4f2d61c07
Create Date: 2026-12-04 15:55:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = 'e5a1c0d7f316'
down_revision = 'b8e4f2d61c07'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('note_counters',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_note_counters_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_note_counters'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
    # UPDATE … FROM: PostgreSQL, and SQLite from 3.33.
    op.execute("""
        UPDATE notifications SET seq = numbered.n
        FROM (SELECT id, row_number() OVER (PARTITION BY member_id ORDER BY id) AS n
              FROM notifications) AS numbered
        WHERE notifications.id = numbered.id""")
    op.execute("""
        INSERT INTO note_counters (member_id, seq)
        SELECT member_id, max(seq) FROM notifications GROUP BY member_id""")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ux_notifications_member_id_seq', ['member_id', 'seq'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ux_notifications_member_id_seq')
        batch_op.drop_column('seq')
    op.drop_table('note_counters')
