"""Routes of the cards app: the villager's pay code and the committee's 诚信卡 pages and API.

张三 of 前双村 has a card (bound by committee_a) wherever a route needs one. Cards are the
committee's (and the town's credit centre's) work: the other town's clerk sees none of 前双村's
cards, and a collector, a keeper or a villager is refused. The pay code is the villager's own.
"""

from __future__ import annotations

from typing import Any

from cunxin.cards.models import Card
from cunxin.cards.tests.helpers import NUMBER, PIN, bind
from cunxin.conftest import World
from cunxin.tests.access import Route

C = "/cards"
API = "/api/cards"
OTHERS = ["clerk2"]
LESSER = ["collector_a", "keeper_a", "collector_b"]
VILLAGERS_OWN = ["committee_a", "collector_a", "keeper_a", "clerk", "admin"]
NEW_PIN = "470213"


def _card(w: World) -> Card:
    return Card.objects.filter(resident__name="张三").first() or bind(w)


def _bind_form(w: World) -> dict[str, Any]:
    return {
        "resident": w.resident("张三").pk,
        "card_number": NUMBER,
        "pin": PIN,
        "pin_again": PIN,
    }


def _after_card(url: str) -> Any:
    def build(w: World) -> str:
        _card(w)
        return url

    return build


ROUTES = [
    # --- the villager's pay code ---------------------------------------------------------------
    Route(
        "cards:my_code",
        "get",
        _after_card(f"{C}/my-code/"),
        "villager_a",
        [],
        villager_allowed=True,
        secret=NUMBER[-4:],
        extra_refused=VILLAGERS_OWN,
    ),
    Route(
        "api:get /api/cards/my-code",
        "get",
        lambda w: f"{API}/my-code",
        "villager_a",
        [],
        json=True,
        villager_allowed=True,
        secret="expires_at",
        extra_refused=VILLAGERS_OWN,
    ),
    Route(
        "api:get /api/cards/my-card",
        "get",
        _after_card(f"{API}/my-card"),
        "villager_a",
        [],
        json=True,
        villager_allowed=True,
        secret=NUMBER[-4:],
        extra_refused=VILLAGERS_OWN,
    ),
    # --- the committee's pages -----------------------------------------------------------------
    Route(
        "cards:cards",
        "get",
        _after_card(f"{C}/"),
        "committee_a",
        OTHERS,
        extra_refused=LESSER,
    ),
    Route(
        "cards:bind",
        "get",
        lambda w: f"{C}/bind/?q=zs",
        "committee_a",
        OTHERS,
        extra_refused=LESSER,
    ),
    Route(
        "cards:bind",
        "post",
        lambda w: f"{C}/bind/",
        "committee_a",
        OTHERS,
        data=_bind_form,
        ok=(302,),
        extra_refused=LESSER,
    ),
    Route(
        "cards:card",
        "get",
        lambda w: f"{C}/{_card(w).pk}/",
        "committee_a",
        OTHERS,
        extra_refused=LESSER,
    ),
    Route(
        "cards:unlock",
        "post",
        lambda w: f"{C}/{_card(w).pk}/unlock/",
        "committee_a",
        OTHERS,
        data=lambda w: {"unlock-reason": "本人到场核实"},
        ok=(302,),
        extra_refused=LESSER,
    ),
    Route(
        "cards:reset_pin",
        "post",
        lambda w: f"{C}/{_card(w).pk}/pin/",
        "committee_a",
        OTHERS,
        data=lambda w: {"pin": NEW_PIN, "pin_again": NEW_PIN, "reason": "忘记密码"},
        ok=(302,),
        extra_refused=LESSER,
    ),
    Route(
        "cards:cancel",
        "post",
        lambda w: f"{C}/{_card(w).pk}/cancel/",
        "committee_a",
        OTHERS,
        data=lambda w: {"cancel-reason": "卡丢失"},
        ok=(302,),
        extra_refused=LESSER,
    ),
    # --- the committee's API -------------------------------------------------------------------
    Route(
        "api:get /api/cards/",
        "get",
        _after_card(f"{API}/"),
        "committee_a",
        OTHERS,
        json=True,
        extra_refused=LESSER,
    ),
    Route(
        "api:post /api/cards/",
        "post",
        lambda w: f"{API}/",
        "committee_a",
        OTHERS,
        json=True,
        data=lambda w: {**_bind_form(w), "resident_id": w.resident("张三").pk},
        ok=(201,),
        extra_refused=LESSER,
    ),
    Route(
        "api:get /api/cards/{card_id}",
        "get",
        lambda w: f"{API}/{_card(w).pk}",
        "committee_a",
        OTHERS,
        json=True,
        extra_refused=LESSER,
    ),
    Route(
        "api:post /api/cards/{card_id}/unlock",
        "post",
        lambda w: f"{API}/{_card(w).pk}/unlock",
        "committee_a",
        OTHERS,
        json=True,
        data=lambda w: {"reason": "本人到场核实"},
        extra_refused=LESSER,
    ),
    Route(
        "api:post /api/cards/{card_id}/pin",
        "post",
        lambda w: f"{API}/{_card(w).pk}/pin",
        "committee_a",
        OTHERS,
        json=True,
        data=lambda w: {"pin": NEW_PIN, "pin_again": NEW_PIN},
        extra_refused=LESSER,
    ),
    Route(
        "api:post /api/cards/{card_id}/cancel",
        "post",
        lambda w: f"{API}/{_card(w).pk}/cancel",
        "committee_a",
        OTHERS,
        json=True,
        data=lambda w: {"reason": "卡丢失"},
        extra_refused=LESSER,
    ),
]
