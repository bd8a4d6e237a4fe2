from typing import Any

import pytest
from django.test import Client

from cunxin.accounts.models import LoginAttempt, User
from cunxin.conftest import PASSWORD, World


def _login(client: Client, phone: str, password: str) -> Any:
    return client.post("/accounts/login/", {"phone": phone, "password": password})


def test_a_user_logs_in_with_phone_number_and_password(world: World) -> None:
    client = Client(HTTP_HOST="127.0.0.1")
    response = _login(client, "138 0000 0003", PASSWORD)  # spaces as people type them
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_a_wrong_password_is_refused_in_chinese(world: World) -> None:
    response = _login(Client(HTTP_HOST="127.0.0.1"), "13800000003", "wrong-password")
    assert response.status_code == 200
    assert "手机号或密码不正确" in response.content.decode()


def test_after_five_failures_even_the_right_password_waits(world: World, settings: Any) -> None:
    client = Client(HTTP_HOST="127.0.0.1")
    for _ in range(settings.LOGIN_MAX_FAILURES_PER_PHONE):
        _login(client, "13800000003", "wrong-password")
    response = _login(client, "13800000003", PASSWORD)
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another person's phone from elsewhere is not locked by it.
    assert (
        _login(
            Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.0.0.9"), "13800000002", PASSWORD
        ).status_code
        == 302
    )


def test_one_address_guessing_many_phones_is_slowed_down(world: World, settings: Any) -> None:
    settings.LOGIN_MAX_FAILURES_PER_IP = 3
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.1.1.1")
    for phone in ("13800000002", "13800000003", "13800000004"):
        _login(client, phone, "guess-1234")
    assert "登录失败次数过多" in _login(client, "13800000005", PASSWORD).content.decode()


def test_old_login_attempts_are_purged(world: World) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from cunxin.accounts.actions import purge_login_attempts

    LoginAttempt.objects.create(phone="13800000003", at=timezone.now() - timedelta(days=40))
    LoginAttempt.objects.create(phone="13800000003")
    assert purge_login_attempts() == 1
    assert LoginAttempt.objects.count() == 1


def test_the_login_form_needs_its_csrf_token(world: World) -> None:
    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    response = _login(client, "13800000003", PASSWORD)
    assert response.status_code == 403


def test_a_disabled_user_cannot_log_in(world: World) -> None:
    User.objects.filter(pk=world.collector_a.pk).update(is_active=False)
    response = _login(Client(HTTP_HOST="127.0.0.1"), "13800000003", PASSWORD)
    assert "手机号或密码不正确" in response.content.decode()


def test_a_temporary_password_must_be_changed_before_anything_else(world: World) -> None:
    User.objects.filter(pk=world.collector_a.pk).update(must_change_password=True)
    client = Client(HTTP_HOST="127.0.0.1")
    _login(client, "13800000003", PASSWORD)
    assert client.get("/people/").url == "/accounts/password/"
    assert client.get("/api/people/residents").status_code == 403
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password": "my-own-pass-77",
            "new_password2": "my-own-pass-77",
        },
    )
    assert response.status_code == 302
    assert client.get("/people/").status_code == 200


@pytest.mark.parametrize(
    ("new", "message"),
    [("12345678", "不能全是数字"), ("short", "密码太短"), ("password", "太常见")],
)
def test_weak_new_passwords_are_refused_with_the_reason(
    world: World, new: str, message: str
) -> None:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(world.collector_a)
    response = client.post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password": new, "new_password2": new}
    )
    assert response.status_code == 200
    assert message in response.content.decode()


def test_logout_needs_a_post(world: World) -> None:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(world.collector_a)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302
