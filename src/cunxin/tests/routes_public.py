"""Routes of the public board: pages anyone may open, logged in or not (``public=True``)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.utils import timezone

from cunxin.conftest import World
from cunxin.core.images import sample_image
from cunxin.records.actions.collect import do_collect
from cunxin.records.actions.notices import do_publish_notice
from cunxin.records.actions.review import do_approve
from cunxin.records.models import Notice
from cunxin.tests.access import Route


def notice(w: World) -> Notice:
    """Village A's first notice (张三's and 王建国's lines), published through the actions."""
    existing = Notice.objects.filter(village=w.village_a).order_by("number").first()
    if existing is not None:
        return existing
    records = [
        do_collect(
            client_id=uuid.uuid4(),
            resident=w.resident(name),
            item_code="PW-R01",
            quantity=Decimal(2),
            behaviour_date=timezone.localdate(),
            note="清扫公共区域",
            photos=[("p.jpg", sample_image())],
            acting_user=w.collector_a,
        )
        for name in ("张三", "王建国")
    ]
    do_approve([r.pk for r in records], acting_user=w.committee_a)
    return do_publish_notice(w.village_a, acting_user=w.committee_a)


def _list_url(w: World) -> str:
    notice(w)
    return f"/public/{w.village_a.code}/notices/"


def _notice_url(w: World, suffix: str = "/") -> str:
    n = notice(w)
    return f"/public/{w.village_a.code}/notices/{n.number}{suffix}"


def _verify_url(w: World) -> str:
    n = notice(w)
    return f"/public/verify/?village={w.village_a.code}&seq={n.chain_seq}&hash={n.chain_hash}"


def _board_url(w: World, suffix: str = "") -> str:
    notice(w)
    return f"/public/{w.village_a.code}/{suffix}"


def _town_url(w: World) -> str:
    notice(w)
    return f"/public/{w.town.code}/villages/"


ROUTES = [
    Route(
        "public:board",
        "get",
        _board_url,
        "villager_a",
        [],
        public=True,
        secret="还剩 7 天",
    ),
    Route(
        "public:board_pdf",
        "get",
        lambda w: _board_url(w, "board.pdf"),
        "villager_a",
        [],
        public=True,
        secret="%PDF-",
    ),
    Route(
        "public:tv",
        "get",
        lambda w: _board_url(w, "tv/"),
        "villager_a",
        [],
        public=True,
        secret="信用等级分布",
    ),
    Route(
        "public:town",
        "get",
        _town_url,
        "villager_a",
        [],
        public=True,
        secret="前双村",
    ),
    Route(
        "public:notices",
        "get",
        _list_url,
        "villager_a",
        [],
        public=True,
        secret="第1期",
    ),
    Route(
        "public:notice",
        "get",
        _notice_url,
        "villager_a",
        [],
        public=True,
        secret="王*国",
    ),
    Route(
        "public:notice_pdf",
        "get",
        lambda w: _notice_url(w, ".pdf"),
        "villager_a",
        [],
        public=True,
        secret="%PDF-",
    ),
    Route(
        "public:verify",
        "get",
        _verify_url,
        "villager_a",
        [],
        public=True,
        secret="与本村账本一致",
    ),
]
