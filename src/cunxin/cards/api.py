"""API of the cards app: the villager's pay code, and the committee's card work.

The same actions and selectors as the pages, scoped the same way; a card number is only ever
accepted, never returned.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from cunxin.accounts.permissions import Perm
from cunxin.cards import schemas, selectors
from cunxin.cards.actions import do_bind_card, do_cancel_card, do_reset_card_pin, do_unlock_card
from cunxin.cards.identify import CODE_REFRESH, issue_code
from cunxin.cards.models import Card, CardStatus
from cunxin.cards.qr import qr_data_uri
from cunxin.core.fields import Code, Id
from cunxin.core.http import api_check
from cunxin.core.paging import Page, PageIn, paginate
from cunxin.people.models import Resident, ResidentStatus

router = Router(tags=["cards"])


def own_resident(request: HttpRequest) -> Resident:
    """The logged-in villager's own resident row, if their roles let them spend points."""
    api_check(request, Perm.USE_POINTS, regions=False)
    resident_id = getattr(request.user, "resident_id", None)
    if resident_id is None:
        raise Http404
    resident: Resident = get_object_or_404(
        Resident.objects.restrict(request.user, Perm.USE_POINTS).select_related("village"),
        pk=resident_id,
        status=ResidentStatus.ACTIVE,
    )
    return resident


@router.get(
    "/my-code",
    response=schemas.PayCodeOut,
    summary="我的付款码（每次请求都是新的）",
    url_name="cards_my_code",
)
def my_code(request: HttpRequest, response: HttpResponse) -> dict[str, Any]:
    code, expires = issue_code(own_resident(request))
    response["Cache-Control"] = "no-store"
    return {
        "code": code,
        "expires_at": expires,
        "refresh_seconds": int(CODE_REFRESH.total_seconds()),
        "qr": qr_data_uri(code),
    }


@router.get("/my-card", response={200: schemas.OwnCardOut, 204: None}, summary="我的诚信卡")
def my_card(request: HttpRequest) -> Status[Any]:
    card = selectors.own_card(own_resident(request).pk)
    if card is None:
        return Status(204, None)
    return Status(200, {"last4": card.last4, "locked": card.locked})


@router.get("/", response=Page[schemas.CardOut], summary="诚信卡（本村）")
def list_cards(
    request: HttpRequest,
    paging: Query[PageIn],
    village_code: Code = "",
    include_cancelled: bool = False,
) -> dict[str, Any]:
    api_check(request, Perm.MANAGE_CARDS)
    cards = selectors.cards_for(request.user)
    if village_code:
        cards = cards.filter(resident__village__code=village_code)
    if not include_cancelled:
        cards = cards.filter(status=CardStatus.ACTIVE)
    return paginate(cards, paging, schemas.card_out)


def _card(request: HttpRequest, card_id: Id) -> Card:
    api_check(request, Perm.MANAGE_CARDS)
    card: Card = get_object_or_404(selectors.cards_for(request.user), pk=card_id)
    return card


@router.get("/{card_id}", response=schemas.CardOut, summary="诚信卡详情")
def get_card(request: HttpRequest, card_id: Id) -> dict[str, Any]:
    return schemas.card_out(_card(request, card_id))


@router.post("/", response={201: schemas.CardOut}, summary="绑定诚信卡")
def bind_card(request: HttpRequest, payload: schemas.BindIn) -> Status[dict[str, Any]]:
    api_check(request, Perm.MANAGE_CARDS)
    resident = get_object_or_404(
        Resident.objects.restrict(request.user, Perm.MANAGE_CARDS), pk=payload.resident_id
    )
    card = do_bind_card(
        resident,
        card_number=payload.card_number,
        pin=payload.pin,
        pin_again=payload.pin_again,
        acting_user=request.user,
    )
    return Status(201, schemas.card_out(card))


@router.post("/{card_id}/unlock", response=schemas.CardOut, summary="解锁诚信卡")
def unlock_card(request: HttpRequest, card_id: Id, payload: schemas.CardReasonIn) -> dict[str, Any]:
    card = do_unlock_card(_card(request, card_id), reason=payload.reason, acting_user=request.user)
    return schemas.card_out(card)


@router.post("/{card_id}/pin", response=schemas.CardOut, summary="重置诚信卡密码")
def reset_pin(request: HttpRequest, card_id: Id, payload: schemas.PinIn) -> dict[str, Any]:
    card = do_reset_card_pin(
        _card(request, card_id),
        pin=payload.pin,
        pin_again=payload.pin_again,
        reason=payload.reason,
        acting_user=request.user,
    )
    return schemas.card_out(card)


@router.post("/{card_id}/cancel", response=schemas.CardOut, summary="注销诚信卡")
def cancel_card(request: HttpRequest, card_id: Id, payload: schemas.CardReasonIn) -> dict[str, Any]:
    card = do_cancel_card(_card(request, card_id), reason=payload.reason, acting_user=request.user)
    return schemas.card_out(card)
