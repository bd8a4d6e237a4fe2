import pytest

from cunxin.conftest import World
from cunxin.core import audit
from cunxin.core.models import AuditEntry
from cunxin.people.actions import do_update_resident


@pytest.mark.django_db(transaction=True)
def test_an_audit_entry_cannot_be_written_outside_an_action() -> None:
    with pytest.raises(RuntimeError):
        audit.record(None, "test.nothing", None)


def test_an_edit_records_who_what_before_after_and_why(world: World) -> None:
    resident = world.resident("王丽")
    do_update_resident(
        resident,
        name="王丽",
        phone="13905379999",
        relation="女儿",
        status="active",
        acting_user=world.clerk,
        reason="村民更换手机号",
    )
    entry = AuditEntry.objects.filter(action="people.update_resident").latest("at")
    assert entry.actor == world.clerk
    assert entry.before == {"phone": "13905371004"}
    assert entry.after == {"phone": "13905379999"}
    assert entry.reason == "村民更换手机号"
    assert entry.region_code == world.village_a.code


def test_the_audit_trail_never_holds_id_numbers_in_the_clear(world: World) -> None:
    for entry in AuditEntry.objects.all():
        text = f"{entry.before}{entry.after}"
        assert "19650312" not in text
        assert "id_cipher" not in text
