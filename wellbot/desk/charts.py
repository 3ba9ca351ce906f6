"""Charts with no chart library: inline SVG for the Mini App, a small PNG for the chat.

Pain check-ins (0-10 over time) as a line, a week's bookings per service as
bars. The PNG encoder is the format's minimum (RGB, 8 bits, one zlib
stream): a staff chat needs a picture, not a plotting stack.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from datetime import datetime
from html import escape

MAX_SCORE = 10
SVG_WIDTH, SVG_HEIGHT, SVG_PAD = 320, 160, 28
BAR_HEIGHT, BAR_GAP, BAR_LABEL_WIDTH = 18, 6, 130
PNG_WIDTH, PNG_HEIGHT, PNG_PAD = 480, 240, 24
WHITE, GRID, AXIS, LINE, DOT = (255, 255, 255), (225, 228, 235), (120, 126, 140), (46, 110, 200), (200, 60, 60)

Point = tuple[datetime, int]


def _x_positions(points: Sequence[Point], left: float, width: float) -> list[float]:
    """Spread points by time (evenly when they share one instant)."""
    first, last = points[0][0], points[-1][0]
    span = (last - first).total_seconds()
    if span <= 0:
        return [left + width / 2 if len(points) == 1 else left + width * i / (len(points) - 1)
                for i in range(len(points))]
    return [left + width * (when - first).total_seconds() / span for when, _ in points]


def _y(score: int, top: float, height: float) -> float:
    return top + height * (1 - max(0, min(MAX_SCORE, score)) / MAX_SCORE)


def pain_svg(points: Sequence[Point], labels: tuple[str, str] = ("", "")) -> str:
    """Pain scores over time as an inline SVG line chart (0 at the bottom, 10 at the top)."""
    left, top = SVG_PAD, SVG_PAD / 2
    width, height = SVG_WIDTH - SVG_PAD * 1.5, SVG_HEIGHT - SVG_PAD * 1.5
    parts = [f'<svg class="chart pain" viewBox="0 0 {SVG_WIDTH} {SVG_HEIGHT}" role="img" '
             f'aria-label="Pain scores over time" xmlns="http://www.w3.org/2000/svg">']
    for score in (0, 5, 10):
        y = _y(score, top, height)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + width}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{score}</text>')
    if points:
        xs = _x_positions(points, left, width)
        coords = " ".join(f"{x:.1f},{_y(s, top, height):.1f}" for x, (_, s) in zip(xs, points, strict=True))
        parts.append(f'<polyline points="{coords}" class="line"/>')
        parts.extend(f'<circle cx="{x:.1f}" cy="{_y(s, top, height):.1f}" r="3.5" class="dot">'
                     f'<title>{s}/10</title></circle>' for x, (_, s) in zip(xs, points, strict=True))
        parts.append(f'<text x="{left}" y="{SVG_HEIGHT - 4}">{escape(labels[0])}</text>'
                     f'<text x="{left + width}" y="{SVG_HEIGHT - 4}" text-anchor="end">{escape(labels[1])}</text>')
    else:
        parts.append(f'<text x="{SVG_WIDTH / 2}" y="{SVG_HEIGHT / 2}" text-anchor="middle">No check-ins yet</text>')
    parts.append("</svg>")
    return "".join(parts)


def bars_svg(counts: Sequence[tuple[str, int]]) -> str:
    """Bookings per service as horizontal bars, labelled with the service and the count."""
    most = max((n for _, n in counts), default=0) or 1
    height = max(1, len(counts)) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
    room = SVG_WIDTH - BAR_LABEL_WIDTH - 30
    parts = [f'<svg class="chart bars" viewBox="0 0 {SVG_WIDTH} {height}" role="img" '
             f'aria-label="Bookings per service" xmlns="http://www.w3.org/2000/svg">']
    for index, (label, count) in enumerate(counts):
        y = BAR_GAP + index * (BAR_HEIGHT + BAR_GAP)
        length = room * count / most
        parts.append(f'<text x="{BAR_LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end">{escape(label[:22])}</text>'
                     f'<rect x="{BAR_LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" class="bar"/>'
                     f'<text x="{BAR_LABEL_WIDTH + length + 4:.1f}" y="{y + 13}">{count}</text>')
    if not counts:
        parts.append(f'<text x="{SVG_WIDTH / 2}" y="16" text-anchor="middle">No bookings this week</text>')
    parts.append("</svg>")
    return "".join(parts)


# ---- PNG ----------------------------------------------------------------------------------------

class Canvas:
    """An RGB pixel grid with the few drawing operations a line chart needs."""

    def __init__(self, width: int, height: int, background: tuple[int, int, int] = WHITE) -> None:
        self.width, self.height = width, height
        self.rows = [bytearray(bytes(background) * width) for _ in range(height)]

    def dot(self, x: int, y: int, color: tuple[int, int, int]) -> None:
        """Set one pixel (outside the canvas is ignored)."""
        if 0 <= x < self.width and 0 <= y < self.height:
            self.rows[y][3 * x:3 * x + 3] = bytes(color)

    def square(self, cx: int, cy: int, radius: int, color: tuple[int, int, int]) -> None:
        """A filled square centred on (cx, cy)."""
        for y in range(cy - radius, cy + radius + 1):
            for x in range(cx - radius, cx + radius + 1):
                self.dot(x, y, color)

    def line(self, x0: int, y0: int, x1: int, y1: int, color: tuple[int, int, int], width: int = 1) -> None:
        """A straight line (Bresenham), `width` pixels thick."""
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        error = dx + dy
        while True:
            self.square(x0, y0, width // 2, color)
            if x0 == x1 and y0 == y1:
                return
            doubled = 2 * error
            if doubled >= dy:
                error += dy
                x0 += sx
            if doubled <= dx:
                error += dx
                y0 += sy

    def png(self) -> bytes:
        """The canvas as a PNG file (8-bit RGB, no filtering)."""
        raw = b"".join(b"\x00" + bytes(row) for row in self.rows)
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) \
            + _chunk(b"IEND", b"")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def pain_png(points: Sequence[Point]) -> bytes:
    """The pain line chart as a PNG: grid lines at 0, 5 and 10, a dot per check-in."""
    canvas = Canvas(PNG_WIDTH, PNG_HEIGHT)
    left, top = PNG_PAD, PNG_PAD
    width, height = PNG_WIDTH - 2 * PNG_PAD, PNG_HEIGHT - 2 * PNG_PAD
    for score in range(0, MAX_SCORE + 1):
        y = round(_y(score, top, height))
        canvas.line(left, y, left + width, y, AXIS if score in (0, MAX_SCORE) else GRID, 2 if score == 5 else 1)
    canvas.line(left, top, left, top + height, AXIS)
    if points:
        xs = [round(x) for x in _x_positions(points, left, width)]
        ys = [round(_y(score, top, height)) for _, score in points]
        for (x0, y0), (x1, y1) in zip(zip(xs, ys, strict=True), zip(xs[1:], ys[1:], strict=True), strict=False):
            canvas.line(x0, y0, x1, y1, LINE, 3)
        for x, y in zip(xs, ys, strict=True):
            canvas.square(x, y, 4, DOT)
    return canvas.png()
