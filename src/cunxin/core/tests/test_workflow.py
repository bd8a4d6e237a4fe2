"""The workflow machine itself: its table is checked when it is made, and its check, apply,
bulk path and history behave the same for every app (tried here on merchants' rows with a
table of the test's own)."""

from __future__ import annotations

from itertools import count
from typing import Any

import pytest
from django.db import models, transaction

from cunxin.accounts.permissions import Perm
from cunxin.conftest import World
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.core.workflow import NEW, REASON_MAX, Reason, Workflow, WorkflowError
from cunxin.core.workflow import Transition as T
from cunxin.merchants.models import Merchant, MerchantEvent
from cunxin.merchants.models import MerchantStatus as S
from cunxin.units.actions import open_owned_unit
from cunxin.units.models import UnitKind

LICENCES = count(1)


def _refuse_on_sundays(merchant: Merchant) -> None:
    if merchant.name.endswith("休息"):
        raise Conflict("closed_today", "今天休息。")


def _not_the_applicant(user: Any, merchant: Merchant) -> bool:
    if merchant.applied_by_id == getattr(user, "pk", None):
        raise Forbidden("own_application", "不能审核自己的申请。")
    return True


def machine(**kwargs: Any) -> Workflow[Merchant]:
    """Applied → active ⇄ suspended, applied → refused; decisions by the town's centre."""
    return Workflow(
        Merchant,
        S,
        [
            T(NEW, S.APPLIED),
            T(S.APPLIED, S.ACTIVE, who=_not_the_applicant, guard=_refuse_on_sundays),
            T(S.APPLIED, S.REFUSED, who=Perm.MANAGE_MERCHANTS, reason=Reason()),
            T(S.ACTIVE, S.SUSPENDED, who=Perm.MANAGE_MERCHANTS, reason=Reason(required=False)),
            T(S.SUSPENDED, S.ACTIVE, who=Perm.MANAGE_MERCHANTS, requires=("decided_by",)),
        ],
        code="test_status",
        noun="商家",
        event=MerchantEvent,
        where=lambda m: m.region.code,
        new_label="申请前",
        **kwargs,
    )


def unsaved(world: World, name: str = "小卖部") -> Merchant:
    """A merchant not yet saved, with the unit every merchant has (made as its action does)."""
    with transaction.atomic():
        unit = open_owned_unit(
            UnitKind.MERCHANT, name=name, region=world.town, acting_user=world.admin
        )
    return Merchant(
        unit=unit,
        region=world.town,
        name=name,
        address="村口",
        licence_no=f"91370811MA{next(LICENCES):08d}",
        phone="13905370000",
        applied_by=world.keeper_a,
    )


# --- the table --------------------------------------------------------------------------------


class Gate(models.TextChoices):
    SHUT = "shut", "关"
    OPEN = "open", "开"
    GONE = "gone", "拆除"


def test_a_table_naming_an_unknown_status_is_refused_when_made() -> None:
    with pytest.raises(WorkflowError, match="unknown status 'ajar'"):
        Workflow(Merchant, Gate, [T(NEW, Gate.SHUT), T(Gate.SHUT, "ajar")], code="g", noun="门")


def test_a_status_nothing_leads_to_is_refused_when_made() -> None:
    with pytest.raises(WorkflowError, match="unreachable statuses \\['gone'\\]"):
        Workflow(
            Merchant,
            Gate,
            [T(NEW, Gate.SHUT), T(Gate.SHUT, Gate.OPEN), T(Gate.GONE, Gate.SHUT)],
            code="g",
            noun="门",
        )


def test_a_change_stated_twice_or_a_permission_without_a_place_is_refused() -> None:
    with pytest.raises(WorkflowError, match="twice"):
        Workflow(Merchant, Gate, [T(NEW, Gate.SHUT)] * 2, code="g", noun="门")
    with pytest.raises(WorkflowError, match="needs where="):
        Workflow(
            Merchant, Gate, [T(NEW, Gate.SHUT, who=Perm.MANAGE_MERCHANTS)], code="g", noun="门"
        )


def test_it_knows_where_objects_start_what_they_reach_and_what_is_final() -> None:
    gates = Workflow(
        Merchant,
        Gate,
        [T(NEW, Gate.SHUT), T((Gate.SHUT, Gate.OPEN), Gate.GONE), T(Gate.SHUT, Gate.OPEN)],
        code="g",
        noun="门",
    )
    assert gates.initial == {NEW}
    assert gates.reachable == {Gate.SHUT, Gate.OPEN, Gate.GONE}
    assert gates.terminal == {Gate.GONE}
    assert gates.targets(Gate.SHUT) == {Gate.OPEN, Gate.GONE}
    assert machine().initial == {NEW}
    # Without NEW in the table, objects start at the status field's default.
    default_start = Workflow(
        Merchant,
        S,
        [T(S.APPLIED, S.ACTIVE), T(S.APPLIED, S.REFUSED), T(S.ACTIVE, S.SUSPENDED)],
        code="m",
        noun="商家",
    )
    assert default_start.initial == {S.APPLIED}


# --- check ------------------------------------------------------------------------------------


def test_a_change_the_table_does_not_allow_is_refused_in_one_wording(world: World) -> None:
    merchants = machine()
    merchant = unsaved(world)
    with transaction.atomic():
        merchants.apply(merchant, S.APPLIED, actor=world.keeper_a)
    with pytest.raises(Conflict) as refused:
        merchants.check(merchant, S.SUSPENDED, actor=None)
    assert refused.value.code == "test_status"
    assert str(refused.value) == f"商家 #{merchant.pk} 当前为“待审核”，不能改为“已暂停”。"
    with pytest.raises(Conflict) as again:
        merchants.check(merchant, S.APPLIED, actor=None)
    assert again.value.code == "test_status"
    assert str(again.value) == f"商家 #{merchant.pk} 已经是“待审核”。"


def test_who_may_is_asked_of_people_but_not_of_the_system(world: World) -> None:
    merchants = machine()
    merchant = unsaved(world)
    with transaction.atomic():
        merchants.apply(merchant, S.APPLIED, actor=world.keeper_a)
    # A permission held in another town: the plain refusal, before anything about the status.
    with pytest.raises(Forbidden) as elsewhere:
        merchants.check(merchant, S.REFUSED, actor=world.clerk2)
    assert elsewhere.value.code == "forbidden"
    assert merchants.may(world.clerk, merchant, S.REFUSED)
    assert not merchants.may(world.clerk2, merchant, S.REFUSED)
    # A predicate's own refusal comes through as it is.
    with pytest.raises(Forbidden) as own:
        merchants.check(merchant, S.ACTIVE, actor=world.keeper_a)
    assert own.value.code == "own_application"
    assert merchants.moves(world.clerk, merchant) == {S.ACTIVE, S.REFUSED}
    assert merchants.moves(world.keeper_a, merchant) == set()
    # The system (a job) is not asked who it is.
    assert merchants.check(merchant, S.REFUSED, actor=None).target == S.REFUSED


def test_a_guard_refuses_with_its_own_words_and_may_says_no(world: World) -> None:
    merchants = machine()
    merchant = unsaved(world, "小卖部今天休息")
    with transaction.atomic():
        merchants.apply(merchant, S.APPLIED, actor=world.keeper_a)
    with pytest.raises(Conflict) as closed:
        merchants.check(merchant, S.ACTIVE, actor=world.clerk)
    assert closed.value.code == "closed_today"
    assert not merchants.may(world.clerk, merchant, S.ACTIVE)


def test_reasons_are_asked_the_same_way_everywhere(world: World) -> None:
    merchants = machine()
    with pytest.raises(DomainError) as missing:
        merchants.clean_reason("  ", to=S.REFUSED)
    assert (missing.value.code, missing.value.field) == ("reason_required", "reason")
    assert str(missing.value) == "请写明理由（至少2个字）。"
    with pytest.raises(DomainError) as long:
        merchants.clean_reason("长" * (REASON_MAX + 1), to=S.REFUSED)
    assert long.value.code == "reason_too_long"
    assert merchants.clean_reason("  证照过期  ", to=S.REFUSED) == "证照过期"
    # Optional: nothing is fine, but what is given follows the same rule.
    assert merchants.clean_reason("", to=S.SUSPENDED) == ""
    with pytest.raises(DomainError) as short:
        merchants.clean_reason("停", to=S.SUSPENDED)
    assert short.value.code == "reason_required"


# --- apply and history ------------------------------------------------------------------------


def test_apply_saves_the_object_and_one_history_row_per_change(world: World) -> None:
    merchants = machine()
    merchant = unsaved(world)
    with transaction.atomic():
        created = merchants.apply(merchant, S.APPLIED, actor=world.keeper_a)
        merchant.status_reason = "证照过期"
        refused = merchants.apply(
            merchant,
            S.REFUSED,
            actor=world.clerk,
            reason=" 证照过期 ",
            fields=["status_reason"],
        )
    stored = Merchant.objects.get(pk=merchant.pk)
    assert (stored.status, stored.status_reason) == (S.REFUSED, "证照过期")
    history = list(MerchantEvent.objects.filter(merchant=merchant).order_by("at", "pk"))
    assert [e.pk for e in history] == [created.pk, refused.pk]  # type: ignore[union-attr]
    assert [(e.from_status, e.to_status, e.actor, e.reason) for e in history] == [
        (NEW, S.APPLIED, world.keeper_a, ""),
        (S.APPLIED, S.REFUSED, world.clerk, "证照过期"),
    ]
    assert [(e.from_label, e.to_label) for e in history] == [("", "待审核"), ("待审核", "未通过")]


def test_apply_refuses_a_change_without_the_fields_it_requires(world: World) -> None:
    merchants = machine()
    merchant = unsaved(world)
    with transaction.atomic():
        merchants.apply(merchant, S.APPLIED, actor=None)
        merchants.apply(merchant, S.ACTIVE, actor=None)
        merchants.apply(merchant, S.SUSPENDED, actor=None)
    with pytest.raises(WorkflowError, match="needs 'decided_by'"):
        merchants.apply(merchant, S.ACTIVE, actor=None)
    assert Merchant.objects.get(pk=merchant.pk).status == S.SUSPENDED


def test_the_bulk_path_checks_every_object_first_then_moves_them_all(world: World) -> None:
    merchants = machine()
    rows = [unsaved(world, f"商家{i}") for i in range(5)]
    with transaction.atomic():
        merchants.apply_many(
            rows, S.APPLIED, actor=None, write=lambda new: Merchant.objects.bulk_create(new)
        )
    assert all(m.pk for m in rows)
    with transaction.atomic():
        merchants.apply(rows[0], S.REFUSED, actor=None, reason="重复申请")
    # One object the table refuses: nothing moves.
    with pytest.raises(Conflict) as refused, transaction.atomic():
        merchants.apply_many(rows, S.ACTIVE, actor=None)
    assert refused.value.code == "test_status"
    # (the world has merchants of its own: only these five are looked at)
    ours = Merchant.objects.filter(pk__in=[m.pk for m in rows])
    assert set(ours.values_list("status", flat=True)) == {S.APPLIED, S.REFUSED}
    with transaction.atomic():
        events = merchants.apply_many(rows[1:], S.ACTIVE, actor=world.clerk)
    assert len(events) == 4
    assert ours.filter(status=S.ACTIVE).count() == 4
    moved = MerchantEvent.objects.filter(to_status=S.ACTIVE, merchant__in=ours)
    assert sorted(moved.values_list("merchant_id", flat=True)) == sorted(m.pk for m in rows[1:])
    assert set(moved.values_list("from_status", "actor")) == {(S.APPLIED, world.clerk.pk)}
    assert MerchantEvent.objects.filter(from_status=NEW, merchant__in=ours).count() == 5
