from cunxin.conftest import World
from cunxin.people.models import Resident


def test_world_builds_through_actions(world: World) -> None:
    assert Resident.objects.count() == 8
    assert world.villager_a.resident.name == "张三"
