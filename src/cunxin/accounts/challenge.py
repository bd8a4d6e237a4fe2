"""The login challenge: a small sum drawn as a picture, made and checked on our own server.

Why this challenge: it works on a closed government network and in a village with a poor
connection (no third-party service, no script, nothing to download), costs nothing per use, and
any villager can do a sum. A text message with a code would prove the phone instead, but it
needs a gateway (the SMS backend only logs today), costs money per message, and would let anyone
send texts to anyone's phone by typing wrong passwords. A challenge is not meant to stop a
determined program on its own: it turns free guessing into work, while the growing waits of
``accounts.limiter`` bound how fast any one phone can be guessed at.

Nothing is stored until an answer comes: the challenge's token carries a random nonce, its expiry
and an HMAC of both with the right answer (keyed with SECRET_KEY), so the answer cannot be read
from it. Each token admits one answer, right or wrong: its nonce is recorded when answered, so
neither a solved challenge nor trying every answer works twice.
"""

from __future__ import annotations

import datetime
import math
import secrets
import unicodedata
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from cunxin.accounts.models import UsedChallenge

SALT = "cunxin.accounts.login-challenge"
VALID = datetime.timedelta(minutes=10)

# Seven-segment glyphs on a 20 × 36 box: each segment a line between two corners.
_SEGMENTS = {
    "a": ((0, 0), (20, 0)),
    "b": ((20, 0), (20, 18)),
    "c": ((20, 18), (20, 36)),
    "d": ((0, 36), (20, 36)),
    "e": ((0, 18), (0, 36)),
    "f": ((0, 0), (0, 18)),
    "g": ((0, 18), (20, 18)),
}
_DIGITS = {
    "0": "abcdef",
    "1": "bc",
    "2": "abged",
    "3": "abgcd",
    "4": "fgbc",
    "5": "afgcd",
    "6": "afgedc",
    "7": "abc",
    "8": "abcdefg",
    "9": "abcdfg",
}
_SIGNS = {
    "+": (((2, 18), (18, 18)), ((10, 10), (10, 26))),
    "=": (((2, 13), (18, 13)), ((2, 23), (18, 23))),
}
WIDTH, HEIGHT = 200, 64


@dataclass(frozen=True)
class Challenge:
    """A question to show (``svg``, safe markup made only of numbers) and its signed token."""

    token: str
    svg: str


def _mac(nonce: str, expires: int, answer: int) -> str:
    return salted_hmac(SALT, f"{nonce}.{expires}.{answer}", algorithm="sha256").hexdigest()[:32]


def _jitter(value: float, spread: float) -> float:
    return value + (secrets.randbelow(2001) - 1000) / 1000 * spread


def _glyph(char: str, x: float, y: float) -> str:
    lines = [_SEGMENTS[s] for s in _DIGITS[char]] if char in _DIGITS else list(_SIGNS[char])
    angle = _jitter(0, 12)
    path = " ".join(
        f"M{_jitter(x1, 2.5):.1f} {_jitter(y1, 2.5):.1f}L{_jitter(x2, 2.5):.1f} {_jitter(y2, 2.5):.1f}"
        for (x1, y1), (x2, y2) in lines
    )
    return (
        f'<path transform="translate({x:.1f} {y:.1f}) rotate({angle:.1f} 10 18)" d="{path}" '
        'fill="none" stroke="#1a1a1a" stroke-width="3.5" stroke-linecap="round"/>'
    )


def _noise() -> str:
    parts = []
    for _ in range(4):
        x0, y0 = secrets.randbelow(WIDTH), secrets.randbelow(HEIGHT)
        x1, y1 = secrets.randbelow(WIDTH), secrets.randbelow(HEIGHT)
        bend = _jitter(HEIGHT / 2, HEIGHT / 2)
        parts.append(
            f'<path d="M{x0} {y0}Q{WIDTH / 2:.0f} {bend:.1f} {x1} {y1}" fill="none" '
            'stroke="#8c8c8c" stroke-width="1.5"/>'
        )
    for _ in range(30):
        cx, cy = secrets.randbelow(WIDTH), secrets.randbelow(HEIGHT)
        parts.append(f'<circle cx="{cx}" cy="{cy}" r="1.2" fill="#8c8c8c"/>')
    return "".join(parts)


def draw(text: str) -> str:
    """The text (digits, + and =) as an SVG picture of jittered strokes among noise."""
    glyphs = []
    x = 12.0
    for char in text:
        if char == " ":
            x += 10
            continue
        glyphs.append(_glyph(char, x, _jitter(14, 4)))
        x += 20 + 8 + _jitter(0, 2)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" class="cx-challenge-img">'
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#f7f7f7"/>{_noise()}{"".join(glyphs)}</svg>'
    )


def new_challenge() -> Challenge:
    """A fresh sum of a two-digit and a one-digit number."""
    return make_challenge(10 + secrets.randbelow(30), 1 + secrets.randbelow(9))


def make_challenge(a: int, b: int) -> Challenge:
    """The challenge "a + b =" (tests pick the numbers; the page takes new_challenge's)."""
    nonce = secrets.token_hex(16)
    expires = math.floor((timezone.now() + VALID).timestamp())
    token = f"{nonce}.{expires}.{_mac(nonce, expires, a + b)}"
    return Challenge(token=token, svg=draw(f"{a} + {b} ="))


def solve(token: str, answer: str) -> bool:
    """Whether the answer is right for a token not answered before; the token is used up."""
    try:
        nonce, expires_text, mac = token.split(".")
        expires = int(expires_text)
    except ValueError:
        return False
    if len(nonce) != 32 or not nonce.isalnum():
        return False
    expires_at = datetime.datetime.fromtimestamp(expires, tz=datetime.UTC)
    now = timezone.now()
    if not now <= expires_at <= now + VALID:
        return False  # expired, or a forged expiry meant to keep its row for ever
    try:
        with transaction.atomic():
            UsedChallenge.objects.create(nonce=nonce, expires_at=expires_at)
    except IntegrityError:
        return False  # answered before
    digits = unicodedata.normalize("NFKC", answer or "").strip()
    if not digits.isascii() or not digits.isdigit() or len(digits) > 4:
        return False
    return constant_time_compare(mac, _mac(nonce, expires, int(digits)))
