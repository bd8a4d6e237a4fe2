"""The merchants API (issue 5: spending points)."""

from ninja import Router

router = Router(tags=["merchants"])
