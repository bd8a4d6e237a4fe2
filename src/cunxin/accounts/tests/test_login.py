from typing import Any

import pytest
from django.test import Client

from cunxin.accounts.models import LoginAttempt, User
from cunxin.conftest import PASSWORD, World


def _login(client: Client, phone: str, password: str, **extra: str) -> Any:
    return client.post("/accounts/login/", {"phone": phone, "password": password, **extra})


def test_a_user_logs_in_with_phone_number_and_password(world: World) -> None:
    client = Client(HTTP_HOST="127.0.0.1")
    response = _login(client, "138 0000 0003", PASSWORD)  # spaces as people type them
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_a_wrong_password_is_refused_in_chinese(world: World) -> None:
    response = _login(Client(HTTP_HOST="127.0.0.1"), "13800000003", "wrong-password")
    assert response.status_code == 200
    assert "手机号或密码不正确" in response.content.decode()


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


# --- every way to log in goes through the one limiter ------------------------------------------


def test_the_admin_has_no_login_of_its_own_and_sends_people_to_the_projects(
    world: World,
) -> None:
    client = Client(HTTP_HOST="127.0.0.1")
    response = client.get("/admin/")
    assert response.status_code == 302
    assert client.get(response.url).url == "/accounts/login/?next=/admin/"
    # Posting a password to the admin's login page checks nothing and logs nobody in.
    response = client.post("/admin/login/", {"username": "13800000000", "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_forty_wrong_admin_passwords_then_the_right_one_is_not_let_in_unchallenged(
    world: World,
) -> None:
    client = Client(HTTP_HOST="127.0.0.1")
    for _ in range(40):
        client.post("/admin/login/?next=/admin/", {"username": "13800000000", "password": "x"})
        _login(client, "13800000000", "wrong-password")
    response = client.post(
        "/accounts/login/?next=/admin/", {"phone": "13800000000", "password": PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    assert "请先回答验证题" in response.content.decode()
    # Five of the eighty were checked; the rest were not even looked at. No lock, though.
    assert LoginAttempt.objects.count() == 5
    from cunxin.accounts.challenge import make_challenge

    solved = {"challenge": make_challenge(30, 9).token, "answer": "39"}
    _login(client, "13800000000", PASSWORD, **solved)
    assert "_auth_user_id" in client.session


def test_the_admin_opens_after_logging_in_on_the_projects_page(world: World) -> None:
    client = Client(HTTP_HOST="127.0.0.1")
    response = client.post(
        "/accounts/login/", {"phone": "13800000000", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_admins_password_change_is_the_projects(world: World) -> None:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(world.admin)
    response = client.post(
        "/admin/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "x-new-pass-9",
            "new_password2": "x-new-pass-9",
        },
    )
    assert response.status_code == 302
    assert response.url == "/accounts/password/"
    world.admin.refresh_from_db()
    assert world.admin.check_password(PASSWORD)


def test_a_logged_in_user_who_is_not_staff_is_refused_by_the_admin(world: World) -> None:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(world.collector_a)
    assert client.get("/admin/login/").status_code == 403


def test_authenticate_without_the_limiters_admission_finds_nobody(world: World) -> None:
    from django.contrib.auth import authenticate

    # Any code (a library, the admin's form, a future API login) calling authenticate()
    # directly gets nobody, so it cannot become a way around the limit.
    assert authenticate(None, username="13800000000", password=PASSWORD) is None
    assert authenticate(None, phone="13800000000", password=PASSWORD) is None


def test_an_admission_checks_one_password_only(world: World) -> None:
    from django.contrib.auth import authenticate

    from cunxin.accounts import limiter

    admission = limiter.admit(
        limiter.login_buckets("13800000000", "", ""), phone="13800000000", ip=""
    )
    assert authenticate(None, username="13800000000", password="no", admission=admission) is None
    assert (
        authenticate(None, username="13800000000", password=PASSWORD, admission=admission) is None
    )


def test_wrong_old_passwords_count_and_then_wait(world: World) -> None:
    from datetime import timedelta
    from unittest import mock

    from django.utils import timezone

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(world.collector_a)

    def change(old: str) -> str:
        return client.post(
            "/accounts/password/",
            {
                "old_password": old,
                "new_password": "my-own-pass-77",
                "new_password2": "my-own-pass-77",
            },
        ).content.decode()

    for _ in range(6):
        assert "原密码不正确" in change("guess-guess")
    # Counted although nothing else was written, and now the right one waits too.
    assert LoginAttempt.objects.filter(phone="13800000003", success=False).count() == 6
    assert "请2秒后再试" in change(PASSWORD)
    later = timezone.now() + timedelta(seconds=3)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert (
            client.post(
                "/accounts/password/",
                {
                    "old_password": PASSWORD,
                    "new_password": "my-own-pass-77",
                    "new_password2": "my-own-pass-77",
                },
            ).status_code
            == 302
        )


def test_strangers_guessing_at_the_login_do_not_hold_up_a_password_change(world: World) -> None:
    stranger = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.9.9.9")
    for _ in range(6):
        _login(stranger, "13800000003", "wrong-password")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(world.collector_a)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password": "my-own-pass-77",
            "new_password2": "my-own-pass-77",
        },
    )
    assert response.status_code == 302
