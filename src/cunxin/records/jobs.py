"""Scheduled work on records: notices end and records take effect, validity runs out,
weekly notices go up where the policy asks."""

from __future__ import annotations

from datetime import timedelta

from cunxin.core.jobs import periodic
from cunxin.records.actions.effect import expire_due, take_effect_due
from cunxin.records.actions.notices import close_finished_notices, publish_scheduled


@periodic("records.take_effect", every=timedelta(minutes=10))
def take_effect() -> None:
    """Records whose notice has ended with no open objection take effect."""
    take_effect_due()
    close_finished_notices()


@periodic("records.expire", every=timedelta(hours=6))
def expire() -> None:
    """Points past their validity stop counting in the score."""
    expire_due()


@periodic("records.publish_weekly", every=timedelta(hours=1))
def publish_weekly() -> None:
    """Villages whose policy asks for it get their weekly notice on the policy's day."""
    publish_scheduled()
