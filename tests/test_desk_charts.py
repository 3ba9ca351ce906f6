"""Charts: the pure-Python PNG and the inline SVGs, and the pain chart sent as a photo in chat."""

import struct
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from telegram.error import BadRequest

from tests.desk_helpers import book_a_day
from tests.harness import STAFF_ID
from wellbot.desk import charts

POINTS = [(datetime(2026, 6, 1, tzinfo=UTC) + timedelta(days=3 * i), s) for i, s in enumerate([8, 7, 5, 3])]


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and raw RGB rows of an unfiltered 8-bit RGB PNG; every chunk's CRC checked."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    index, chunks = 8, {}
    while index < len(data):
        (length,) = struct.unpack(">I", data[index:index + 4])
        kind, body = data[index + 4:index + 8], data[index + 8:index + 8 + length]
        (crc,) = struct.unpack(">I", data[index + 8 + length:index + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks[kind] = body
        index += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (8, 2)
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = 1 + 3 * width
    return width, height, [raw[r * stride + 1:(r + 1) * stride] for r in range(height)]


def pixel(rows: list[bytes], x: int, y: int) -> tuple[int, ...]:
    return tuple(rows[y][3 * x:3 * x + 3])


def test_pain_png_is_a_valid_image_with_a_dot_per_check_in():
    width, height, rows = decode_png(charts.pain_png(POINTS))
    assert (width, height) == (charts.PNG_WIDTH, charts.PNG_HEIGHT)
    top, plot_h = charts.PNG_PAD, charts.PNG_HEIGHT - 2 * charts.PNG_PAD
    first_y = round(charts._y(8, top, plot_h))
    last_y = round(charts._y(3, top, plot_h))
    assert pixel(rows, charts.PNG_PAD, first_y) == charts.DOT  # score 8 at the left edge
    assert pixel(rows, charts.PNG_WIDTH - charts.PNG_PAD, last_y) == charts.DOT  # score 3 at the right edge
    assert pixel(rows, charts.PNG_WIDTH // 2, 2) == charts.WHITE
    assert decode_png(charts.pain_png([]))[0] == charts.PNG_WIDTH  # no check-ins: an empty grid, still valid


def test_svgs_escape_labels_and_plot_every_point():
    svg = charts.pain_svg(POINTS, ("1 Jun", "<10 Jun>"))
    assert svg.count("<circle") == 4
    assert "&lt;10 Jun&gt;" in svg
    assert "No check-ins yet" in charts.pain_svg([])
    bars = charts.bars_svg([("Acupuncture", 3), ("<b>Cupping</b>", 1)])
    assert bars.count("<rect") == 2
    assert "&lt;b&gt;Cupping" in bars
    assert "No bookings" in charts.bars_svg([])


async def test_checkins_chart_arrives_as_a_photo_for_staff_only(bot):
    book_a_day(bot)
    staff, ann = bot.staff(), bot.user(2001, "Ann")
    await staff.send("/checkins 2001 chart")
    photo = await staff.wait_for("Pain scores of patient 2001")
    assert photo.photo is not None
    assert (photo.photo["width"], photo.photo["height"]) == (charts.PNG_WIDTH, charts.PNG_HEIGHT)
    assert decode_png(photo.photo["content"])[0] == charts.PNG_WIDTH
    assert "Latest 3" in photo.text
    await staff.send("/checkins 2001 graph")
    await staff.wait_for("chart for their trend as a picture")
    await staff.send("/checkins 4242 chart")
    await staff.wait_for("No check-in answers from patient 4242")
    await ann.send("/checkins 2001 chart")
    await ann.wait_for("staff")
    assert all(m.photo is None for m in ann.messages)


async def test_the_stand_in_refuses_what_telegram_refuses_as_a_photo(bot):
    bot.staff()
    with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
        await bot.app.bot.send_photo(STAFF_ID, b"not an image at all")
    tall = charts.Canvas(10, 400).png()
    with pytest.raises(BadRequest, match=r"(?i)photo_invalid_dimensions"):
        await bot.app.bot.send_photo(STAFF_ID, tall)
