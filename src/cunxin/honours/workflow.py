"""The one table of allowed round status changes, and the one function that applies it."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from cunxin.core.errors import Conflict
from cunxin.honours.models import Round, RoundEvent, RoundStatus

# The status of a round not yet saved: opening it makes a draft.
NEW = ""

TRANSITIONS: dict[str, frozenset[str]] = {
    NEW: frozenset({RoundStatus.DRAFT}),
    # A draft is recomputed (draft → draft) or confirmed.
    RoundStatus.DRAFT: frozenset({RoundStatus.DRAFT, RoundStatus.CONFIRMED}),
    # A confirmed round is final; a correction reopens it, with a reason.
    RoundStatus.CONFIRMED: frozenset({RoundStatus.DRAFT}),
}


def label(status: str) -> str:
    return str(RoundStatus(status).label) if status else _("未评选")


def check(round_: Round, to: str) -> None:
    """Refuse a status change the table does not allow."""
    current = round_.status if round_.pk else NEW
    if to not in TRANSITIONS[current]:
        raise Conflict(
            "round_status",
            _("该评选当前为“%(status)s”，不能改为“%(to)s”。")
            % {"status": label(current), "to": label(to)},
        )


def transition(round_: Round, to: str, *, actor: Any, reason: str = "") -> RoundEvent:
    """Move a round (saving it, or creating it) to a status and keep one history row."""
    check(round_, to)
    from_status = round_.status if round_.pk else NEW
    round_.status = to
    round_.save()
    return RoundEvent.objects.create(
        round=round_,
        from_status=from_status,
        to_status=to,
        actor=actor if getattr(actor, "pk", None) else None,
        reason=reason[:400],
    )


def new_events(rounds: list[Round], *, actor: Any, reason: str = "") -> list[RoundEvent]:
    """The history rows of drafts opened in bulk (the rounds are already saved)."""
    return [
        RoundEvent(
            round=r,
            from_status=NEW,
            to_status=RoundStatus.DRAFT,
            actor=actor if getattr(actor, "pk", None) else None,
            reason=reason[:400],
        )
        for r in rounds
    ]
