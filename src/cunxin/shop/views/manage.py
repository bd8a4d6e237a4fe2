"""The committee's and credit centre's pages: shops, keepers, goods, stock and figures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunxin.accounts.models import User
from cunxin.accounts.permissions import Perm, Role
from cunxin.core.cleaning import parse_id
from cunxin.core.errors import DomainError, Forbidden, NotFound
from cunxin.core.http import requires, run_action, set_queryset
from cunxin.core.scoping import may
from cunxin.shop import selectors
from cunxin.shop.actions.catalogue import (
    do_add_keeper,
    do_create_goods,
    do_create_shop,
    do_edit_goods,
    do_edit_shop,
    do_move_stock,
    do_remove_keeper,
)
from cunxin.shop.forms import GoodsForm, NewGoodsForm, ShopEditForm, ShopForm, StockForm
from cunxin.shop.models import Goods, Shop


def _shop(request: HttpRequest, pk: int) -> Shop:
    shop: Shop = get_object_or_404(selectors.shops_for(request.user), pk=pk)
    return shop


def _managed_shop(request: HttpRequest, pk: int) -> Shop:
    shop: Shop = get_object_or_404(selectors.managed_shops(request.user), pk=pk)
    return shop


def _managed_goods(request: HttpRequest, pk: int) -> Goods:
    goods: Goods = get_object_or_404(
        Goods.objects.filter(shop__in=selectors.managed_shops(request.user)).select_related(
            "shop__village"
        ),
        pk=pk,
    )
    return goods


@requires(Perm.VIEW_SHOP)
def index(request: HttpRequest) -> HttpResponse:
    """The shops the user keeps or manages."""
    return render(
        request,
        "shop/index.html",
        {
            "shops": selectors.shops_for(request.user),
            "kept": set(selectors.kept_shops(request.user).values_list("pk", flat=True)),
            "can_manage": may(request.user, Perm.MANAGE_SHOP),
        },
    )


@requires(Perm.MANAGE_SHOP)
def shop_new(request: HttpRequest) -> HttpResponse:
    """Open a village's credit supermarket."""
    villages = selectors.shop_villages(request.user)
    form = ShopForm(request.POST or None)
    set_queryset(form.fields["village"], villages)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, shop = run_action(
            form,
            lambda: do_create_shop(
                d["village"], name=d["name"], address=d["address"], acting_user=request.user
            ),
        )
        if ok:
            messages.success(request, _("已开设“%s”，请添加店主和商品。") % shop.name)
            return redirect("shop:shop", pk=shop.pk)
    return render(request, "shop/shop_new.html", {"form": form})


def _keeper_candidates(shop: Shop) -> list[User]:
    kept = selectors.keepers_of(shop).values("user_id")
    return list(
        User.objects.filter(
            assignments__role=Role.KEEPER,
            assignments__region=shop.village,
            assignments__active=True,
        )
        .exclude(pk__in=kept)
        .distinct()
        .order_by("name")
    )


@requires(Perm.VIEW_SHOP)
def shop_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A shop: its goods and stock; who manages shops edits it, its keepers and goods here."""
    shop = _shop(request, pk)
    can_manage = may(request.user, Perm.MANAGE_SHOP, shop)
    return render(
        request,
        "shop/shop.html",
        {
            "shop": shop,
            "goods": shop.goods.all(),
            "keepers": selectors.keepers_of(shop),
            "can_manage": can_manage,
            "can_redeem": shop.pk
            in set(selectors.kept_shops(request.user).values_list("pk", flat=True)),
            "candidates": _keeper_candidates(shop) if can_manage else [],
            "form": ShopEditForm(
                initial={"name": shop.name, "address": shop.address, "active": shop.active}
            ),
            "stock_form": StockForm(),
        },
    )


@require_POST
@requires(Perm.MANAGE_SHOP)
def shop_edit(request: HttpRequest, pk: int) -> HttpResponse:
    shop = _managed_shop(request, pk)
    form = ShopEditForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        ok, _saved = run_action(
            form,
            lambda: do_edit_shop(
                shop,
                name=d["name"],
                address=d["address"],
                active=d["active"],
                acting_user=request.user,
            ),
        )
        if ok:
            messages.success(request, _("已保存。"))
            return redirect("shop:shop", pk=shop.pk)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))
    return redirect("shop:shop", pk=shop.pk)


def _act(request: HttpRequest, action: Callable[[], Any], done: str, back: str) -> HttpResponse:
    try:
        action()
    except (Forbidden, NotFound):
        raise
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect(back)


@require_POST
@requires(Perm.MANAGE_SHOP)
def keeper_add(request: HttpRequest, pk: int) -> HttpResponse:
    shop = _managed_shop(request, pk)
    chosen = request.POST.get("user", "")
    user = User.objects.filter(pk=parse_id(chosen) or 0).first() if parse_id(chosen) else None
    if user is None:
        messages.error(request, _("请选择一位店主。"))
        return redirect("shop:shop", pk=shop.pk)
    return _act(
        request,
        lambda: do_add_keeper(shop, user, acting_user=request.user),
        _("已添加店主。"),
        reverse("shop:shop", args=[shop.pk]),
    )


@require_POST
@requires(Perm.MANAGE_SHOP)
def keeper_remove(request: HttpRequest, pk: int, keeper_id: int) -> HttpResponse:
    shop = _managed_shop(request, pk)
    keeper = get_object_or_404(selectors.keepers_of(shop), pk=keeper_id)
    return _act(
        request,
        lambda: do_remove_keeper(keeper, acting_user=request.user),
        _("已移除店主。"),
        reverse("shop:shop", args=[shop.pk]),
    )


@requires(Perm.MANAGE_SHOP)
def goods_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Put goods on the shelf, with a photo and an opening stock."""
    shop = _managed_shop(request, pk)
    form = NewGoodsForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        ok, goods = run_action(
            form,
            lambda: do_create_goods(
                shop,
                form.data_out(),
                stock=form.cleaned_data["stock"],
                photo=form.photo_out(),
                acting_user=request.user,
            ),
        )
        if ok:
            messages.success(request, _("已上架“%s”。") % goods.name)
            return redirect("shop:shop", pk=shop.pk)
    return render(request, "shop/goods_form.html", {"form": form, "shop": shop, "goods": None})


@requires(Perm.MANAGE_SHOP)
def goods_edit(request: HttpRequest, pk: int) -> HttpResponse:
    goods = _managed_goods(request, pk)
    form = GoodsForm(
        request.POST or None,
        request.FILES or None,
        initial={
            "name": goods.name,
            "price": goods.price,
            "monthly_limit": goods.monthly_limit,
            "active": goods.active,
        },
    )
    if request.method == "POST" and form.is_valid():
        ok, _saved = run_action(
            form,
            lambda: do_edit_goods(
                goods, form.data_out(), photo=form.photo_out(), acting_user=request.user
            ),
        )
        if ok:
            messages.success(request, _("已保存。"))
            return redirect("shop:shop", pk=goods.shop_id)
    return render(
        request, "shop/goods_form.html", {"form": form, "shop": goods.shop, "goods": goods}
    )


@require_POST
@requires(Perm.MANAGE_SHOP)
def stock(request: HttpRequest, pk: int) -> HttpResponse:
    """Stock in or out, with a reason for stock out."""
    goods = _managed_goods(request, pk)
    form = StockForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("shop:shop", pk=goods.shop_id)
    d = form.cleaned_data
    return _act(
        request,
        lambda: do_move_stock(goods, change=d["change"], note=d["note"], acting_user=request.user),
        _("库存已更新。"),
        reverse("shop:shop", args=[goods.shop_id]),
    )


@requires(Perm.VIEW_SHOP)
def stock_moves(request: HttpRequest, pk: int) -> HttpResponse:
    """A goods' stock history."""
    goods: Goods = get_object_or_404(selectors.goods_for(request.user), pk=pk)
    return render(
        request,
        "shop/stock_moves.html",
        {"goods": goods, "moves": goods.moves.select_related("by", "redemption")[:200]},
    )


@requires(Perm.VIEW_SHOP)
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A goods photo, to whoever may see its shop."""
    goods: Goods = get_object_or_404(selectors.goods_for(request.user).exclude(photo=""), pk=pk)
    with goods.photo.open("rb") as stored:
        response = HttpResponse(stored.read(), content_type=goods.photo_type or "image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@requires(Perm.MANAGE_SHOP)
def figures(request: HttpRequest) -> HttpResponse:
    """Points redeemed per shop and month."""
    return render(
        request, "shop/figures.html", {"figures": selectors.monthly_figures(request.user)}
    )
