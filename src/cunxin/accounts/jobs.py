"""Periodic jobs of the accounts app."""

from __future__ import annotations

from datetime import timedelta

from cunxin.accounts.actions import purge_login_attempts
from cunxin.core.jobs import periodic


@periodic("accounts.purge_login_attempts", every=timedelta(hours=6))
def purge_old_login_attempts() -> None:
    """Login attempts are kept only as long as rate limiting and investigation need."""
    purge_login_attempts()


@periodic("accounts.clear_expired_sessions", every=timedelta(hours=6))
def clear_expired_sessions() -> None:
    """Expired sessions are deleted so the session table does not grow forever."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.filter(expire_date__lt=timezone.now()).delete()
