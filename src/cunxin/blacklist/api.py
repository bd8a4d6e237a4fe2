"""API of the blacklist and credit repair."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["blacklist"])
