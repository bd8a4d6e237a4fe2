"""The printable A4 notice poster: an HTML template with print CSS, made a PDF by WeasyPrint.

Chinese is set in Noto Sans/Serif CJK SC (Debian's fonts-noto-cjk, installed by
``make system-deps``), found by family name through fontconfig. The poster loads nothing from
outside: its CSS is in the template, the QR code is an inline SVG, and the URL fetcher refuses
every scheme but ``data:``, so no text in a notice can make the renderer read a file or a URL.
"""

from __future__ import annotations

import hashlib

import segno
from django.core.cache import cache
from weasyprint import HTML  # type: ignore[import-untyped]
from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

# Rendering costs about a second; the same notice in the same state gives the same HTML, so
# the PDF is kept by the hash of its HTML (a changed line status makes a new one).
CACHE_SECONDS = 24 * 3600


def qr_data_uri(url: str) -> str:
    """A QR code of the URL as an SVG data URI (scales sharply on paper)."""
    return str(segno.make_qr(url, error="m").svg_data_uri(scale=4, border=2))


def render_pdf(html: str) -> bytes:
    """The PDF of the poster's HTML (cached by the HTML's hash)."""
    key = "public:poster:" + hashlib.sha256(html.encode()).hexdigest()
    cached = cache.get(key)
    if isinstance(cached, bytes):
        return cached
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=False)
    pdf: bytes = HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()
    cache.set(key, pdf, CACHE_SECONDS)
    return pdf
