"""API of records: the same actions the pages use."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["records"])
