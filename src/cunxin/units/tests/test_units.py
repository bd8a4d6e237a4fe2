"""Units are kept by the admin and the county's centre: created, edited, moved and deactivated
through audited actions that keep the tree's paths and the rules of models.py."""

from __future__ import annotations

import pytest

from cunxin.accounts.actions import do_create_user
from cunxin.accounts.models import User
from cunxin.accounts.permissions import Perm, Role
from cunxin.conftest import ENFORCEMENT, HOUSING, HOUSING_OFFICE, PASSWORD, World, login
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.core.models import AuditEntry
from cunxin.core.scoping import may
from cunxin.regions.models import Region
from cunxin.shop.models import Shop
from cunxin.units.actions import do_create_unit, do_edit_unit, do_move_unit, do_set_unit_active
from cunxin.units.models import Unit, UnitKind

COUNTY = "370811000000"


def _unit(name: str) -> Unit:
    return Unit.objects.get(name=name)


def _county_clerk(w: World) -> User:
    return do_create_user(
        phone="13800000031",
        name="县信用中心科员",
        password=PASSWORD,
        role=Role.CENTRE,
        region=Region.objects.get(code=COUNTY),
        acting_user=w.admin,
    )


def test_a_sub_unit_takes_its_parents_region_and_path_and_is_audited(world: World) -> None:
    housing = _unit(HOUSING)
    clerk = _county_clerk(world)
    works = do_create_unit(
        name="市政处", kind=UnitKind.DEPARTMENT, parent=housing, acting_user=clerk
    )
    assert works.region == housing.region
    assert works.path == f"{housing.path}{works.pk:08d}/"
    assert works.depth == 1
    assert works.ancestor_ids == [housing.pk]
    entry = AuditEntry.objects.get(action="units.create", object_id=str(works.pk))
    assert (entry.actor_id, entry.unit_path, entry.region_code) == (clerk.pk, works.path, COUNTY)
    with pytest.raises(Conflict) as refused:
        do_create_unit(name="市政处", kind=UnitKind.DEPARTMENT, parent=housing, acting_user=clerk)
    assert refused.value.code == "unit_exists"


def test_moving_a_unit_moves_its_sub_units_and_what_reaches_them(world: World) -> None:
    housing, enforcement = _unit(HOUSING), _unit(ENFORCEMENT)
    office = _unit(HOUSING_OFFICE)
    deeper = do_create_unit(
        name="开发办一科", kind=UnitKind.DEPARTMENT, parent=office, acting_user=world.admin
    )
    leader = do_create_user(
        phone="13800000032",
        name="执法局局长",
        password=PASSWORD,
        role=Role.LEADER,
        region=None,
        unit=enforcement,
        acting_user=world.admin,
    )
    assert not may(leader, Perm.VIEW_UNITS, deeper)
    do_move_unit(office, parent=enforcement, acting_user=world.admin)
    deeper.refresh_from_db()
    assert deeper.path == f"{enforcement.path}{office.pk:08d}/{deeper.pk:08d}/"
    leader.forget_scopes()
    assert may(leader, Perm.VIEW_UNITS, deeper)
    assert _unit(HOUSING_OFFICE).parent_id == enforcement.pk
    with pytest.raises(DomainError) as caught:
        do_move_unit(enforcement, parent=deeper, acting_user=world.admin)
    assert caught.value.code == "move_into_itself"
    do_move_unit(office, parent=None, acting_user=world.admin)
    assert _unit(HOUSING_OFFICE).path == f"{office.pk:08d}/"
    assert AuditEntry.objects.filter(action="units.move").count() == 2
    assert housing.path == _unit(HOUSING).path


def test_deactivating_takes_the_sub_units_and_a_reason(world: World) -> None:
    housing = _unit(HOUSING)
    with pytest.raises(DomainError) as caught:
        do_set_unit_active(housing, active=False, reason=" ", acting_user=world.admin)
    assert caught.value.code == "reason_required"
    do_set_unit_active(housing, active=False, reason="机构改革", acting_user=world.admin)
    assert not _unit(HOUSING_OFFICE).active
    with pytest.raises(DomainError) as caught:
        do_set_unit_active(
            _unit(HOUSING_OFFICE), active=True, reason="恢复", acting_user=world.admin
        )
    assert caught.value.code == "parent_inactive"
    with pytest.raises(DomainError) as refused:
        do_create_unit(
            name="新科室", kind=UnitKind.DEPARTMENT, parent=housing, acting_user=world.admin
        )
    assert refused.value.code == "parent_inactive"
    do_set_unit_active(housing, active=True, reason="恢复", acting_user=world.admin)
    assert _unit(HOUSING).active
    assert not _unit(HOUSING_OFFICE).active
    entry = AuditEntry.objects.filter(action="units.deactivate").get()
    assert entry.after == {"active": False, "units_changed": 2}
    assert entry.reason == "机构改革"


def test_units_are_kept_at_county_level(world: World) -> None:
    housing = _unit(HOUSING)
    county_clerk = _county_clerk(world)
    for town_clerk in (world.clerk, world.clerk2):
        with pytest.raises(Forbidden) as refused:
            do_edit_unit(
                housing,
                name="住建",
                kind=UnitKind.DEPARTMENT,
                region=housing.region,
                acting_user=town_clerk,
            )
        assert refused.value.code == "forbidden"
    do_edit_unit(
        housing,
        name="住房和城乡建设局",
        kind=UnitKind.DEPARTMENT,
        region=housing.region,
        acting_user=county_clerk,
    )
    # A town government belongs to a town, which the county's centre may name.
    gov = do_create_unit(
        name="李营街道办事处",
        kind=UnitKind.TOWN_GOVERNMENT,
        region=world.town,
        acting_user=county_clerk,
    )
    assert gov.region == world.town
    with pytest.raises(DomainError) as caught:
        do_create_unit(
            name="唐口", kind=UnitKind.TOWN_GOVERNMENT, region=None, acting_user=world.admin
        )
    assert caught.value.code == "town_government_region"
    # A body serving no one region is the platform admin's.
    with pytest.raises(Forbidden) as refused:
        do_create_unit(name="供电公司", kind=UnitKind.OUTSIDE, acting_user=county_clerk)
    assert refused.value.code == "forbidden"
    for handler in (world.handler_a, world.handler_b):
        with pytest.raises(Forbidden) as refused:
            do_create_unit(
                name="科室", kind=UnitKind.DEPARTMENT, parent=housing, acting_user=handler
            )
        assert refused.value.code == "forbidden"


def test_a_shops_unit_changes_only_with_its_shop(world: World) -> None:
    unit = Shop.objects.get(name="前双村信用超市").unit
    with pytest.raises(DomainError) as caught:
        do_set_unit_active(unit, active=False, reason="关店", acting_user=world.admin)
    assert caught.value.code == "unit_owned"
    with pytest.raises(DomainError) as caught:
        do_create_unit(
            name="超市", kind=UnitKind.SHOP, region=world.village_a, acting_user=world.admin
        )
    assert caught.value.code == "kind_owned"
    with pytest.raises(DomainError) as caught:
        do_create_unit(name="柜台", kind=UnitKind.DEPARTMENT, parent=unit, acting_user=world.admin)
    assert caught.value.code == "parent_owned"


def test_the_admin_builds_a_unit_and_its_handler_reads_it(world: World) -> None:
    admin = login(world.admin)
    housing = _unit(HOUSING)
    made = admin.post(
        "/units/new/", {"name": "市政处", "kind": "department", "parent": housing.pk, "region": ""}
    )
    assert made.status_code == 302
    works = _unit("市政处")
    member = admin.post(
        f"/units/{works.pk}/members/", {"user": world.handler_b.pk, "role": "handler"}
    )
    assert member.status_code == 302
    page = login(world.handler_b).get(f"/units/{works.pk}/").content.decode()
    assert "市政处" in page
    assert world.handler_b.name in page
    assert login(world.handler_a).get(f"/units/{works.pk}/").status_code == 404
    listed = login(world.handler_b).get("/api/units/units").json()
    assert {u["name"] for u in listed} == {ENFORCEMENT, "市政处"}


def test_bad_input_gets_a_clear_answer_by_api(world: World) -> None:
    admin = login(world.admin)
    bad = admin.post(
        "/api/units/units",
        {"name": "李营街道办事处", "kind": "town_gov", "region_code": COUNTY},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["code"] == "town_government_region"
    unknown = admin.post(
        "/api/units/units",
        {"name": "x", "kind": "department", "parent_id": 999999},
        content_type="application/json",
    )
    assert (unknown.status_code, unknown.json()["code"]) == (400, "parent_unknown")
