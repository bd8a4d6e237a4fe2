"""Texts (SMS): a message to a villager is texted to their phone once the transaction commits,
never when it rolls back; a failing gateway leaves the message in the message centre."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.db import transaction

from cunxin.conftest import World
from cunxin.notifications.actions import Note, notify
from cunxin.notifications.models import Message


class _Broken:
    def send(self, phone: str, text: str) -> None:
        raise ConnectionError("gateway down")


def test_a_message_is_texted_after_commit_and_marked_sent(
    world: World, caplog: pytest.LogCaptureFixture, django_capture_on_commit_callbacks: Any
) -> None:
    zhang = world.resident("张三")
    assert zhang.phone
    caplog.set_level(logging.INFO, logger="cunxin.sms")
    with django_capture_on_commit_callbacks(execute=True):
        notify([Note(kind="record_approved", text="您的记录已通过审核", resident_id=zhang.pk)])
        assert "SMS to" not in caplog.text  # nothing leaves before the commit
    assert f"SMS to {zhang.phone}: 您的记录已通过审核" in caplog.text
    assert Message.objects.get(resident=zhang).sms_sent_at is not None


def test_a_rolled_back_message_is_never_texted(
    world: World, caplog: pytest.LogCaptureFixture, django_capture_on_commit_callbacks: Any
) -> None:
    zhang = world.resident("张三")
    caplog.set_level(logging.INFO, logger="cunxin.sms")

    def failing_action() -> None:
        with transaction.atomic():
            notify([Note(kind="record_approved", text="不该发出", resident_id=zhang.pk)])
            raise RuntimeError("the action failed")

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError, match="the action failed"),
    ):
        failing_action()
    assert "不该发出" not in caplog.text
    assert not Message.objects.filter(resident=zhang).exists()


def test_a_failing_gateway_keeps_the_message_unsent(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SMS_BACKEND = f"{__name__}._Broken"
    zhang = world.resident("张三")
    with django_capture_on_commit_callbacks(execute=True):
        notify([Note(kind="record_approved", text="您的记录已通过审核", resident_id=zhang.pk)])
    message = Message.objects.get(resident=zhang)
    assert message.sms_sent_at is None  # still in the message centre, not marked as texted
