"""Read queries of the message centre."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from cunxin.notifications.models import Message


def inbox(user: Any) -> QuerySet[Message]:
    """The user's messages: those to their resident record (a villager) and those to them."""
    mine = Q(user_id=user.pk)
    resident_id = getattr(user, "resident_id", None)
    if resident_id is not None:
        mine |= Q(resident_id=resident_id)
    return Message.objects.filter(mine).order_by("-created_at", "-id")


def unread_count(user: Any) -> int:
    return inbox(user).filter(read_at__isnull=True).count()
