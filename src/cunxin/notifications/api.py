"""API of the message centre: the same reads and read-marking as the page."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from cunxin.core.fields import Id
from cunxin.core.paging import MAX_LIMIT, Page, PageIn, paginate
from cunxin.notifications.actions import mark_read
from cunxin.notifications.selectors import inbox

router = Router(tags=["notifications"])


class MessageOut(Schema):
    id: int
    kind: str
    text: str
    link: str
    created_at: datetime.datetime
    read: bool


class MessagePage(Page[MessageOut]):
    unread: int


def _message_out(m: Any) -> dict[str, Any]:
    return {
        "id": m.pk,
        "kind": m.kind,
        "text": m.text,
        "link": m.link,
        "created_at": m.created_at,
        "read": m.read_at is not None,
    }


@router.get("/messages", response=MessagePage, summary="我的消息（未读数在 unread）")
def list_messages(
    request: HttpRequest, paging: Query[PageIn], unread_only: bool = False
) -> dict[str, Any]:
    messages = inbox(request.user)
    unread = messages.filter(read_at__isnull=True)
    shown = unread if unread_only else messages
    return {**paginate(shown, paging, _message_out), "unread": unread.count()}


class ReadIn(Schema):
    ids: list[Id] | None = Field(None, max_length=MAX_LIMIT)


class ReadOut(Schema):
    marked: int


@router.post("/messages/read", response=ReadOut, summary="标为已读（不给 ids 则全部）")
def read(request: HttpRequest, payload: ReadIn) -> dict[str, int]:
    return {"marked": mark_read(request.user, payload.ids)}
