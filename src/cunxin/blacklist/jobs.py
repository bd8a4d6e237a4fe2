"""Scheduled work on the blacklist: cases end on their end date."""

from __future__ import annotations

from datetime import timedelta

from cunxin.blacklist.actions import end_due_cases
from cunxin.core.jobs import periodic


@periodic("blacklist.end_cases", every=timedelta(hours=6))
def end_cases() -> None:
    """Cases whose end date has come end; a pending repair application lapses."""
    end_due_cases()
