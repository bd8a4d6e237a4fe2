import pytest

from cunxin.accounts.actions import (
    do_create_user,
    do_grant_role,
    do_reset_password,
    do_revoke_role,
    do_set_user_active,
)
from cunxin.accounts.models import RoleAssignment, User
from cunxin.accounts.permissions import Role
from cunxin.conftest import PASSWORD, World, login
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.core.models import AuditEntry


def test_a_clerk_creates_a_collector_for_a_village_of_the_town(world: World) -> None:
    user = do_create_user(
        phone="13912345678",
        name="新采集员",
        password="init-pass-123",
        role=Role.COLLECTOR,
        region=world.village_b,
        acting_user=world.clerk,
        reason="新任采集员",
    )
    assert user.must_change_password
    assert user.roles() == {Role.COLLECTOR}
    entry = AuditEntry.objects.get(action="accounts.create_user", object_id=str(user.pk))
    assert entry.actor == world.clerk
    assert entry.after is not None
    assert entry.after["roles"] == [f"collector@{world.village_b.code}"]
    assert "password" not in entry.after


def test_a_clerk_cannot_create_users_in_another_town(world: World) -> None:
    with pytest.raises(Forbidden) as refusal:
        do_create_user(
            phone="13912345678",
            name="越权",
            password="init-pass-123",
            role=Role.COLLECTOR,
            region=world.village_c,
            acting_user=world.clerk,
        )
    assert refusal.value.code == "forbidden"


def test_a_clerk_cannot_hand_out_the_credit_centre_role(world: World) -> None:
    with pytest.raises(Forbidden) as info:
        do_create_user(
            phone="13912345678",
            name="越权",
            password="init-pass-123",
            role=Role.CENTRE,
            region=world.town,
            acting_user=world.clerk,
        )
    assert info.value.code == "role_not_grantable"
    assert "信用中心" in str(info.value)


def test_village_roles_are_held_in_a_village(world: World) -> None:
    with pytest.raises(DomainError) as info:
        do_create_user(
            phone="13912345678",
            name="采集",
            password="init-pass-123",
            role=Role.COLLECTOR,
            region=world.town,
            acting_user=world.clerk,
        )
    assert info.value.code == "role_level"


def test_a_villager_login_belongs_to_a_resident_of_that_village(world: World) -> None:
    zhuang = world.resident("庄德胜")
    with pytest.raises(DomainError) as info:
        do_create_user(
            phone="13905372001",
            name="庄德胜",
            password="init-pass-123",
            role=Role.VILLAGER,
            region=world.village_a,
            resident=zhuang,
            acting_user=world.clerk,
        )
    assert info.value.code == "resident_other_village"
    with pytest.raises(DomainError) as refusal:
        do_create_user(
            phone="13905372001",
            name="庄德胜",
            password="init-pass-123",
            role=Role.VILLAGER,
            region=world.village_b,
            acting_user=world.clerk,
        )
    assert refusal.value.code == "villager_needs_resident"


def test_one_phone_number_one_login(world: World) -> None:
    with pytest.raises(Conflict) as refusal:
        do_create_user(
            phone="13800000003",
            name="重复",
            password="init-pass-123",
            role=Role.COLLECTOR,
            region=world.village_a,
            acting_user=world.clerk,
        )
    assert refusal.value.code == "phone_taken"


@pytest.mark.parametrize("phone", ["1380000000", "23800000000", "138000000001", "电话"])
def test_malformed_phone_numbers_are_refused(world: World, phone: str) -> None:
    with pytest.raises(DomainError) as info:
        do_create_user(
            phone=phone,
            name="某人",
            password="init-pass-123",
            role=Role.COLLECTOR,
            region=world.village_a,
            acting_user=world.clerk,
        )
    assert info.value.code == "phone_invalid"


def test_collectors_and_committees_cannot_create_logins(world: World) -> None:
    for actor in (world.collector_a, world.committee_a, world.villager_a):
        with pytest.raises(Forbidden) as refusal:
            do_create_user(
                phone="13912345678",
                name="某人",
                password="init-pass-123",
                role=Role.COLLECTOR,
                region=world.village_a,
                acting_user=actor,
            )
        assert refusal.value.code == "forbidden"


def test_a_reset_password_must_be_changed_at_next_login(world: World) -> None:
    do_reset_password(
        world.collector_a, new_password="temp-pass-456", acting_user=world.clerk, reason="忘记密码"
    )
    world.collector_a.refresh_from_db()
    assert world.collector_a.must_change_password
    assert world.collector_a.check_password("temp-pass-456")


def test_a_clerk_cannot_touch_the_platform_admin_or_another_town(world: World) -> None:
    with pytest.raises(Forbidden) as refusal:
        do_reset_password(world.admin, new_password="temp-pass-456", acting_user=world.clerk)
    assert refusal.value.code == "forbidden"
    with pytest.raises(Forbidden) as refusal:
        do_set_user_active(world.clerk2, active=False, acting_user=world.clerk, reason="x")
    assert refusal.value.code == "forbidden"


def test_disabling_a_user_needs_a_reason_and_removes_their_access(world: World) -> None:
    with pytest.raises(DomainError) as refusal:
        do_set_user_active(world.collector_a, active=False, acting_user=world.clerk, reason=" ")
    assert refusal.value.code == "reason_required"
    do_set_user_active(world.collector_a, active=False, acting_user=world.clerk, reason="离任")
    client = login(User.objects.get(pk=world.collector_a.pk))
    assert client.get("/people/").status_code == 302


def test_roles_are_granted_and_revoked_with_history_kept(world: World) -> None:
    assignment = do_grant_role(
        world.villager_a, role=Role.COLLECTOR, region=world.village_a, acting_user=world.clerk
    )
    assert Role.COLLECTOR in User.objects.get(pk=world.villager_a.pk).roles()
    do_revoke_role(assignment, acting_user=world.clerk, reason="换届")
    assert Role.COLLECTOR not in User.objects.get(pk=world.villager_a.pk).roles()
    assert RoleAssignment.objects.filter(pk=assignment.pk, active=False).exists()


def test_the_user_pages_create_and_show_a_login(world: World) -> None:
    client = login(world.clerk)
    response = client.post(
        "/accounts/users/new/",
        {
            "name": "赵采集",
            "phone": "13912345678",
            "role": "collector",
            "region": world.village_a.pk,
            "password": "init-pass-123",
            "reason": "",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(phone="13912345678")
    page = client.get(f"/accounts/users/{user.pk}/").content.decode()
    assert "赵采集" in page
    assert "信息采集员" in page


def test_the_create_form_offers_only_what_the_clerk_may_grant(world: World) -> None:
    page = login(world.clerk).get("/accounts/users/new/").content.decode()
    assert "信息采集员" in page
    assert "平台管理员" not in page
    assert "唐口村" not in page


def test_a_users_own_login_is_not_managed_from_the_list(world: World) -> None:
    response = login(world.clerk).post(
        f"/accounts/users/{world.clerk.pk}/reset-password/",
        {"new_password": "temp-pass-456", "reason": "x"},
    )
    assert response.status_code == 302
    assert User.objects.get(pk=world.clerk.pk).check_password(PASSWORD)


@pytest.mark.parametrize(
    "name", ["<script>alert(1)</script>", "张三<b>", "王五1号", "a", "张\x00三", ""]
)
def test_a_login_name_follows_the_rule_of_residents_names(world: World, name: str) -> None:
    from cunxin.people.names import check_name

    with pytest.raises(DomainError) as login_refused:
        do_create_user(
            phone="13912345678",
            name=name,
            password="init-pass-123",
            role=Role.COLLECTOR,
            region=world.village_b,
            acting_user=world.clerk,
        )
    with pytest.raises(DomainError) as resident_refused:
        check_name(name)
    assert login_refused.value.code == resident_refused.value.code
    assert login_refused.value.code in {"name_invalid", "name_missing"}
    assert login_refused.value.field == "name"
    assert not User.objects.filter(phone="13912345678").exists()


def test_a_login_name_is_stored_as_a_residents_would_be(world: World) -> None:
    user = do_create_user(
        phone="13912345678",
        name=" 阿依 • 买买提 ",
        password="init-pass-123",
        role=Role.COLLECTOR,
        region=world.village_b,
        acting_user=world.clerk,
    )
    assert user.name == "阿依·买买提"


def test_the_platform_admin_command_refuses_markup_in_the_name(db: None) -> None:
    from cunxin.accounts.actions import do_create_platform_admin

    with pytest.raises(DomainError) as info:
        do_create_platform_admin(phone="13800000000", name="<img src=x>", password="init-pass-123")
    assert info.value.code == "name_invalid"
