"""What the simulated months share: each village's staff, and the clock they run on."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from unittest import mock

from django.utils import timezone

from cunxin.accounts.models import User
from cunxin.people.models import Resident
from cunxin.regions.models import Region


@dataclass
class VillageStaff:
    """One village of the demo and the people who run it."""

    village: Region
    collector: User
    committee: list[User]
    villagers: list[User]
    # The village's adults (scored all through the simulated months), and those of its
    # exemplary families: they volunteer often and are never penalised, so that demonstration
    # households come out of the honours by rule, as they would in a real village.
    adults: list[Resident] = field(default_factory=list)
    exemplary: set[int] = field(default_factory=set)

    @property
    def organiser(self) -> User:
        """The committee member who runs the village's volunteering (not the main reviewer)."""
        return self.committee[-1]

    @property
    def chair(self) -> User:
        """The committee member who reviews, and confirms the honours."""
        return self.committee[0]

    def login_of(self, resident: Resident) -> User | None:
        """The villager's own login, if the demo gave them one."""
        return next((u for u in self.villagers if u.resident_id == resident.pk), None)


@contextmanager
def clock_at(moment: datetime.datetime) -> Iterator[None]:
    """Make the application believe it is ``moment`` (demo building only)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """An aware moment at a local (Asia/Shanghai) wall-clock time of a day."""
    naive = datetime.datetime.combine(day, datetime.time(hour, minute))
    aware: datetime.datetime = timezone.make_aware(naive)
    return aware
