"""Telling people what concerns them: written in the caller's transaction, sent after commit."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from cunxin.core.sms import send_sms
from cunxin.notifications.models import Message

logger = logging.getLogger("cunxin.notifications")


@dataclass(frozen=True)
class Note:
    """A message for one resident (or one user without a resident record)."""

    kind: str
    text: str
    resident_id: int | None = None
    user_id: int | None = None
    link: str = ""


def notify(notes: Iterable[Note]) -> list[Message]:
    """Store the messages now; text them once the transaction has committed."""
    messages = Message.objects.bulk_create(
        [
            Message(
                resident_id=n.resident_id,
                user_id=n.user_id,
                kind=n.kind,
                text=n.text[:300],
                link=n.link,
            )
            for n in notes
        ]
    )
    ids = [m.pk for m in messages if m.resident_id is not None]
    if ids:
        transaction.on_commit(lambda: _send_texts(ids))
    return messages


def _send_texts(message_ids: list[int]) -> None:
    """Text each message to its resident's phone; a failure is logged, the message stays."""
    for message in Message.objects.filter(
        pk__in=message_ids, sms_sent_at__isnull=True
    ).select_related("resident"):
        phone = message.resident.phone if message.resident else ""
        if not phone:
            continue
        try:
            send_sms(phone, message.text)
        except Exception:
            logger.exception("SMS to resident %s failed", message.resident_id)
            continue
        Message.objects.filter(pk=message.pk).update(sms_sent_at=timezone.now())


def mark_read(user: Any, message_ids: Iterable[int] | None = None) -> int:
    """Mark the user's own messages read (``None``: all); other people's are untouched."""
    from cunxin.notifications.selectors import inbox

    unread = inbox(user).filter(read_at__isnull=True)
    if message_ids is not None:
        unread = unread.filter(pk__in=list(message_ids))
    return unread.update(read_at=timezone.now())
