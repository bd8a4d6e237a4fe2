"""Telling people what concerns them: written in the caller's transaction, sent after commit."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from cunxin.core import bulk
from cunxin.core.sms import sms_backend
from cunxin.notifications.models import Message

logger = logging.getLogger("cunxin.notifications")
CHUNK = 500  # messages texted, then marked sent, at a time


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
    messages = [
        Message(
            resident_id=n.resident_id,
            user_id=n.user_id,
            kind=n.kind,
            text=n.text[:300],
            link=n.link,
        )
        for n in notes
    ]
    bulk.insert_objects(messages, set_pk=True)  # a job may tell thousands at once
    ids = [m.pk for m in messages if m.resident_id is not None]
    if ids:
        transaction.on_commit(lambda: _send_texts(ids))
    return messages


def _send_texts(message_ids: list[int]) -> None:
    """Text each message to its resident's phone; a failure is logged, the message stays.

    The sent ones are marked as sent in one UPDATE per chunk, as they go.
    """
    for i in range(0, len(message_ids), CHUNK):
        sent: list[int] = []
        rows = Message.objects.filter(
            pk__in=message_ids[i : i + CHUNK], sms_sent_at__isnull=True
        ).values_list("pk", "resident_id", "resident__phone", "text")
        backend = sms_backend()
        for pk, resident_id, phone, text in rows:
            if not phone:
                continue
            try:
                backend.send(phone, text)
            except Exception:
                logger.exception("SMS to resident %s failed", resident_id)
                continue
            sent.append(pk)
        if sent:
            Message.objects.filter(pk__in=sent).update(sms_sent_at=timezone.now())


def mark_read(user: Any, message_ids: Iterable[int] | None = None) -> int:
    """Mark the user's own messages read (``None``: all); other people's are untouched."""
    from cunxin.notifications.selectors import inbox

    unread = inbox(user).filter(read_at__isnull=True)
    if message_ids is not None:
        unread = unread.filter(pk__in=list(message_ids))
    return unread.update(read_at=timezone.now())
