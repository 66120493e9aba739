"""One keyset pager for every list that can grow (asks, ledger entries, the audit log).

Pages are newest first by id; ``cursor`` is the last id of the previous page, so a page never
shifts when rows are added in front of it, and it costs one indexed range scan however deep
the client reads. One extra row is fetched to know whether another page follows.
"""

from __future__ import annotations


def keyset_page(session, query, id_column, *, cursor: int | None,
                limit: int) -> tuple[list, int | None]:
    """``(rows, next_cursor)``; ``next_cursor`` is None on the last page."""
    if cursor:
        query = query.where(id_column < cursor)
    rows = list(session.scalars(query.order_by(id_column.desc()).limit(limit + 1)).unique())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more else None)
