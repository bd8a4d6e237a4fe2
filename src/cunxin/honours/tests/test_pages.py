"""The committee's pages and the API, as the committee and villagers use them."""

from __future__ import annotations

from django.utils import timezone

from cunxin.conftest import World, login
from cunxin.honours.actions import do_confirm_round
from cunxin.honours.models import Conferral, RoundStatus, StarPick
from cunxin.honours.tests.helpers import LAST_MONTH, month_world, open_last_month
from cunxin.policy.actions import do_save_policy


def test_the_committee_opens_the_month_and_sees_every_candidate_with_why(
    policy_world: World,
) -> None:
    w = policy_world
    month_world(w)
    client = login(w.committee_a)
    response = client.post(
        "/honours/open/",
        {"village": w.village_a.pk, "period": "month", "month": f"{LAST_MONTH:%Y-%m}"},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "王建国" in page
    assert "本期有扣分" in page  # 王丽, listed with why she is not a star
    assert "确认评选结果" in page


def test_a_bad_month_is_a_form_error(policy_world: World) -> None:
    w = policy_world
    response = login(w.committee_a).post(
        "/honours/open/", {"village": w.village_a.pk, "period": "month", "month": "十月"}
    )
    assert response.status_code == 200
    assert "请填写月份" in response.content.decode()


def test_a_swap_without_a_reason_is_refused_on_the_page(policy_world: World) -> None:
    w = policy_world
    month_world(w)
    r = open_last_month(w)
    response = login(w.committee_a).post(
        f"/honours/rounds/{r.pk}/swap/",
        {"rank": 1, "resident": w.resident("王丽").pk, "reason": ""},
    )
    assert response.status_code == 200
    assert "这个字段是必填项。" in response.content.decode()
    assert StarPick.objects.get(round=r, rank=1).resident.name == "王建国"


def test_confirming_on_the_page_tells_the_villager_who_sees_it_on_their_page(
    policy_world: World,
) -> None:
    w = policy_world
    month_world(w)
    r = open_last_month(w)
    villager = login(w.villager_a)
    assert villager.get(f"/honours/rounds/{r.pk}/").status_code == 404  # a draft
    assert "张三" not in villager.get("/api/honours/rounds").content.decode()
    committee = login(w.committee_a)
    assert committee.post(f"/honours/rounds/{r.pk}/confirm/").status_code == 302
    assert committee.post(f"/honours/rounds/{r.pk}/confirm/").status_code == 302
    assert Conferral.objects.filter(round=r).count() == 4
    mine = villager.get("/honours/mine/").content.decode()
    assert "月度信用之星" in mine
    assert "第 2 名" in mine
    assert villager.get(f"/honours/rounds/{r.pk}/").status_code == 200
    board = villager.get("/honours/").content.decode()
    assert "王*国、张三" in board  # another household's star masked, as on the public board


def test_the_api_refuses_a_swap_without_a_reason_and_confirms_once(policy_world: World) -> None:
    w = policy_world
    month_world(w)
    client = login(w.committee_a)
    opened = client.post(
        "/api/honours/rounds",
        {"village_code": w.village_a.code, "period": "month", "day": LAST_MONTH.isoformat()},
        content_type="application/json",
    )
    assert opened.status_code == 201
    body = opened.json()
    assert [s["name"] for s in body["stars"]] == ["王建国", "张三", "李秀英", "张小明"]
    round_id = body["id"]
    refused = client.post(
        f"/api/honours/rounds/{round_id}/swap",
        {"rank": 1, "resident_id": w.resident("王丽").pk, "reason": ""},
        content_type="application/json",
    )
    assert (refused.status_code, refused.json()["code"]) == (400, "reason_required")
    candidates = client.get(f"/api/honours/rounds/{round_id}/candidates").json()
    assert candidates[0]["name"] == "王丽"
    assert candidates[0]["excluded"] == "penalty"
    for _ in range(2):
        done = client.post(f"/api/honours/rounds/{round_id}/confirm")
        assert done.json()["status"] == RoundStatus.CONFIRMED
        assert len(done.json()["conferrals"]) == 4
    mine = login(w.villager_a).get("/api/honours/mine").json()["items"]
    assert [(m["kind"], m["rank"]) for m in mine] == [("star", 2)]


def test_another_villages_staff_cannot_reach_the_round(policy_world: World) -> None:
    w = policy_world
    month_world(w)
    r = open_last_month(w)
    assert login(w.collector_b).get(f"/honours/rounds/{r.pk}/").status_code == 404
    assert login(w.clerk2).get(f"/api/honours/rounds/{r.pk}").status_code == 404
    assert login(w.collector_a).post(f"/honours/rounds/{r.pk}/confirm/").status_code == 403


def test_villagers_see_other_villagers_honours_masked_and_staff_see_full_names(
    policy_world: World,
) -> None:
    w = policy_world
    month_world(w)
    r = do_confirm_round(open_last_month(w), acting_user=w.committee_a)
    villager = login(w.villager_a)  # 张三, of household 0001 with 李秀英 and 张小明
    board = villager.get("/honours/").content.decode()
    page = villager.get(f"/honours/rounds/{r.pk}/").content.decode()
    api = villager.get(f"/api/honours/rounds/{r.pk}").json()
    # 王建国 (household 0002) masked as the policy says; one's own household in full.
    assert "王*国、张三、李秀英、张小明" in board
    assert "1. 王*国" in page
    assert [s["name"] for s in api["stars"]] == ["王*国", "张三", "李秀英", "张小明"]
    for text in (board, page, str(api)):
        assert "王建国" not in text
    for staff in (w.committee_a, w.collector_a, w.clerk):
        client = login(staff)
        assert "王建国" in client.get(f"/honours/?village={w.village_a.pk}").content.decode()
        assert "1. 王建国" in client.get(f"/honours/rounds/{r.pk}/").content.decode()
        assert client.get(f"/api/honours/rounds/{r.pk}").json()["stars"][0]["name"] == "王建国"


def test_the_villages_policy_decides_how_honours_names_are_masked(policy_world: World) -> None:
    w = policy_world
    month_world(w)
    r = do_confirm_round(open_last_month(w), acting_user=w.committee_a)
    villager = login(w.villager_a)
    for masking, shown in (("given", "王**"), ("full", "王建国")):
        do_save_policy(
            w.village_a,
            values={"name_masking": masking},
            effective_from=timezone.localdate(),
            acting_user=w.clerk,
            reason="本村调整",
        )
        assert villager.get(f"/api/honours/rounds/{r.pk}").json()["stars"][0]["name"] == shown
        assert f"{shown}、张三" in villager.get("/honours/").content.decode()
