"""The card pages and API as their users meet them."""

from __future__ import annotations

import contextlib
import re

from cunxin.cards.identify import identify
from cunxin.cards.models import MAX_PIN_TRIES, Card
from cunxin.cards.tests.helpers import NUMBER, PIN, bind
from cunxin.conftest import World, login
from cunxin.core.errors import DomainError


def digits_on(page: str) -> str:
    match = re.search(r'data-testid="paycode-digits">([\d ]+)<', page)
    assert match, page
    return match.group(1)


def test_the_villager_sees_a_code_the_keeper_can_type(world: World) -> None:
    response = login(world.villager_a).get("/cards/my-code/")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    page = response.content.decode()
    assert "data:image/svg+xml" in page
    # Without JavaScript the page reloads itself before the code expires.
    assert '<noscript><meta http-equiv="refresh"' in page
    customer = identify(code=digits_on(page), acting_user=world.keeper_a)
    assert customer.resident.name == "张三"


def test_each_load_gives_a_new_code(world: World) -> None:
    client = login(world.villager_a)
    first = digits_on(client.get("/cards/my-code/").content.decode())
    second = client.get("/api/cards/my-code").json()
    assert second["code"] != first.replace(" ", "")
    assert second["qr"].startswith("data:image/svg+xml")
    assert second["refresh_seconds"] == 60
    assert identify(code=second["code"], acting_user=world.keeper_a).resident.name == "张三"


def test_the_villager_sees_their_card_and_whether_it_is_locked(world: World) -> None:
    client = login(world.villager_a)
    assert "还没有绑定诚信卡" in client.get("/cards/my-code/").content.decode()
    bind(world)
    page = client.get("/cards/my-code/").content.decode()
    assert f"尾号 {NUMBER[-4:]}" in page
    assert "可以使用" in page
    for _ in range(MAX_PIN_TRIES):
        with contextlib.suppress(DomainError):
            identify(card_number=NUMBER, pin="999999", acting_user=world.keeper_a)
    assert "已锁定" in client.get("/cards/my-code/").content.decode()
    assert client.get("/api/cards/my-card").json() == {"last4": NUMBER[-4:], "locked": True}


def test_a_villager_without_a_card_gets_no_content(world: World) -> None:
    assert login(world.villager_a).get("/api/cards/my-card").status_code == 204


def test_the_committee_binds_a_card_from_the_page(world: World) -> None:
    client = login(world.committee_a)
    search = client.get("/cards/bind/?q=zs").content.decode()
    zhang = world.resident("张三")
    assert f"?resident={zhang.pk}" in search
    form = client.get(f"/cards/bind/?resident={zhang.pk}").content.decode()
    assert "张三" in form
    assert 'name="card_number"' in form
    response = client.post(
        "/cards/bind/",
        {"resident": zhang.pk, "card_number": NUMBER, "pin": PIN, "pin_again": PIN},
        follow=True,
    )
    page = response.content.decode()
    assert f"已为张三绑定尾号{NUMBER[-4:]}的诚信卡" in page
    assert NUMBER not in page
    listing = client.get("/cards/").content.decode()
    assert "张三" in listing
    assert f"**** {NUMBER[-4:]}" in listing
    # 张三 has a card now: the search no longer offers him.
    assert f"?resident={zhang.pk}" not in client.get("/cards/bind/?q=zs").content.decode()


def test_a_mistyped_number_stays_on_the_form_with_a_clear_error(world: World) -> None:
    client = login(world.committee_a)
    zhang = world.resident("张三")
    bad = NUMBER[:-1] + str((int(NUMBER[-1]) + 1) % 10)
    response = client.post(
        "/cards/bind/", {"resident": zhang.pk, "card_number": bad, "pin": PIN, "pin_again": PIN}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "卡号校验位不正确" in page
    assert PIN not in page  # a PIN is never sent back
    assert not Card.objects.exists()


def test_a_forged_resident_in_the_bind_form_is_refused(world: World) -> None:
    client = login(world.committee_a)
    other = world.resident("庄德胜")
    response = client.post(
        "/cards/bind/", {"resident": other.pk, "card_number": NUMBER, "pin": PIN, "pin_again": PIN}
    )
    assert response.status_code == 200
    assert "请先搜索并选择" in response.content.decode()
    assert not Card.objects.exists()


def test_the_committee_unlocks_from_the_card_page(world: World) -> None:
    card = bind(world)
    for _ in range(MAX_PIN_TRIES):
        with contextlib.suppress(DomainError):
            identify(card_number=NUMBER, pin="999999", acting_user=world.keeper_a)
    client = login(world.committee_a)
    page = client.get(f"/cards/{card.pk}/").content.decode()
    assert "已锁定" in page
    assert "密码连续输错，锁定" in page
    response = client.post(f"/cards/{card.pk}/unlock/", {"unlock-reason": ""}, follow=True)
    assert "原因" in response.content.decode()
    card.refresh_from_db()
    assert card.locked
    response = client.post(
        f"/cards/{card.pk}/unlock/", {"unlock-reason": "本人到场核实"}, follow=True
    )
    assert "已解锁" in response.content.decode()
    card.refresh_from_db()
    assert not card.locked


def test_a_weak_new_pin_is_refused_on_the_page(world: World) -> None:
    card = bind(world)
    client = login(world.committee_a)
    response = client.post(
        f"/cards/{card.pk}/pin/", {"pin": "000000", "pin_again": "000000"}, follow=True
    )
    assert "过于简单" in response.content.decode()


def test_the_api_answers_a_bad_number_in_chinese(world: World) -> None:
    client = login(world.committee_a)
    response = client.post(
        "/api/cards/",
        {
            "resident_id": world.resident("张三").pk,
            "card_number": "1234",
            "pin": PIN,
            "pin_again": PIN,
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "card_number_invalid"
    assert "12到19位" in response.json()["message"]


def test_the_api_never_returns_a_card_number(world: World) -> None:
    client = login(world.committee_a)
    response = client.post(
        "/api/cards/",
        {
            "resident_id": world.resident("张三").pk,
            "card_number": NUMBER,
            "pin": PIN,
            "pin_again": PIN,
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.content.decode()
    assert NUMBER not in body
    assert response.json()["last4"] == NUMBER[-4:]
    listed = client.get("/api/cards/").content.decode()
    assert NUMBER not in listed
    assert PIN not in listed
    assert "pin_hash" not in listed


def test_the_menu_offers_the_right_card_pages(world: World) -> None:
    villager = login(world.villager_a).get("/people/me/").content.decode()
    assert 'href="/cards/my-code/"' in villager
    assert 'href="/cards/"' not in villager
    committee = login(world.committee_a).get("/cards/").content.decode()
    assert 'href="/cards/"' in committee
    assert 'href="/cards/my-code/"' not in committee


def test_the_town_centre_sees_its_villages_cards_and_finds_them_by_name(world: World) -> None:
    bind(world)
    client = login(world.clerk)
    assert "张三" in client.get("/cards/?q=zs").content.decode()
    assert "张三" not in client.get("/cards/?q=wjg").content.decode()
    assert "张三" not in client.get("/cards/?show=locked").content.decode()
    assert "张三" not in login(world.clerk2).get("/cards/").content.decode()


def test_a_cancelled_card_is_listed_apart(world: World) -> None:
    card = bind(world)
    client = login(world.committee_a)
    client.post(f"/cards/{card.pk}/cancel/", {"cancel-reason": "卡丢失"})
    assert "张三" not in client.get("/cards/").content.decode()
    assert "张三" in client.get("/cards/?show=cancelled").content.decode()
    assert "卡丢失" in client.get(f"/cards/{card.pk}/").content.decode()


def test_an_account_without_a_villager_has_no_pay_code(world: World) -> None:
    response = login(world.admin).get("/cards/my-code/")
    assert response.status_code == 200
    assert "没有关联村民" in response.content.decode()
    assert login(world.admin).get("/api/cards/my-code").status_code == 404
