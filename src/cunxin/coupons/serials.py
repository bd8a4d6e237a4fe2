"""Coupon serial numbers: ``370811-2026-000123-5`` — county, year, number, Luhn check digit.

A cashier reads the number aloud or types it; the check digit catches a mistyped digit or two
swapped neighbours. Numbers run per county and year from one locked counter row, so they are
dense and in issue order.
"""

from __future__ import annotations

from cunxin.coupons.models import CouponSeries


def luhn_digit(digits: str) -> str:
    """The Luhn check digit for a string of digits."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def format_serial(prefix: str, year: int, number: int) -> str:
    body = f"{prefix}{year:04d}{number:06d}"
    return f"{prefix}-{year:04d}-{number:06d}-{luhn_digit(body)}"


def is_valid(serial: str) -> bool:
    """Whether a serial is well formed and its check digit agrees."""
    parts = serial.strip().split("-")
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        return False
    prefix, year, number, check = parts
    return len(prefix) == 6 and len(year) == 4 and luhn_digit(prefix + year + number) == check


def next_serials(village_code: str, year: int, count: int) -> list[str]:
    """Reserve ``count`` numbers of the village's county for the year (caller's transaction)."""
    prefix = village_code[:6]
    CouponSeries.objects.get_or_create(prefix=prefix, year=year)
    series = CouponSeries.objects.select_for_update().get(prefix=prefix, year=year)
    first = series.last + 1
    series.last += count
    series.save(update_fields=["last"])
    return [format_serial(prefix, year, n) for n in range(first, first + count)]
