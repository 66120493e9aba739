"""Small charts drawn on the server as inline SVG: no chart library, nothing from a CDN, no
script — the strict CSP holds, and the figures are there before any module runs.

Every chart is an image with a title and a description for screen readers (``role="img"``,
``aria-labelledby``), each bar has its own ``<title>`` (a tooltip, and read out), and the two
series differ by more than colour: given is solid, received is hatched (and the legend says
which is which in words). Colours come from the stylesheet (classes), never inline styles.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 400, 170
LEFT, RIGHT, TOP, BOTTOM = 30, 4, 10, 36


def _minutes(n: int) -> str:
    return "1 minute" if n == 1 else f"{n} minutes"


def _ceiling(value: int) -> int:
    """A round top for the scale: 10, 20, 30, 60, 90, 120, … at least ``value``."""
    for step in (10, 20, 30, 60, 90, 120, 180, 240, 300, 600):
        if value <= step:
            return step
    return ((value + 599) // 600) * 600


def given_and_received(months: Sequence, *, chart_id: str = "give-receive") -> Markup:
    """Grouped bars per month (``months``: objects with ``label``, ``key``, ``given`` and
    ``received``, oldest first), given beside received."""
    top = _ceiling(max([m.given for m in months] + [m.received for m in months] + [1]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(months), 1)
    bar = slot * 0.36
    total_given = sum(m.given for m in months)
    total_received = sum(m.received for m in months)
    desc = (f"Over the last {len(months)} months you gave {_minutes(total_given)} and "
            f"received {_minutes(total_received)}.")
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{chart_id}-t">Minutes given and received, by month</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect class="received-bg" width="6" height="6"/>'
        '<line x1="0" y1="0" x2="0" y2="6" class="received-line" stroke-width="3"/>'
        '</pattern></defs>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" '
        f'y2="{TOP + plot_h}"/>',
        f'<text class="scale" x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end">{top}</text>',
        f'<text class="scale" x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end">0</text>',
    ]
    for i, month in enumerate(months):
        x = LEFT + i * slot + slot * 0.14
        for offset, value, side in ((0, month.given, "given"), (bar, month.received,
                                                                "received")):
            h = plot_h * value / top
            y = TOP + plot_h - h
            parts.append(
                f'<rect class="bar {side}" data-month="{month.key}" data-minutes="{value}" '
                f'x="{x + offset:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}">'
                f'<title>{escape(month.label)}: {side} {_minutes(value)}</title></rect>')
        label_x = x + bar
        parts.append(f'<text class="month" x="{label_x:.1f}" y="{HEIGHT - BOTTOM + 14}" '
                     f'text-anchor="middle">{escape(month.label.split()[0])}</text>')
    parts.append(
        f'<g class="legend" transform="translate({LEFT},{HEIGHT - 8})">'
        '<rect class="bar given" width="10" height="10" y="-9"/>'
        '<text x="14">given</text>'
        '<rect class="bar received" x="70" width="10" height="10" y="-9"/>'
        '<text x="84">received</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))
