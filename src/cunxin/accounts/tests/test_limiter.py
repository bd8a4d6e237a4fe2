"""The login limiter: a challenge and growing waits past the allowance, never a lock that
keeps the owner out; the owner's own browser is not held up; the owner is told."""

from __future__ import annotations

import datetime
import logging
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from cunxin.accounts import limiter
from cunxin.accounts.challenge import make_challenge, solve
from cunxin.accounts.models import LoginAttempt
from cunxin.conftest import PASSWORD, World
from cunxin.notifications.models import Message

COLLECTOR = "13800000003"


def _client(ip: str = "10.0.0.1") -> Client:
    return Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR=ip)


def _login(client: Client, phone: str, password: str, **extra: str) -> Any:
    return client.post("/accounts/login/", {"phone": phone, "password": password, **extra})


def _solved() -> dict[str, str]:
    challenge = make_challenge(12, 3)
    return {"challenge": challenge.token, "answer": "15"}


def _checked() -> int:
    """Password checks made so far (refused attempts are not checked, so not logged)."""
    return LoginAttempt.objects.count()


def _later(seconds: float) -> Any:
    return mock.patch(
        "django.utils.timezone.now",
        return_value=timezone.now() + datetime.timedelta(seconds=seconds),
    )


def _fail(client: Client, phone: str, times: int, *, apart: float = 0, **extra: Any) -> None:
    """Wrong passwords, ``apart`` seconds from each other (past every wait when 301)."""
    for n in range(times):
        with _later(n * apart):
            page = _login(client, phone, "wrong-password", **(extra or _solved()))
        assert "手机号或密码不正确" in page.content.decode()


def test_past_five_failures_a_stranger_gets_a_challenge_not_a_lock(world: World) -> None:
    stranger = _client()
    for _ in range(5):
        _login(stranger, COLLECTOR, "wrong-password")
    checked = _checked()
    page = _login(stranger, COLLECTOR, PASSWORD).content.decode()
    # Not checked without the challenge, and the page now asks it.
    assert "请先回答验证题" in page
    assert 'name="challenge"' in page
    assert "<svg" in page
    assert _checked() == checked
    assert "_auth_user_id" not in stranger.session
    # With the sum solved, the right password logs in: no fifteen-minute lock.
    assert _login(stranger, COLLECTOR, PASSWORD, **_solved()).status_code == 302


def test_a_wrong_answer_to_the_challenge_is_not_a_password_check(world: World) -> None:
    stranger = _client()
    _fail(stranger, COLLECTOR, 5, challenge="", answer="")
    checked = _checked()
    token = make_challenge(12, 3).token
    page = _login(stranger, COLLECTOR, PASSWORD, challenge=token, answer="16").content.decode()
    assert "验证题答错了" in page
    assert _checked() == checked
    # A token answers once: the right answer on the same token no longer helps.
    page = _login(stranger, COLLECTOR, PASSWORD, challenge=token, answer="15").content.decode()
    assert "验证题答错了" in page


def test_guessing_past_the_allowance_waits_longer_each_time(world: World) -> None:
    stranger = _client()
    _fail(stranger, COLLECTOR, 6)  # the sixth needed a challenge, and starts the waits
    page = _login(stranger, COLLECTOR, PASSWORD, **_solved()).content.decode()
    assert "请2秒后再试" in page
    with _later(3):
        _fail(stranger, COLLECTOR, 1)
        assert "请4秒后再试" in _login(stranger, COLLECTOR, PASSWORD, **_solved()).content.decode()
    with _later(3 + 5):
        assert _login(stranger, COLLECTOR, PASSWORD, **_solved()).status_code == 302


def test_waits_double_up_to_five_minutes(settings: Any) -> None:
    waits = [limiter.wait_after(n, 5).total_seconds() for n in range(1, 16)]
    assert waits[:5] == [0] * 5
    assert waits[5:10] == [2, 4, 8, 16, 32]
    assert max(waits) == settings.LOGIN_WAIT_MAX_SECONDS == 300
    assert limiter.wait_after(10**6, 5).total_seconds() == 300


def test_the_owner_logs_in_from_their_own_browser_while_strangers_guess(world: World) -> None:
    owner = _client("10.0.0.7")
    assert _login(owner, COLLECTOR, PASSWORD).status_code == 302
    owner.post("/accounts/logout/")
    stranger = _client("10.9.9.9")
    _fail(stranger, COLLECTOR, 12, apart=301)
    # No challenge, no wait: the owner's browser counts its own failures.
    assert _login(owner, COLLECTOR, PASSWORD).status_code == 302
    # The owner's own typos are limited the same way, on the owner's count alone.
    owner.post("/accounts/logout/")
    _fail(owner, COLLECTOR, 5, challenge="", answer="")
    assert "请先回答验证题" in _login(owner, COLLECTOR, PASSWORD).content.decode()


def test_a_village_office_behind_one_address_is_asked_a_challenge_not_refused(
    world: World, settings: Any
) -> None:
    settings.LOGIN_MAX_FAILURES_PER_IP = 3
    office = _client("10.1.1.1")
    for phone in ("13800000002", "13800000004", "13800000005"):
        _login(office, phone, "guess-1234")
    # Someone else at the same office, whose phone nobody guessed at.
    colleague = _client("10.1.1.1")
    page = _login(colleague, COLLECTOR, PASSWORD).content.decode()
    assert "请先回答验证题" in page
    assert _login(colleague, COLLECTOR, PASSWORD, **_solved()).status_code == 302
    # Another address is not affected at all.
    assert _login(_client("10.2.2.2"), "13800000001", PASSWORD).status_code == 302


def test_the_login_page_shows_the_challenge_at_once_to_an_address_past_its_allowance(
    world: World, settings: Any
) -> None:
    settings.LOGIN_MAX_FAILURES_PER_IP = 2
    office = _client("10.1.1.1")
    assert 'name="answer"' not in office.get("/accounts/login/").content.decode()
    _fail(office, "13800000002", 1)
    _fail(office, "13800000004", 1)
    assert 'name="answer"' in office.get("/accounts/login/").content.decode()


def test_a_right_password_does_not_reset_the_count_of_its_address(
    world: World, settings: Any
) -> None:
    settings.LOGIN_MAX_FAILURES_PER_IP = 3
    guesser = _client("10.1.1.1")
    _fail(guesser, "13800000002", 2, challenge="", answer="")
    # The guesser logs in to an account of their own from the same address...
    assert _login(_client("10.1.1.1"), "13800000005", PASSWORD).status_code == 302
    _fail(guesser, "13800000004", 1, challenge="", answer="")
    # ...and still gets the challenge at the third failure from there.
    assert "请先回答验证题" in _login(guesser, "13800000001", "guess").content.decode()


def test_the_owner_is_told_once_per_window_when_their_phone_is_guessed_at(
    world: World, caplog: pytest.LogCaptureFixture, django_capture_on_commit_callbacks: Any
) -> None:
    caplog.set_level(logging.INFO, logger="cunxin.sms")
    stranger = _client()
    with django_capture_on_commit_callbacks(execute=True):
        _fail(stranger, COLLECTOR, 5)
    assert not Message.objects.filter(kind="login_attack").exists()  # typos happen
    with django_capture_on_commit_callbacks(execute=True):
        _fail(stranger, COLLECTOR, 1)
        with _later(10):
            _fail(stranger, COLLECTOR, 1)
    alert = Message.objects.get(kind="login_attack")
    assert alert.user == world.collector_a
    assert "尾号0003" in alert.text
    assert "没有被锁定" in alert.text
    texts = [r.getMessage() for r in caplog.records if r.name == "cunxin.sms"]
    assert texts == [f"SMS to {COLLECTOR}: {alert.text}"]
    # A window later, a new attack is told again.
    with _later(16 * 60), django_capture_on_commit_callbacks(execute=True):
        _fail(stranger, COLLECTOR, 6)
    assert Message.objects.filter(kind="login_attack").count() == 2


def test_a_number_without_a_login_alerts_nobody(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _fail(_client(), "13999999999", 7, apart=301)
    assert not Message.objects.filter(kind="login_attack").exists()


def test_a_challenge_token_is_signed_single_use_and_short_lived(db: None) -> None:
    challenge = make_challenge(20, 5)
    nonce, expires, mac = challenge.token.split(".")
    assert not solve(f"{nonce}.{int(expires) + 86400 * 365}.{mac}", "25")  # a forged expiry
    assert not solve(f"{'0' * 32}.{expires}.{mac}", "25")  # a forged nonce
    assert solve(challenge.token, "２５")  # typed on a Chinese keyboard
    assert not solve(challenge.token, "25")  # once only
    late = make_challenge(20, 5)
    with _later(11 * 60):
        assert not solve(late.token, "25")


def test_old_keys_and_answered_challenges_are_purged(world: World) -> None:
    from cunxin.accounts.actions import purge_login_attempts
    from cunxin.accounts.models import LoginThrottle, UsedChallenge

    _fail(_client(), COLLECTOR, 2)
    solve(make_challenge(1, 1).token, "2")
    assert LoginThrottle.objects.exists()
    purge_login_attempts()
    assert LoginThrottle.objects.exists()  # still inside the window
    with _later(16 * 60):
        purge_login_attempts()
    assert not LoginThrottle.objects.exists()
    assert not UsedChallenge.objects.exists()
