import pytest

from cunxin.conftest import World, login, make_id
from cunxin.core.errors import DomainError, Forbidden
from cunxin.core.models import AuditEntry
from cunxin.people.actions import (
    do_add_resident,
    do_create_household,
    do_reveal_id,
    do_update_resident,
)
from cunxin.people.models import Resident


def test_id_numbers_are_stored_encrypted_and_shown_masked(world: World) -> None:
    resident = world.resident("张三")
    full = make_id("19650312", 11)
    assert full not in resident.id_cipher
    assert resident.id_masked == full[:6] + "********" + full[-4:]
    page = login(world.collector_a).get(f"/people/{resident.pk}/").content.decode()
    assert resident.id_masked in page
    assert full not in page
    assert "查看完整号码" not in page  # a collector may not reveal


def test_a_clerk_reveals_an_id_number_and_the_reveal_is_audited(world: World) -> None:
    resident = world.resident("张三")
    response = login(world.clerk).post(f"/people/{resident.pk}/reveal/", {"reason": "办理低保核对"})
    assert make_id("19650312", 11) in response.content.decode()
    entry = AuditEntry.objects.get(action="people.reveal_id", object_id=str(resident.pk))
    assert entry.actor == world.clerk
    assert entry.reason == "办理低保核对"


def test_revealing_needs_a_reason_and_the_permission(world: World) -> None:
    resident = world.resident("张三")
    with pytest.raises(DomainError) as refusal:
        do_reveal_id(resident, acting_user=world.clerk, reason="  ")
    assert refusal.value.code == "reason_required"
    for user in (world.collector_a, world.committee_a, world.villager_a, world.clerk2):
        with pytest.raises(Forbidden) as refusal:
            do_reveal_id(resident, acting_user=user, reason="好奇")
        assert refusal.value.code == "forbidden"
    assert (
        login(world.collector_a).post(f"/people/{resident.pk}/reveal/", {"reason": "x"}).status_code
        == 403
    )
    assert not AuditEntry.objects.filter(action="people.reveal_id").exists()


def test_a_clerk_corrects_a_residents_details_with_a_reason(world: World) -> None:
    resident = world.resident("王丽")
    client = login(world.clerk)
    response = client.post(
        f"/people/{resident.pk}/edit/",
        {"name": "王丽", "phone": "", "relation": "女儿", "status": "moved_out", "reason": ""},
    )
    assert "This field is required" not in response.content.decode()
    assert Resident.objects.get(pk=resident.pk).status == "active"  # no reason, no change
    client.post(
        f"/people/{resident.pk}/edit/",
        {
            "name": "王丽",
            "phone": "",
            "relation": "女儿",
            "status": "moved_out",
            "reason": "出嫁迁出",
        },
    )
    resident.refresh_from_db()
    assert resident.status == "moved_out"
    assert resident.phone == ""


def test_a_second_head_is_refused(world: World) -> None:
    resident = world.resident("李秀英")
    with pytest.raises(DomainError) as info:
        do_update_resident(
            resident,
            name="李秀英",
            phone="",
            relation="户主",
            status="active",
            acting_user=world.clerk,
            reason="x",
        )
    assert info.value.code == "head_exists"


def test_a_household_is_opened_and_members_added_one_by_one(world: World) -> None:
    household = do_create_household(village=world.village_b, acting_user=world.clerk)
    assert household.number == "0002"  # the next free number of the village
    do_add_resident(
        household=household,
        name="庄小北",
        relation="户主",
        id_number=make_id("19900101", 55),
        acting_user=world.clerk,
    )
    with pytest.raises(DomainError) as info:
        do_add_resident(
            household=household,
            name="庄小西",
            relation="户主",
            id_number=make_id("19910101", 56),
            acting_user=world.clerk,
        )
    assert info.value.code == "head_exists"
    with pytest.raises(DomainError) as info:
        do_add_resident(
            household=household,
            name="庄小南",
            relation="儿子",
            id_number=make_id("19900101", 55),
            acting_user=world.clerk,
        )
    assert info.value.code == "id_taken"


def test_the_household_page_adds_a_member_and_shows_errors_in_place(world: World) -> None:
    household = world.resident("王建国").household
    client = login(world.clerk)
    page = client.post(
        f"/people/households/{household.pk}/",
        {"name": "王小丽", "relation": "孙女", "id_number": "370811201501011234", "phone": ""},
    ).content.decode()
    assert "身份证号校验位错误" in page
    client.post(
        f"/people/households/{household.pk}/",
        {"name": "王小丽", "relation": "孙女", "id_number": make_id("20150101", 24), "phone": ""},
    )
    assert Resident.objects.get(name="王小丽").household == household
    # A collector sees the household but gets no form to change it.
    assert (
        "添加成员"
        not in login(world.collector_a).get(f"/people/households/{household.pk}/").content.decode()
    )
    assert (
        login(world.collector_a)
        .post(f"/people/households/{household.pk}/", {"name": "x"})
        .status_code
        == 404
    )


def test_a_villager_sees_their_own_page(world: World) -> None:
    client = login(world.villager_a)
    assert client.get("/").url == "/people/me/"
    page = client.get("/people/me/").content.decode()
    assert "张三" in page
    assert "李秀英" not in page
    # What a villager spends with is one tap away: the pay code and the coupons.
    assert 'href="/cards/my-code/"' in page
    assert 'href="/coupons/"' in page
