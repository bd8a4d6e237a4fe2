import datetime
import io
import json

from django.db import connection
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cunxin.accounts.actions import do_create_user
from cunxin.accounts.models import User
from cunxin.accounts.permissions import Role
from cunxin.blacklist import selectors
from cunxin.blacklist.actions import do_dismiss_candidate
from cunxin.blacklist.models import BlacklistCase, CaseStatus, RepairApplication, RepairStatus
from cunxin.blacklist.tests.helpers import (
    JPEG,
    SERIOUS,
    applied,
    listed_case,
    make_effective,
    repairable_case,
    serious_candidate,
)
from cunxin.conftest import World, login
from cunxin.ledger.checks import check_ledger
from cunxin.policy.actions import do_save_policy
from cunxin.records.models import CarryOverRun

TODAY = timezone.localdate()
IN_A_YEAR = TODAY + datetime.timedelta(days=365)


def test_the_committee_lists_a_candidate_from_the_page(policy_world: World) -> None:
    w = policy_world
    serious_candidate(w)
    zhang = w.resident("张三")
    client = login(w.committee_a)
    page = client.get("/blacklist/").content.decode()
    assert "张三" in page
    assert "有严重失信行为" in page
    page = client.get(f"/blacklist/candidates/{zhang.pk}/").content.decode()
    assert "家庭暴力经查实" in page
    assert "临时救助" in page
    # Nothing ticked, nothing written: the form says so and nobody is listed.
    response = client.post(
        f"/blacklist/candidates/{zhang.pk}/confirm/",
        {"reason": "家庭暴力经公安机关查实", "ends_on": IN_A_YEAR.isoformat()},
    )
    assert response.status_code == 200
    assert "请至少选择或填写一项限制措施" in response.content.decode()
    response = client.post(
        f"/blacklist/candidates/{zhang.pk}/confirm/",
        {
            "reason": "家庭暴力经公安机关查实",
            "restrictions": ["政策扶持", "评优评先"],
            "other_restrictions": "不得申请宅基地审批加急",
            "ends_on": IN_A_YEAR.isoformat(),
        },
    )
    case = BlacklistCase.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/blacklist/cases/{case.pk}/"
    assert case.restrictions == ["政策扶持", "评优评先", "不得申请宅基地审批加急"]
    page = client.get(f"/blacklist/cases/{case.pk}/").content.decode()
    assert "不得申请宅基地审批加急" in page
    assert IN_A_YEAR.isoformat() in page


def test_the_villager_sees_their_case_and_applies_for_repair(policy_world: World) -> None:
    w = policy_world
    case = repairable_case(w)
    client = login(w.villager_a)
    page = client.get("/blacklist/me/").content.decode()
    for part in ("家庭暴力经公安机关查实", "政策扶持", "评优评先", case.ends_on.isoformat()):  # type: ignore[union-attr]
        assert part in page
    assert f"/blacklist/cases/{case.pk}/repair/" in page
    response = client.post(
        f"/blacklist/cases/{case.pk}/repair/",
        {"volunteer_hours": "12", "text": "列入以来参加环境整治志愿服务十次。"},
    )
    assert "请先签署信用承诺书" in response.content.decode()
    upload = io.BytesIO(JPEG)
    upload.name = "承诺书.jpg"
    response = client.post(
        f"/blacklist/cases/{case.pk}/repair/",
        {
            "volunteer_hours": "12",
            "text": "列入以来参加环境整治志愿服务十次。",
            "commitment_signed": "on",
            "commitment_file": upload,
        },
    )
    assert response.status_code == 302
    application = RepairApplication.objects.get()
    assert client.get(f"/blacklist/repairs/{application.pk}/file/").content == JPEG
    # The committee rules on the case page; the villager reads the ruling on theirs.
    committee = login(w.committee_a)
    page = committee.get(f"/blacklist/cases/{case.pk}/").content.decode()
    assert "评审信用修复申请" in page
    assert "12.0" in page
    response = committee.post(
        f"/blacklist/repairs/{application.pk}/rule/", {"approve": "0", "reason": ""}
    )
    assert response.status_code == 200
    assert "请写明理由" in response.content.decode()
    committee.post(
        f"/blacklist/repairs/{application.pk}/rule/",
        {"approve": "0", "reason": "志愿服务时长不足"},
    )
    assert RepairApplication.objects.get().status == RepairStatus.REFUSED
    page = client.get("/blacklist/me/").content.decode()
    assert "志愿服务时长不足" in page
    assert "不同意修复" in page


def test_other_people_see_nothing_of_a_case(policy_world: World) -> None:
    w = policy_world
    case = repairable_case(w)
    application = applied(w, case)
    other_committee = do_create_user(
        phone="13912340008",
        name="庄头村评审",
        password="init-pass-123",
        role=Role.COMMITTEE,
        region=w.village_b,
        acting_user=w.clerk,
    )
    wang = do_create_user(
        phone="13905371003",
        name="王建国",
        password="init-pass-123",
        role=Role.VILLAGER,
        region=w.village_a,
        resident=w.resident("王建国"),
        acting_user=w.clerk,
    )
    User.objects.update(must_change_password=False)
    other_committee.refresh_from_db()
    wang.refresh_from_db()
    committee = login(other_committee)
    zhang = w.resident("张三")
    for url in (
        f"/blacklist/cases/{case.pk}/",
        f"/blacklist/candidates/{zhang.pk}/",
        f"/blacklist/repairs/{application.pk}/file/",
        f"/api/blacklist/cases/{case.pk}",
    ):
        assert committee.get(url).status_code == 404, url
    assert "张三" not in committee.get("/blacklist/").content.decode()
    assert (
        committee.post(f"/blacklist/repairs/{application.pk}/rule/", {"approve": "1"}).status_code
        == 404
    )
    villager = login(wang)
    assert "张三" not in villager.get("/blacklist/me/").content.decode()
    assert "家庭暴力" not in villager.get("/blacklist/me/").content.decode()
    for url in (
        f"/api/blacklist/cases/{case.pk}",
        f"/blacklist/repairs/{application.pk}/file/",
        f"/blacklist/cases/{case.pk}/repair/",
    ):
        assert villager.get(url).status_code == 404, url
    assert json.loads(villager.get("/api/blacklist/me").content)["items"] == []


def test_the_api_lists_confirms_and_rules(policy_world: World) -> None:
    w = policy_world
    serious_candidate(w)
    zhang = w.resident("张三")
    api = login(w.committee_a)
    (found,) = api.get("/api/blacklist/candidates").json()["items"]
    assert (found["name"], found["basis"]) == ("张三", "serious")
    response = api.post(
        f"/api/blacklist/candidates/{zhang.pk}/confirm",
        {"reason": "家庭暴力经公安机关查实", "restrictions": [], "ends_on": IN_A_YEAR.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "restrictions_required"
    response = api.post(
        f"/api/blacklist/candidates/{zhang.pk}/confirm",
        {
            "reason": "家庭暴力经公安机关查实",
            "restrictions": ["评优评先"],
            "ends_on": IN_A_YEAR.isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "listed"
    assert body["in_force"] is True
    assert body["history"][0]["to_status"] == "listed"
    villager = login(w.villager_a)
    response = villager.post(
        f"/api/blacklist/cases/{body['id']}/repair",
        {"text": "列入以来参加环境整治志愿服务十次。", "commitment_signed": "true"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "repair_too_early"
    (mine,) = villager.get("/api/blacklist/me").json()["items"]
    assert mine["restrictions"] == ["评优评先"]
    assert villager.get(f"/api/blacklist/cases/{body['id']}").status_code == 200


def test_the_villagers_own_page_can_show_their_blacklist_line(policy_world: World) -> None:
    w = policy_world
    template = Template("{% load blacklist %}{% my_blacklist_status user %}")
    assert "黑名单" not in template.render(Context({"user": w.villager_a}))
    case = listed_case(w)
    html = template.render(Context({"user": w.villager_a}))
    assert "您在诚信黑名单中" in html
    assert case.ends_on.isoformat() in html
    assert "/blacklist/me/" in html


def test_carry_over_pages_preview_then_run_once(policy_world: World) -> None:
    w = policy_world
    do_save_policy(
        w.town,
        values={"carry_over": "reset", "unspent_points_expire": True},
        effective_from=TODAY,
        acting_user=w.clerk,
        reason="结转办法",
    )
    make_effective(w, [("张三", "PW-R01", "3")])
    client = login(w.clerk)
    query = f"?village={w.village_a.pk}&period_end={TODAY.isoformat()}"
    page = client.get("/records/carry-over/preview/" + query).content.decode()
    assert "1006 → <b>1000</b>" in page
    assert "6 → <b>0</b>" in page
    assert not CarryOverRun.objects.exists()
    api_plan = client.get(
        f"/api/blacklist/carry-over/plan?village_code={w.village_a.code}&period_end={TODAY}"
    ).json()
    assert api_plan["score_returned"] == 6
    assert api_plan["spendable_returned"] == 6
    data = {"village": w.village_a.pk, "period_end": TODAY.isoformat()}
    response = client.post("/records/carry-over/run/", data)
    run = CarryOverRun.objects.get()
    assert response["Location"] == f"/records/carry-over/{run.pk}/"
    response = client.post("/records/carry-over/run/", data, follow=True)
    assert "本期已经结转过" in response.content.decode()
    assert CarryOverRun.objects.count() == 1
    response = client.post(
        "/api/blacklist/carry-over/runs",
        {"village_code": w.village_a.code, "period_end": TODAY.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["already_done"] is True
    page = client.get(f"/records/carry-over/{run.pk}/").content.decode()
    assert "张三" in page
    assert "已于" in client.get("/records/carry-over/preview/" + query).content.decode()
    assert check_ledger() == []
    # Another town's centre does not see the village.
    other = login(w.clerk2)
    assert "张三" not in other.get("/records/carry-over/preview/" + query).content.decode()
    assert other.get(f"/records/carry-over/{run.pk}/").status_code == 404
    assert selectors.is_blacklisted(w.resident("张三")) is False
    assert CaseStatus.LISTED == "listed"


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


LISTS = ["/blacklist/", "/blacklist/cases/", "/blacklist/repairs/?status=all"]
LISTS += ["/api/blacklist/candidates", "/api/blacklist/cases", "/api/blacklist/repairs"]


def test_lists_cost_the_same_queries_for_more_rows(policy_world: World) -> None:
    w = policy_world
    make_effective(w, [("张三", SERIOUS, "1"), ("王建国", SERIOUS, "1")])
    for name in ("张三",):
        do_dismiss_candidate(w.resident(name), reason="已真诚悔改", acting_user=w.committee_a)
    client = login(w.committee_a)
    for url in LISTS:
        _queries(client, url)
    few = {url: _queries(client, url) for url in LISTS}
    make_effective(w, [(n, SERIOUS, "1") for n in ("王丽", "张小明", "李秀英")])
    for name in ("王丽", "张小明"):
        do_dismiss_candidate(w.resident(name), reason="已真诚悔改", acting_user=w.committee_a)
    many = {url: _queries(client, url) for url in LISTS}
    assert many == few
