"""Browsers where a phone's owner has logged in before (a signed "device cookie").

Such a browser counts its wrong passwords apart from everyone else's, so strangers guessing at a
phone number hold up only themselves: the owner, on a phone or computer they have used before,
logs in without a challenge or a wait. The cookie names no phone number (only a keyed hash of
it) and proves nothing but that this browser once logged in as that phone; a stolen cookie gives
its thief the owner's own allowance, no more. One browser remembers a few logins (a shared office
computer).
"""

from __future__ import annotations

import json
import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

COOKIE = "cunxin_device"
SALT = "cunxin.accounts.device"
MAX_AGE = 180 * 24 * 3600
KEEP = 5


def _tag(phone: str) -> str:
    return salted_hmac(SALT + ".phone", phone, algorithm="sha256").hexdigest()[:20]


def _entries(request: HttpRequest) -> dict[str, str]:
    raw = request.get_signed_cookie(COOKIE, default="", salt=SALT, max_age=MAX_AGE)
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def device_for(request: HttpRequest, phone: str) -> str:
    """This browser's device id for the phone, or "" if the phone never logged in here."""
    return _entries(request).get(_tag(phone), "")


def remember(request: HttpRequest, response: HttpResponse, phone: str) -> None:
    """After a successful login: this browser is one of the phone's devices from now on."""
    entries = _entries(request)
    tag = _tag(phone)
    device = entries.pop(tag, "") or secrets.token_hex(16)
    entries[tag] = device  # the most recent last
    kept = dict(list(entries.items())[-KEEP:])
    response.set_signed_cookie(
        COOKIE,
        json.dumps(kept, separators=(",", ":")),
        salt=SALT,
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
