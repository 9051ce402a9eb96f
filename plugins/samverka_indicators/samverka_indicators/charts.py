"""A server-side SVG bar chart: accessible (``role="img"``, a title and a text description,
every bar labelled with its value in text, so nothing is said by colour alone)."""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, HEIGHT, TOP, BOTTOM, LEFT = 640, 260, 20, 40, 10


def bar_chart(
    title: str,
    description: str,
    bars: list[tuple[str, float | None]],
    target: tuple[float, str] | None = None,
) -> Markup:
    """``bars``: (label, value or None for "no value"); None draws no bar but says so.
    ``target`` (value, word) draws a dashed line labelled in text, not by colour."""
    values = [v for _, v in bars if v is not None] + ([target[0]] if target else [])
    top = max(values, default=0) or 1
    step = (WIDTH - 2 * LEFT) / max(len(bars), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-t chart-d" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" class="indicators-chart">',
        f'<title id="chart-t">{escape(title)}</title>',
        f'<desc id="chart-d">{escape(description)}</desc>',
    ]
    usable = HEIGHT - TOP - BOTTOM
    for i, (label, value) in enumerate(bars):
        x = LEFT + i * step + step * 0.15
        width = step * 0.7
        centre = x + width / 2
        if value is None:
            text = "–"
            parts.append(
                f'<text x="{centre:.1f}" y="{HEIGHT - BOTTOM - 4}" text-anchor="middle">'
                f"{text}</text>"
            )
        else:
            height = usable * value / top
            y = HEIGHT - BOTTOM - height
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
                f'height="{height:.1f}" fill="#1d70b8"/>'
            )
            parts.append(
                f'<text x="{centre:.1f}" y="{y - 4:.1f}" text-anchor="middle">{value:.1f}</text>'
            )
        parts.append(
            f'<text x="{centre:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    if target is not None and target[0] >= 0:
        y = HEIGHT - BOTTOM - usable * target[0] / top
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - LEFT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#0b0c0c" stroke-width="2" stroke-dasharray="8 4"/>'
        )
        parts.append(
            f'<text x="{WIDTH - LEFT}" y="{y - 4:.1f}" text-anchor="end">'
            f"{escape(target[1])} {target[0]:.1f}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped
