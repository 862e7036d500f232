"""Charts drawn on the server as SVG: no chart library, no script, readable on a phone.

Every chart has a <title> and <desc> for screen readers, and the page shows the same numbers
in a table beside it. Colours come from presentation attributes, which the page's
Content-Security-Policy allows (inline style would not be).
"""

from collections.abc import Sequence

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

ACCENT = "#b3261e"
MUTED = "#5b6472"
GRID = "#d9dde3"


def _n(value) -> str:
    return number_format(value, force_grouping=True)


def columns(
    series: Sequence[tuple[str, float]],
    *,
    title: str,
    height: int = 180,
    label_every: int | None = None,
) -> SafeString:
    """Vertical columns, one per item: signatures per day, reach per month."""
    width = 600
    top, bottom, left = 18, 26, 4
    if not series:
        return mark_safe("")
    peak = max(value for _label, value in series) or 1
    step = (width - left) / len(series)
    bar = max(step * 0.8, 1)
    label_every = label_every or max(1, len(series) // 6)
    plot = height - top - bottom
    parts = [
        f'<svg class="chart columns" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="t{id(series)}" preserveAspectRatio="none">',
        f'<title id="t{id(series)}">{escape(title)}</title>',
        f"<desc>{escape(title)}: {len(series)} values, the highest {_n(peak)}.</desc>",
        f'<line x1="0" y1="{top + plot}" x2="{width}" y2="{top + plot}" stroke="{GRID}"/>',
        f'<text x="{left}" y="12" font-size="11" fill="{MUTED}">{_n(peak)}</text>',
    ]
    for index, (label, value) in enumerate(series):
        x = left + index * step
        h = plot * value / peak
        parts.append(
            f'<rect x="{x:.1f}" y="{top + plot - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
            f'fill="{ACCENT}"><title>{escape(label)}: {_n(value)}</title></rect>'
        )
        if index % label_every == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{height - 8}" font-size="11" fill="{MUTED}">'
                f"{escape(label)}</text>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label above is escaped


def bars(items: Sequence[tuple[str, float]], *, title: str) -> SafeString:
    """Horizontal bars with their labels and values: countries, sources, channels, people."""
    if not items:
        return mark_safe("")
    row, width, label_width = 26, 600, 190
    height = row * len(items) + 6
    peak = max(value for _label, value in items) or 1
    parts = [
        f'<svg class="chart bars" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="t{id(items)}">',
        f'<title id="t{id(items)}">{escape(title)}</title>',
    ]
    for index, (label, value) in enumerate(items):
        y = index * row + 4
        length = (width - label_width - 90) * value / peak
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="13" fill="#1d2430">{escape(str(label)[:28])}'
            f"</text>"
            f'<rect x="{label_width}" y="{y + 3}" width="{max(length, 1):.1f}" height="16" '
            f'fill="{ACCENT}"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + 15}" font-size="13" '
            f'fill="{MUTED}">{_n(value)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label above is escaped
