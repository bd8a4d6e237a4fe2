"""The message centre: each person reads their own messages, sees how many are unread, marks
them read; nobody reads or marks another person's."""

from __future__ import annotations

from cunxin.conftest import World, login
from cunxin.notifications.actions import Note, notify
from cunxin.notifications.models import Message


def _some(w: World) -> None:
    zhang = w.resident("张三")
    notify(
        [
            Note(kind="record_approved", text="您的记录已通过审核", resident_id=zhang.pk),
            Note(kind="notice_published", text="您的记录正在公示", resident_id=zhang.pk),
            Note(kind="record_approved", text="王建国的消息", resident_id=w.resident("王建国").pk),
            Note(kind="objection_raised", text="记录收到异议，请处理", user_id=w.committee_a.pk),
        ]
    )


def test_a_villager_reads_their_messages_and_the_menu_counts_the_unread(world: World) -> None:
    _some(world)
    villager = login(world.villager_a)
    page = villager.get("/messages/").content.decode()
    assert "您的记录已通过审核" in page
    assert "您的记录正在公示" in page
    assert "王建国的消息" not in page
    assert "记录收到异议" not in page
    assert "消息（2）" in page  # the menu's unread count


def test_marking_one_and_then_all_read(world: World) -> None:
    _some(world)
    villager = login(world.villager_a)
    first = Message.objects.get(text="您的记录已通过审核")
    assert villager.post("/messages/read/", {"id": first.pk}).status_code == 302
    assert "消息（1）" in villager.get("/messages/").content.decode()
    villager.post("/messages/read/")
    page = villager.get("/messages/").content.decode()
    assert "消息（" not in page
    assert Message.objects.get(text="王建国的消息").read_at is None


def test_nobody_marks_another_persons_messages(world: World) -> None:
    _some(world)
    other = Message.objects.get(text="您的记录已通过审核")
    login(world.collector_a).post("/messages/read/", {"id": other.pk})
    login(world.collector_a).post("/messages/read/")
    assert Message.objects.get(pk=other.pk).read_at is None


def test_a_committee_member_gets_and_clears_messages_addressed_to_them(world: World) -> None:
    _some(world)
    committee = login(world.committee_a)
    assert "记录收到异议，请处理" in committee.get("/messages/").content.decode()
    committee.post("/messages/read/")
    assert Message.objects.get(user=world.committee_a).read_at is not None


def test_the_api_lists_and_marks_the_same_messages(world: World) -> None:
    _some(world)
    villager = login(world.villager_a)
    listed = villager.get("/api/notifications/messages").json()
    assert listed["count"] == 2
    assert listed["unread"] == 2
    first = listed["items"][0]["id"]
    marked = villager.post(
        "/api/notifications/messages/read", {"ids": [first]}, content_type="application/json"
    )
    assert marked.json() == {"marked": 1}
    assert villager.get("/api/notifications/messages?unread_only=true").json()["count"] == 1
    others = login(world.collector_a).get("/api/notifications/messages").json()
    assert others["count"] == 0
