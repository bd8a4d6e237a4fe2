"""The pay code as the villager's phone shows it: a QR image and the digits in groups."""

from __future__ import annotations

import segno


def qr_data_uri(code: str) -> str:
    """The code as an inline SVG QR image; numeric mode keeps it small and easy to scan."""
    return str(segno.make_qr(code, error="m").svg_data_uri(scale=8, border=2))


def grouped(code: str) -> str:
    """The digits in groups of four, for a keeper who types them."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))
