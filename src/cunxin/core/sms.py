"""Text messages to phones. The default backend only writes them to the log."""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("cunxin.sms")


class SmsBackend(Protocol):
    """Sends one text message."""

    def send(self, phone: str, text: str) -> None: ...


class LogBackend:
    """Writes each message to the log instead of sending it (development and the demo)."""

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


def sms_backend() -> SmsBackend:
    """The configured backend (``SMS_BACKEND``); send only after the transaction commits."""
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    return backend
