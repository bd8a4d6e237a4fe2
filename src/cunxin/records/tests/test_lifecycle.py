import datetime
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from cunxin.conftest import World
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.core.images import sample_image
from cunxin.ledger.checks import check_ledger
from cunxin.notifications.models import Message
from cunxin.records.actions.collect import do_collect, do_collect_team
from cunxin.records.actions.effect import expire_due, take_effect_due
from cunxin.records.actions.notices import do_object, do_publish_notice, do_rule_objection
from cunxin.records.actions.review import do_approve, do_reject, do_request_reversal
from cunxin.records.models import GradeChange, Record, Status
from cunxin.records.standing import standing

TODAY = timezone.localdate()
LATER = timezone.now() + datetime.timedelta(days=8)


def collect(
    w: World,
    name: str = "张三",
    code: str = "PW-R01",
    qty: str = "2",
    by: str = "collector_a",
    day: datetime.date = TODAY,
) -> Record:
    return do_collect(
        client_id=uuid.uuid4(),
        resident=w.resident(name),
        item_code=code,
        quantity=Decimal(qty),
        behaviour_date=day,
        note="清扫公共区域",
        photos=[("p.jpg", sample_image())],
        acting_user=w.users[by],
    )


def test_the_story_collect_approve_notice_effect(policy_world: World) -> None:
    w = policy_world
    record = collect(w)
    assert record.status == Status.COLLECTED
    assert record.points > 0
    do_approve([record.pk], acting_user=w.committee_a)
    notice = do_publish_notice(w.village_a, acting_user=w.committee_a)
    record.refresh_from_db()
    assert record.status == Status.IN_NOTICE
    assert record.notice == notice
    # Nothing takes effect before the notice period ends.
    assert take_effect_due(timezone.now()) == 0
    assert take_effect_due(LATER) == 1
    record.refresh_from_db()
    assert record.status == Status.EFFECTIVE
    mine = standing(w.resident("张三"))
    assert mine.score == 1000 + record.points
    assert mine.spendable == record.points
    assert check_ledger() == []
    # Each message leads to what it is about.
    links = dict(Message.objects.filter(resident=w.resident("张三")).values_list("kind", "link"))
    assert links["record_approved"] == f"/records/{record.pk}/"
    assert links["notice_published"] == f"/records/{record.pk}/"
    assert links["records_effective"] == "/people/me/statement/"
    # Running the job again posts nothing twice.
    assert take_effect_due(LATER) == 0
    assert standing(w.resident("张三")).score == 1000 + record.points


def test_the_same_client_id_returns_the_first_record(policy_world: World) -> None:
    w = policy_world
    client_id = uuid.uuid4()
    kwargs = dict(
        client_id=client_id,
        resident=w.resident("张三"),
        item_code="PW-R01",
        quantity=Decimal(2),
        behaviour_date=TODAY,
        acting_user=w.collector_a,
    )
    first = do_collect(**kwargs)  # type: ignore[arg-type]
    again = do_collect(**kwargs)  # type: ignore[arg-type]
    assert first.pk == again.pk
    assert Record.objects.count() == 1
    with pytest.raises(Conflict) as refusal:
        do_collect(**{**kwargs, "resident": w.resident("王建国")})  # type: ignore[arg-type]
    assert refusal.value.code == "client_id_reused"


def test_nobody_reviews_their_own_record(policy_world: World) -> None:
    w = policy_world
    record = collect(w, by="committee_a")
    with pytest.raises(Forbidden) as refusal:
        do_approve([record.pk], acting_user=w.committee_a)
    assert refusal.value.code == "review_own_record"


def test_a_rejection_needs_a_reason_and_tells_the_villager(policy_world: World) -> None:
    w = policy_world
    record = collect(w)
    with pytest.raises(DomainError) as refusal:
        do_reject([record.pk], reason=" ", acting_user=w.committee_a)
    assert refusal.value.code == "reason_required"
    do_reject([record.pk], reason="照片看不清", acting_user=w.committee_a)
    record.refresh_from_db()
    assert record.status == Status.REJECTED
    assert "照片看不清" in Message.objects.get(kind="record_rejected").text
    with pytest.raises(Conflict) as refusal:
        do_approve([record.pk], acting_user=w.committee_a)
    assert refusal.value.code == "record_status"


def test_an_upheld_objection_cancels_the_line_and_a_dismissed_one_lets_it_stand(
    policy_world: World,
) -> None:
    w = policy_world
    a = collect(w, "张三")
    b = collect(w, "王建国")
    do_approve([a.pk, b.pk], acting_user=w.committee_a)
    do_publish_notice(w.village_a, acting_user=w.committee_a)
    first = do_object(a, reason="那天他不在村里", acting_user=w.villager_a)
    second = do_object(b, reason="没有看到他打扫", acting_user=w.villager_a)
    assert Record.objects.get(pk=a.pk).status == Status.DISPUTED
    assert take_effect_due(LATER) == 0  # disputed lines wait for the ruling
    do_rule_objection(first, upheld=True, ruling="经核实，当天未参加", acting_user=w.committee_a)
    do_rule_objection(second, upheld=False, ruling="有照片为证", acting_user=w.committee_a)
    assert Record.objects.get(pk=a.pk).status == Status.CANCELLED
    assert take_effect_due(LATER) == 1
    assert Record.objects.get(pk=b.pk).status == Status.EFFECTIVE
    assert standing(w.resident("张三")).score == 1000


def test_a_dismissed_objection_cannot_be_raised_again_to_hold_the_line_back(
    policy_world: World,
) -> None:
    w = policy_world
    record = collect(w, "王建国")
    do_approve([record.pk], acting_user=w.committee_a)
    do_publish_notice(w.village_a, acting_user=w.committee_a)
    objection = do_object(record, reason="没有看到他打扫", acting_user=w.villager_a)
    with pytest.raises(Conflict, match="还在处理中") as refusal:
        do_object(record, reason="再说一次没有看到", acting_user=w.villager_a)
    assert refusal.value.code == "objection_open"
    do_rule_objection(objection, upheld=False, ruling="有照片为证", acting_user=w.committee_a)
    with pytest.raises(Conflict, match="有照片为证") as refusal:
        do_object(record, reason="我还是不同意这条", acting_user=w.villager_a)
    assert refusal.value.code == "objection_ruled"
    assert Record.objects.get(pk=record.pk).status == Status.IN_NOTICE
    assert take_effect_due(LATER) == 1


def test_objections_close_with_the_notice_period(policy_world: World) -> None:
    w = policy_world
    record = collect(w)
    do_approve([record.pk], acting_user=w.committee_a)
    notice = do_publish_notice(w.village_a, acting_user=w.committee_a)
    type(notice).objects.filter(pk=notice.pk).update(
        ends_at=timezone.now() - datetime.timedelta(minutes=1),
        published_at=timezone.now() - datetime.timedelta(days=7),
    )
    with pytest.raises(Conflict) as refusal:
        do_object(Record.objects.get(pk=record.pk), reason="太晚了也要提", acting_user=w.villager_a)
    assert refusal.value.code == "notice_ended"


def test_a_collector_cannot_object_and_another_villages_villager_cannot_either(
    policy_world: World,
) -> None:
    w = policy_world
    record = collect(w)
    do_approve([record.pk], acting_user=w.committee_a)
    do_publish_notice(w.village_a, acting_user=w.committee_a)
    for user in (w.collector_b, w.clerk2):
        with pytest.raises(Forbidden) as refusal:
            do_object(record, reason="我有异议的理由", acting_user=user)
        assert refusal.value.code == "forbidden"


def second_member(w: World) -> object:
    from cunxin.accounts.actions import do_create_user
    from cunxin.accounts.permissions import Role

    return do_create_user(
        phone="13912340002",
        name="第二评审",
        password="init-pass-123",
        role=Role.COMMITTEE,
        region=w.village_a,
        acting_user=w.clerk,
    )


def test_a_correction_goes_through_the_same_steps_and_undoes_the_points(
    policy_world: World,
) -> None:
    w = policy_world
    record = collect(w)
    do_approve([record.pk], acting_user=w.committee_a)
    do_publish_notice(w.village_a, acting_user=w.committee_a)
    take_effect_due(LATER)
    zhang = w.resident("张三")
    assert standing(zhang).score == 1000 + record.points
    reversal = do_request_reversal(
        Record.objects.get(pk=record.pk), reason="重复录入", acting_user=w.committee_a
    )
    assert reversal.points == -record.points
    with pytest.raises(Conflict) as refusal:
        do_request_reversal(
            Record.objects.get(pk=record.pk), reason="再来一次", acting_user=w.committee_a
        )
    assert refusal.value.code == "already_reversing"
    with pytest.raises(
        Forbidden
    ) as refusal:  # whoever asked for the correction does not approve it
        do_approve([reversal.pk], acting_user=w.committee_a)
    assert refusal.value.code == "review_own_record"
    do_approve([reversal.pk], acting_user=second_member(w))
    do_publish_notice(w.village_a, acting_user=w.committee_a)
    assert standing(zhang).score == 1000 + record.points  # not before its own notice ends
    take_effect_due(LATER)
    assert standing(zhang).score == 1000
    assert standing(zhang).spendable == 0
    original = Record.objects.get(pk=record.pk)
    assert original.status == Status.EFFECTIVE  # history is kept, never edited
    assert original.score_closed_at is not None  # so its validity will not be posted again
    assert expire_due(TODAY + datetime.timedelta(days=5000)) == 0
    assert check_ledger() == []


def test_two_approvals_when_the_policy_asks(policy_world: World) -> None:
    from cunxin.policy.actions import do_save_policy

    w = policy_world
    do_save_policy(
        w.town,
        values={"two_approvals": True},
        effective_from=TODAY,
        acting_user=w.clerk,
        reason="两人审核",
    )
    record = collect(w)
    do_approve([record.pk], acting_user=w.committee_a)
    assert Record.objects.get(pk=record.pk).status == Status.COLLECTED
    with pytest.raises(Conflict) as refusal:
        do_approve([record.pk], acting_user=w.committee_a)
    assert refusal.value.code == "already_approved"
    do_approve([record.pk], acting_user=second_member(w))
    assert Record.objects.get(pk=record.pk).status == Status.APPROVED


def test_penalties_count_double_when_repeated_and_stop_counting_when_valid_no_more(
    policy_world: World,
) -> None:
    w = policy_world
    earlier = TODAY - datetime.timedelta(days=20)
    first = collect(w, code="AP-P01", qty="1", day=earlier)
    second = collect(w, code="AP-P01", qty="1")
    assert second.points == 2 * first.points
    assert "加倍" in second.scoring_note
    do_approve([first.pk, second.pk], acting_user=w.committee_a)
    second.refresh_from_db()
    assert second.points == 2 * first.points  # still doubled when both are approved together
    do_publish_notice(w.village_a, acting_user=w.committee_a)
    take_effect_due(LATER)
    zhang = w.resident("张三")
    assert standing(zhang).score == 1000 + first.points + second.points
    assert GradeChange.objects.filter(resident=zhang).exists() == (standing(zhang).grade != "A")
    far = TODAY + datetime.timedelta(days=3 * 366)
    assert expire_due(far) == 2
    assert standing(zhang).score == 1000
    assert (
        standing(zhang).spendable == first.points + second.points
    )  # spendable is not about validity
    assert expire_due(far) == 0
    assert check_ledger() == []


def test_monthly_caps_apply_with_the_reason_shown(policy_world: World) -> None:
    w = policy_world
    from cunxin.policy.selectors import catalogue_in_force

    item = catalogue_in_force(w.village_a, TODAY)["PW-R01"]
    assert item.monthly_cap
    hours = Decimal(item.monthly_cap // item.points - 1)
    collect(w, qty=str(hours))
    capped = collect(w, qty="5")
    assert capped.points < 5 * item.points
    assert "上限" in capped.scoring_note
    with pytest.raises(DomainError) as info:
        collect(w, qty="1")
    assert info.value.code == "monthly_cap"


def test_a_team_is_recorded_at_once_and_a_resend_changes_nothing(policy_world: World) -> None:
    w = policy_world
    team = [w.resident("张三"), w.resident("王建国"), w.resident("张小明")]
    client_id = uuid.uuid4()
    args = dict(
        client_id=client_id,
        residents=team,
        item_code="PW-R01",
        quantity=Decimal(3),
        behaviour_date=TODAY,
        acting_user=w.collector_a,
    )
    first = do_collect_team(**args)  # type: ignore[arg-type]
    again = do_collect_team(**args)  # type: ignore[arg-type]
    assert [r.pk for r in first] == [r.pk for r in again]
    assert Record.objects.count() == 3


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"day": TODAY + datetime.timedelta(days=1)}, "date_future"),
        ({"day": TODAY - datetime.timedelta(days=60)}, "date_too_old"),
        ({"code": "NOPE-1"}, "item_unknown"),
        ({"qty": "0"}, "quantity"),
        ({"code": "VM-R01", "qty": "2"}, "quantity_fixed"),
    ],
)
def test_impossible_records_are_refused(
    policy_world: World, changes: dict[str, object], code: str
) -> None:
    with pytest.raises(DomainError) as info:
        collect(policy_world, **changes)  # type: ignore[arg-type]
    assert info.value.code == code
    assert Record.objects.count() == 0


def test_children_are_not_scored(policy_world: World) -> None:
    from cunxin.conftest import make_id
    from cunxin.people.actions import do_add_resident

    w = policy_world
    household = w.resident("张三").household
    do_add_resident(
        household=household,
        name="张小宝",
        relation="孙子",
        id_number=make_id("20150101", 13),
        acting_user=w.clerk,
    )
    with pytest.raises(DomainError) as info:
        collect(w, name="张小宝")
    assert info.value.code == "resident_too_young"


def test_the_same_client_id_with_other_content_is_refused_not_swallowed(
    policy_world: World,
) -> None:
    w = policy_world
    client_id = uuid.uuid4()
    base = dict(
        client_id=client_id,
        resident=w.resident("张三"),
        item_code="PW-R01",
        behaviour_date=TODAY,
        acting_user=w.collector_a,
    )
    do_collect(quantity=Decimal(2), **base)  # type: ignore[arg-type]
    with pytest.raises(Conflict) as info:
        do_collect(quantity=Decimal(3), **base)  # type: ignore[arg-type]
    assert info.value.code == "client_id_reused"
    assert Record.objects.get().quantity == 2
