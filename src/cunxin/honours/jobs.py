"""Scheduled work on honours: last month's drafts are opened in every village.

From ``OPEN_DAY`` of a month, the previous month's round is opened as a draft in every village
that has a policy and no round for it yet, so the committee finds the candidates ready. Records
of the month's last days may still be in their public notice then (a weekly notice published up
to a week after the behaviour, then seven days of notice): they count once the committee
recomputes the draft, which its page offers until the round is confirmed. Safe to run twice: a
village with a round for the month is left alone.
"""

from __future__ import annotations

import datetime
from datetime import timedelta

from django.utils import timezone

from cunxin.core.jobs import periodic
from cunxin.honours.actions import open_months
from cunxin.honours.models import Round
from cunxin.regions.models import Level, Region

OPEN_DAY = 8
CHUNK = 1000  # villages opened per transaction


def open_due_months(today: datetime.date | None = None) -> list[Round]:
    """Open last month's drafts where missing (from ``OPEN_DAY`` on); returns those opened."""
    today = today or timezone.localdate()
    if today.day < OPEN_DAY:
        return []
    month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    villages = list(Region.objects.filter(level=Level.VILLAGE).order_by("pk"))
    opened: list[Round] = []
    for i in range(0, len(villages), CHUNK):
        opened += open_months(villages[i : i + CHUNK], month)
    return opened


@periodic("honours.open_months", every=timedelta(hours=6))
def open_months_job() -> None:
    """Last month's star candidates are ready for every committee."""
    open_due_months()
