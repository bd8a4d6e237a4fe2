import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from cunxin.accounts.actions import do_create_user
from cunxin.accounts.models import User
from cunxin.accounts.permissions import Role
from cunxin.blacklist import selectors
from cunxin.blacklist.actions import (
    add_months,
    do_apply_repair,
    do_confirm_candidate,
    do_dismiss_candidate,
    do_rule_repair,
    end_due_cases,
)
from cunxin.blacklist.models import (
    BlacklistCase,
    CaseEvent,
    CaseStatus,
    RepairApplication,
    RepairStatus,
)
from cunxin.blacklist.tests.helpers import (
    HEAVY,
    JPEG,
    applied,
    listed_case,
    make_effective,
    repairable_case,
    serious_candidate,
    travel,
    village_policy,
)
from cunxin.conftest import World
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.core.jobs import REGISTRY, run_due_jobs
from cunxin.core.models import AuditEntry
from cunxin.notifications.models import Message
from cunxin.records.actions.effect import take_effect_due
from cunxin.records.actions.notices import do_publish_notice
from cunxin.records.actions.review import do_approve, do_request_reversal
from cunxin.records.models import Record

TODAY = timezone.localdate()
IN_A_YEAR = TODAY + datetime.timedelta(days=365)


def names(w: World) -> list[str]:
    return [c.resident.name for c in selectors.village_candidates(w.village_a)]


def committee_b(w: World) -> User:
    return do_create_user(
        phone="13912340008",
        name="庄头村评审",
        password="init-pass-123",
        role=Role.COMMITTEE,
        region=w.village_b,
        acting_user=w.clerk,
    )


def test_a_serious_penalty_makes_a_candidate(policy_world: World) -> None:
    w = policy_world
    assert names(w) == []
    record = serious_candidate(w)
    (found,) = selectors.village_candidates(w.village_a)
    assert found.resident.name == "张三"
    assert found.basis == "serious"
    assert found.grade == "B"  # 900: not low enough for the grade rule (D)
    assert [r.pk for r in found.serious_records] == [record.pk]
    assert selectors.village_candidates(w.village_b) == []


def test_a_grade_at_or_under_the_threshold_makes_a_candidate(policy_world: World) -> None:
    w = policy_world
    village_policy(w, blacklist_grade="B")
    make_effective(w, [("王建国", HEAVY, "1"), ("王丽", "PW-R01", "2")])
    (found,) = selectors.village_candidates(w.village_a)
    assert (found.resident.name, found.basis, found.score, found.grade) == (
        "王建国",
        "grade",
        940,
        "B",
    )
    serious_candidate(w, "张三")
    found_by_name = {c.resident.name: c for c in selectors.village_candidates(w.village_a)}
    assert found_by_name["张三"].basis == "both"  # 900 is B too


def test_a_corrected_serious_penalty_is_no_longer_a_basis(policy_world: World) -> None:
    w = policy_world
    record = serious_candidate(w)
    reversal = do_request_reversal(record, reason="认定有误", acting_user=w.committee_a)
    second = do_create_user(
        phone="13912340002",
        name="第二评审",
        password="init-pass-123",
        role=Role.COMMITTEE,
        region=w.village_a,
        acting_user=w.clerk,
    )
    do_approve([reversal.pk], acting_user=second)
    assert names(w) == ["张三"]  # the correction is not in effect yet
    do_publish_notice(w.village_a, acting_user=w.committee_a)
    take_effect_due(timezone.now() + datetime.timedelta(days=8))
    assert names(w) == []


def test_confirming_lists_the_villager_and_tells_them_everything(policy_world: World) -> None:
    w = policy_world
    serious_candidate(w)
    zhang = w.resident("张三")
    assert not selectors.is_blacklisted(zhang)
    case = do_confirm_candidate(
        zhang,
        reason="家庭暴力经公安机关查实",
        restrictions=["政策扶持", "临时救助", "政策扶持", "  ", "不得参评文明户"],
        ends_on=IN_A_YEAR,
        acting_user=w.committee_a,
    )
    assert case.status == CaseStatus.LISTED
    assert case.restrictions == ["政策扶持", "临时救助", "不得参评文明户"]
    assert case.repair_from == add_months(TODAY, 6)
    assert selectors.is_blacklisted(zhang)
    assert selectors.active_case(zhang) == case
    assert selectors.blacklisted_ids([zhang.pk, w.resident("王丽").pk]) == {zhang.pk}
    assert names(w) == []  # no longer a candidate
    message = Message.objects.get(kind="blacklist_listed", resident=zhang)
    for part in ("家庭暴力经公安机关查实", "临时救助", IN_A_YEAR.isoformat()):
        assert part in message.text
    assert AuditEntry.objects.filter(action="blacklist.confirm", object_id=str(case.pk)).exists()
    assert [(e.from_status, e.to_status) for e in case.events.all()] == [("", "listed")]
    with pytest.raises(Conflict) as refusal:  # a second click lists nobody twice
        do_confirm_candidate(
            zhang,
            reason="再次列入",
            restrictions=["评优评先"],
            ends_on=IN_A_YEAR,
            acting_user=w.committee_a,
        )
    assert refusal.value.code == "case_open"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"reason": " "}, "reason_required"),
        ({"restrictions": [" "]}, "restrictions_required"),
        ({"restrictions": ["很长" * 30]}, "restriction_too_long"),
        ({"ends_on": TODAY}, "ends_on_past"),
        ({"ends_on": TODAY + datetime.timedelta(days=6 * 366)}, "ends_on_too_late"),
    ],
)
def test_a_listing_needs_a_reason_restrictions_and_a_future_end_date(
    policy_world: World, changes: dict[str, object], code: str
) -> None:
    w = policy_world
    with pytest.raises(DomainError) as info:
        listed_case(w, **changes)
    assert info.value.code == code
    assert not BlacklistCase.objects.exists()


def test_someone_who_is_not_a_candidate_cannot_be_listed(policy_world: World) -> None:
    w = policy_world
    with pytest.raises(Conflict) as info:
        do_confirm_candidate(
            w.resident("王丽"),
            reason="没有依据的列入",
            restrictions=["评优评先"],
            ends_on=IN_A_YEAR,
            acting_user=w.committee_a,
        )
    assert info.value.code == "not_candidate"


def test_a_dismissal_holds_until_something_new_happens(policy_world: World) -> None:
    w = policy_world
    serious_candidate(w)
    zhang = w.resident("张三")
    case = do_dismiss_candidate(zhang, reason="已真诚悔改并取得谅解", acting_user=w.committee_a)
    assert case.status == CaseStatus.DISMISSED
    assert case.closed_at is not None
    assert not selectors.is_blacklisted(zhang)
    assert names(w) == []
    assert "不列入" in Message.objects.get(kind="blacklist_dismissed", resident=zhang).text
    with pytest.raises(Conflict) as refusal:
        do_dismiss_candidate(zhang, reason="再点一次不予列入", acting_user=w.committee_a)
    assert refusal.value.code == "not_candidate"
    serious_candidate(w)  # another serious penalty takes effect
    (found,) = selectors.village_candidates(w.village_a)
    assert len(found.serious_records) == 1  # only the new one


def test_a_dismissed_low_grade_comes_back_only_when_the_grade_drops_again(
    policy_world: World,
) -> None:
    w = policy_world
    village_policy(w, blacklist_grade="B")
    make_effective(w, [("王建国", HEAVY, "1")])
    do_dismiss_candidate(w.resident("王建国"), reason="初犯，已认错", acting_user=w.committee_a)
    make_effective(w, [("王建国", "AP-P01", "1")])  # 938: still B
    assert names(w) == []
    make_effective(w, [("王建国", HEAVY, "1")])  # repeated: doubled, 818 is C
    (found,) = selectors.village_candidates(w.village_a)
    assert (found.resident.name, found.grade, found.basis) == ("王建国", "C", "grade")


def test_another_villages_committee_and_other_roles_cannot_decide(policy_world: World) -> None:
    w = policy_world
    serious_candidate(w)
    zhang = w.resident("张三")
    for user in (committee_b(w), w.collector_a, w.clerk, w.villager_a):
        with pytest.raises(Forbidden) as refusal:
            do_confirm_candidate(
                zhang,
                reason="越权列入",
                restrictions=["评优评先"],
                ends_on=IN_A_YEAR,
                acting_user=user,
            )
        assert refusal.value.code == "forbidden"
        with pytest.raises(Forbidden) as refusal:
            do_dismiss_candidate(zhang, reason="越权不予列入", acting_user=user)
        assert refusal.value.code == "forbidden"
    assert not BlacklistCase.objects.exists()


def test_repair_before_the_minimum_period_is_refused(policy_world: World) -> None:
    w = policy_world
    case = listed_case(w)
    with pytest.raises(DomainError) as info:
        applied(w, case)
    assert info.value.code == "repair_too_early"
    assert case.repair_from.isoformat() in str(info.value)  # type: ignore[union-attr]
    assert not RepairApplication.objects.exists()
    with travel(days=(case.repair_from - TODAY).days - 1), pytest.raises(DomainError) as refusal:  # type: ignore[operator]
        applied(w, case)
    assert refusal.value.code == "repair_too_early"
    with travel(days=(case.repair_from - TODAY).days):  # type: ignore[operator]
        application = applied(w, case)
    assert application.status == RepairStatus.PENDING


def test_an_approved_repair_ends_the_case(policy_world: World) -> None:
    w = policy_world
    case = repairable_case(w)
    application = applied(w, case)
    assert application.commitment_file.read() == JPEG
    assert application.commitment_type == "image/jpeg"
    case.refresh_from_db()
    assert case.status == CaseStatus.REPAIR_PENDING
    assert selectors.is_blacklisted(w.resident("张三"))  # still listed while the committee looks
    assert Message.objects.filter(kind="repair_applied", user=w.committee_a).exists()
    with pytest.raises(Conflict) as refusal:
        applied(w, case)
    assert refusal.value.code == "repair_pending"
    do_rule_repair(application, approve=True, reason="", acting_user=w.committee_a)
    case.refresh_from_db()
    assert case.status == CaseStatus.REPAIRED
    assert case.closed_at is not None
    assert not selectors.is_blacklisted(w.resident("张三"))
    assert "已通过" in Message.objects.get(kind="repair_ruled").text
    assert [e.to_status for e in case.events.all()] == ["listed", "repair_pending", "repaired"]
    assert names(w) == []  # the old penalty does not make a new candidate
    with pytest.raises(Conflict) as refusal:
        do_rule_repair(application, approve=False, reason="改主意了", acting_user=w.committee_a)
    assert refusal.value.code == "repair_ruled"
    assert AuditEntry.objects.filter(action="blacklist.rule_repair").count() == 1


def test_a_refusal_needs_a_reason_and_the_villager_may_apply_again(policy_world: World) -> None:
    w = policy_world
    case = repairable_case(w)
    application = applied(w, case, photo=False)
    with pytest.raises(DomainError) as refusal:
        do_rule_repair(application, approve=False, reason=" ", acting_user=w.committee_a)
    assert refusal.value.code == "reason_required"
    do_rule_repair(application, approve=False, reason="志愿服务时长不足", acting_user=w.committee_a)
    case.refresh_from_db()
    assert case.status == CaseStatus.LISTED
    assert selectors.is_blacklisted(w.resident("张三"))
    assert "志愿服务时长不足" in Message.objects.get(kind="repair_ruled").text
    again = applied(w, case)
    assert again.status == RepairStatus.PENDING
    assert RepairApplication.objects.filter(case=case).count() == 2


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"commitment_signed": False}, "commitment_required"),
        ({"text": "我改了"}, "text_required"),
        ({"volunteer_hours": "-1"}, "hours_invalid"),
        ({"volunteer_hours": "many"}, "hours_invalid"),
        ({"commitment_file": ("a.pdf", b"%PDF-1.4 not a photo")}, "photo_type"),
    ],
)
def test_an_application_needs_a_signed_commitment_text_and_a_photo_if_any(
    policy_world: World, changes: dict[str, object], code: str
) -> None:
    w = policy_world
    case = repairable_case(w)
    values: dict[str, object] = {
        "volunteer_hours": Decimal(10),
        "commitment_signed": True,
        "text": "列入以来积极参加志愿服务，遵守村规民约。",
        "commitment_file": None,
        **changes,
    }
    with pytest.raises(DomainError) as info:
        do_apply_repair(case, acting_user=w.villager_a, **values)  # type: ignore[arg-type]
    assert info.value.code == code


def test_only_the_villager_applies_and_only_the_committee_rules(policy_world: World) -> None:
    w = policy_world
    case = repairable_case(w)
    for user in (w.committee_a, w.collector_a, w.clerk):
        with pytest.raises(Forbidden) as refusal:
            applied_as(w, case, user)
        assert refusal.value.code == "forbidden"
    wang_login = do_create_user(
        phone="13905371003",
        name="王建国",
        password="init-pass-123",
        role=Role.VILLAGER,
        region=w.village_a,
        resident=w.resident("王建国"),
        acting_user=w.clerk,
    )
    with pytest.raises(Forbidden) as refusal:
        applied_as(w, case, wang_login)
    assert refusal.value.code == "forbidden"
    application = applied(w, case)
    other_committee = committee_b(w)
    for user in (other_committee, w.villager_a, w.clerk):
        with pytest.raises(Forbidden) as refusal:
            do_rule_repair(application, approve=True, reason="越权", acting_user=user)
        assert refusal.value.code == "forbidden"
    # A villager sees only their own case; a committee only its village's.
    assert list(selectors.own_cases(w.villager_a)) == [case]
    assert list(selectors.own_cases(wang_login)) == []
    assert list(selectors.visible_cases(wang_login)) == []
    assert list(selectors.visible_repairs(wang_login)) == []
    assert list(selectors.cases_for(w.committee_a)) == [case]
    assert list(selectors.cases_for(other_committee)) == []
    assert list(selectors.repairs_for(other_committee)) == []


def applied_as(w: World, case: BlacklistCase, user: object) -> RepairApplication:
    return do_apply_repair(
        case,
        volunteer_hours=1,
        commitment_signed=True,
        text="列入以来积极参加志愿服务，遵守村规民约。",
        acting_user=user,
    )


def test_cases_end_on_their_end_date_and_the_job_twice_ends_them_once(
    policy_world: World,
) -> None:
    w = policy_world
    ends_on = TODAY + datetime.timedelta(days=30)
    case = listed_case(w, ends_on=ends_on)
    assert end_due_cases() == 0
    assert "blacklist.end_cases" in REGISTRY
    with travel(days=29):
        assert selectors.is_blacklisted(w.resident("张三"))
        assert end_due_cases() == 0
    with travel(days=30):
        # On the end date the restrictions stop, even before the job has run.
        assert not selectors.is_blacklisted(w.resident("张三"))
        assert run_due_jobs(["blacklist.end_cases"]) == ["blacklist.end_cases"]
        assert end_due_cases() == 0
    case.refresh_from_db()
    assert case.status == CaseStatus.EXPIRED
    assert CaseEvent.objects.filter(case=case, to_status=CaseStatus.EXPIRED).count() == 1
    assert Message.objects.filter(kind="blacklist_ended").count() == 1
    assert AuditEntry.objects.filter(action="blacklist.expire").count() == 1


def test_a_pending_repair_lapses_when_the_case_ends(policy_world: World) -> None:
    w = policy_world
    village_policy(w, repair_min_months=0)
    case = listed_case(w, ends_on=TODAY + datetime.timedelta(days=10))
    application = applied(w, case)
    with travel(days=10):
        assert end_due_cases() == 1
    application.refresh_from_db()
    assert application.status == RepairStatus.LAPSED
    case.refresh_from_db()
    assert case.status == CaseStatus.EXPIRED
    with pytest.raises(Conflict) as refusal:
        do_rule_repair(application, approve=True, reason="", acting_user=w.committee_a)
    assert refusal.value.code == "repair_ruled"


def test_the_database_refuses_two_cases_in_force_for_one_villager(policy_world: World) -> None:
    w = policy_world
    case = listed_case(w)
    with pytest.raises(IntegrityError), transaction.atomic():
        BlacklistCase.objects.create(
            village=case.village,
            resident=case.resident,
            status=CaseStatus.LISTED,
            basis=case.basis,
            score=case.score,
            grade=case.grade,
            reason="第二个",
            restrictions=["评优评先"],
            ends_on=IN_A_YEAR,
            repair_from=IN_A_YEAR,
            decided_by=w.committee_a,
            decided_at=timezone.now(),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        BlacklistCase.objects.filter(pk=case.pk).update(closed_at=timezone.now())


def test_months_are_added_to_the_last_day_of_short_months() -> None:
    assert add_months(datetime.date(2025, 8, 31), 6) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2024, 2, 29), 12) == datetime.date(2025, 2, 28)
    assert add_months(datetime.date(2025, 11, 15), 2) == datetime.date(2026, 1, 15)
    assert add_months(datetime.date(2025, 3, 1), 0) == datetime.date(2025, 3, 1)


def test_serious_records_in_force_exclude_expired_ones(policy_world: World) -> None:
    w = policy_world
    record = serious_candidate(w)
    assert record.expires_on is not None
    days = (record.expires_on - TODAY).days
    with travel(days=days):
        assert names(w) == []  # validity ended: no longer a basis
    assert Record.objects.filter(pk=record.pk).exists()
