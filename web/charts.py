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


# --- community health, for moderators ---------------------------------------------------------
# Small single-series bar charts. Each bar carries its figure as text above it (not colour
# alone), its own <title>, and the chart a <desc> that says the whole picture in a sentence.

SMALL_W, SMALL_H = 320, 130
WEEKDAYS = (("mon", "Mon", "Monday"), ("tue", "Tue", "Tuesday"), ("wed", "Wed", "Wednesday"),
            ("thu", "Thu", "Thursday"), ("fri", "Fri", "Friday"), ("sat", "Sat", "Saturday"),
            ("sun", "Sun", "Sunday"))


def _plain_top(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000):
        if value <= step:
            return step
    return ((value + 999) // 1000) * 1000


def bars(items: Sequence[tuple[str, str, int, str]], *, chart_id: str, title: str,
         desc: str) -> Markup:
    """One bar per item, left to right in the order given: ``(key, label, value, tooltip)``."""
    top = _plain_top(max([value for _, _, value, _ in items] + [1]))
    left, bottom, top_pad = 6, 22, 16
    plot_w, plot_h = SMALL_W - 2 * left, SMALL_H - top_pad - bottom
    slot = plot_w / max(len(items), 1)
    bar = slot * 0.6
    parts = [
        # xmlns: the page parses a refreshed chart as an SVG document, where it is needed.
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart small" id="{chart_id}" '
        f'viewBox="0 0 {SMALL_W} {SMALL_H}" '
        f'role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        'preserveAspectRatio="xMidYMid meet">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
        f'<line class="axis" x1="{left}" y1="{top_pad + plot_h}" x2="{SMALL_W - left}" '
        f'y2="{top_pad + plot_h}"/>',
    ]
    for i, (key, label, value, tooltip) in enumerate(items):
        x = left + i * slot + (slot - bar) / 2
        h = plot_h * value / top
        y = top_pad + plot_h - h
        middle = x + bar / 2
        parts.append(
            f'<rect class="bar given" data-key="{escape(key)}" data-value="{value}" '
            f'x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}">'
            f'<title>{escape(tooltip)}</title></rect>'
            f'<text class="figure" x="{middle:.1f}" y="{y - 3:.1f}" '
            f'text-anchor="middle">{value}</text>'
            f'<text class="month" x="{middle:.1f}" y="{SMALL_H - 6}" '
            f'text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _count(n: int, one: str, many: str) -> str:
    return f"1 {one}" if n == 1 else f"{n} {many}"


def health_charts(view: dict) -> list[dict]:
    """The community health view (``exchange.moderation.health``) as three small charts:
    asks waiting per tag (the busiest six), helpers per weekday Monday to Sunday, and flags
    per week, oldest first."""
    waiting = view["waiting"][:6]
    waiting_items = [(w["tag"], w["tag"][:10], w["asks"],
                      f'{w["tag"]}: {_count(w["asks"], "ask", "asks")} waiting')
                     for w in waiting]
    total = sum(w["asks"] for w in view["waiting"])
    waiting_desc = ("No ask is waiting for a helper." if not waiting else
                    "Asks waiting for a helper, by tag: " + "; ".join(
                        f'{w["tag"]} {w["asks"]}' for w in waiting) + ".")
    days = view["helpers_by_weekday"]
    day_items = [(key, short, days[key],
                  f"{long}: {_count(days[key], 'helper', 'helpers')} with time")
                 for key, short, long in WEEKDAYS]
    scarce = min(WEEKDAYS, key=lambda d: days[d[0]])
    day_desc = ("Helpers with time each weekday, Monday to Sunday: " + ", ".join(
        f"{long} {days[key]}" for key, _, long in WEEKDAYS) +
        f". The fewest on {scarce[2]}.")
    weeks = view["flags_per_week"]
    # "12 Oct", "19", "26", "2 Nov": the month only where it changes, so eight labels fit.
    week_labels = [f'{w["week_start"].day} {w["week_start"]:%b}'
                   if i == 0 or w["week_start"].month != weeks[i - 1]["week_start"].month
                   else str(w["week_start"].day) for i, w in enumerate(weeks)]
    week_items = [(str(w["week_start"]), label, w["flags"],
                   f'Week of {w["week_start"].day} {w["week_start"]:%B}: '
                   + _count(w["flags"], "flag", "flags"))
                  for w, label in zip(weeks, week_labels, strict=True)]
    flags_desc = (f"Flags per week over the last {len(weeks)} weeks, oldest first: " +
                  ", ".join(str(w["flags"]) for w in weeks) + ".")
    return [
        {"name": "waiting", "title": "Asks waiting, by tag",
         "summary": _count(total, "ask", "asks") + " waiting",
         "svg": bars(waiting_items, chart_id="chart-waiting", title="Asks waiting, by tag",
                     desc=waiting_desc)},
        {"name": "weekdays", "title": "Helpers with time, by weekday",
         "summary": f"fewest on {scarce[2]}",
         "svg": bars(day_items, chart_id="chart-weekdays",
                     title="Helpers with time, by weekday", desc=day_desc)},
        {"name": "flags", "title": "Flags per week",
         "summary": _count(weeks[-1]["flags"] if weeks else 0, "flag", "flags") + " this week",
         "svg": bars(week_items, chart_id="chart-flags", title="Flags per week",
                     desc=flags_desc)},
    ]
