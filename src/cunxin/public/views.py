"""Public pages (no login): a village's board, its notices, printable posters, the village TV,
a town's list of boards, and verifying a chain head.

These pages are what the notice board on the village wall shows, to anyone: masked names,
behaviours, dates, points, statuses, and the ledger's chain head. They are rendered without the
request's context processors (no user, no menu, no CSRF token), so they are the same for
everyone, set no cookie, cost the same queries logged in or not, and say
``Cache-Control: public``: a cache in front of the platform can serve a notice that a whole
village opens from the same QR code.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from cunxin.core.http import paginate
from cunxin.fund.selectors import public_funds_for
from cunxin.public.board import region_figures, town_villages, village_board
from cunxin.public.forms import VerifyForm
from cunxin.public.poster import qr_data_uri, render_pdf
from cunxin.public.selectors import (
    Board,
    notice_board,
    public_town,
    public_village,
    village_notices,
)
from cunxin.public.verification import verify_head
from cunxin.records.models import Notice

# Short enough that a new status (an objection, the end of the period) shows within a minute.
MAX_AGE = 60

public_page = cache_control(public=True, max_age=MAX_AGE)

# The village TV: each panel stays this many seconds (``?every=``), within these bounds.
TV_SECONDS = 15
TV_SECONDS_RANGE = (5, 300)
# The TV fetches its data again this often (the panels keep cycling while the network is down).
TV_RELOAD_SECONDS = 600


def _page(template: str, context: dict[str, object], status: int = 200) -> HttpResponse:
    return HttpResponse(render_to_string(template, context), status=status)


def _not_found(message: str) -> HttpResponse:
    return _page("public/not_found.html", {"message": message}, status=404)


def _pdf(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return response


def verify_url(notice: Notice, village_code: str) -> str:
    """The verification page with this notice's printed head filled in."""
    query = urlencode({"village": village_code, "seq": notice.chain_seq, "hash": notice.chain_hash})
    return f"{reverse('public:verify')}?{query}"


def _board_context(board: Board) -> dict[str, object]:
    return {
        "board": board,
        "village": board.village,
        "notice": board.notice,
        "verify_url": verify_url(board.notice, board.village.code),
    }


@require_safe
@public_page
def notice_list(request: HttpRequest, code: str) -> HttpResponse:
    village = public_village(code)
    if village is None:
        return _not_found(_("没有这个村，请核对链接。"))
    return _page(
        "public/notice_list.html",
        {
            "village": village,
            "page_obj": paginate(request, village_notices(village), 20),
            "now": timezone.now(),
        },
    )


@require_safe
@public_page
def notice_detail(request: HttpRequest, code: str, number: int) -> HttpResponse:
    village = public_village(code)
    board = notice_board(village, number) if village else None
    if board is None:
        return _not_found(_("没有找到这一期公示，请核对链接。"))
    return _page("public/notice.html", _board_context(board))


@require_safe
@public_page
def notice_pdf(request: HttpRequest, code: str, number: int) -> HttpResponse:
    village = public_village(code)
    board = notice_board(village, number) if village else None
    if board is None:
        return _not_found(_("没有找到这一期公示，请核对链接。"))
    context = _board_context(board)
    # The QR code opens the answer at once; the printed URL is short enough to type.
    absolute = request.build_absolute_uri(str(context["verify_url"]))
    context |= {
        "qr": qr_data_uri(absolute),
        "verify_page": request.build_absolute_uri(reverse("public:verify")),
    }
    pdf = render_pdf(render_to_string("public/poster.html", context))
    filename = _("%(village)s信用积分公示第%(n)d期.pdf") % {
        "village": board.village.name,
        "n": board.notice.number,
    }
    return _pdf(pdf, filename)


@require_safe
@never_cache  # an answer must be about the chain as it is now, never a stored copy
def verify(request: HttpRequest) -> HttpResponse:
    form = VerifyForm(request.GET or None)
    verdict = None
    if form.is_valid():
        village = form.cleaned_data["village"]
        verdict = verify_head(village, form.cleaned_data["seq"], form.cleaned_data["hash"])
    return _page(
        "public/verify.html",
        {
            "form": form,
            "verdict": verdict,
            "village": form.cleaned_data.get("village") if verdict else None,
        },
    )


def _no_village() -> HttpResponse:
    return _not_found(_("没有这个村，请核对链接。"))


@require_safe
@public_page
def board(request: HttpRequest, code: str) -> HttpResponse:
    """The village's board (信用公开栏): notices in period, honours, grades, calendar, figures."""
    village = public_village(code)
    if village is None:
        return _no_village()
    found = village_board(village)
    chart = {
        "grades": [g.grade for g in found.grades],
        "counts": [g.count for g in found.grades],
        "label": _("人数"),
    }
    return _page(
        "public/board.html",
        {"board": found, "village": village, "chart": chart, "funds": public_funds_for(village)},
    )


@require_safe
@public_page
def board_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The board as an A4 poster, with a QR code to the web board."""
    village = public_village(code)
    if village is None:
        return _no_village()
    found = village_board(village)
    board_page = request.build_absolute_uri(reverse("public:board", args=[code]))
    context: dict[str, object] = {
        "board": found,
        "village": village,
        "qr": qr_data_uri(board_page),
        "board_page": board_page,
        "verify_page": request.build_absolute_uri(reverse("public:verify")),
    }
    pdf = render_pdf(render_to_string("public/board_poster.html", context))
    filename = _("%(village)s信用公开栏%(day)s.pdf") % {
        "village": village.name,
        "day": found.today.strftime("%Y%m%d"),
    }
    return _pdf(pdf, filename)


def _tv_seconds(request: HttpRequest) -> int:
    low, high = TV_SECONDS_RANGE
    try:
        seconds = int(request.GET.get("every", TV_SECONDS))
    except ValueError:
        seconds = TV_SECONDS
    return min(max(seconds, low), high)


@require_safe
@public_page
def tv(request: HttpRequest, code: str) -> HttpResponse:
    """The board full screen for a village TV (1920×1080): large type, one panel at a time."""
    village = public_village(code)
    if village is None:
        return _no_village()
    found = village_board(village)
    board_url = request.build_absolute_uri(reverse("public:board", args=[code]))
    return _page(
        "public/tv.html",
        {
            "board": found,
            "village": village,
            "seconds": _tv_seconds(request),
            "reload_seconds": TV_RELOAD_SECONDS,
            "qr": qr_data_uri(board_url),
        },
    )


@require_safe
@public_page
def town(request: HttpRequest, code: str) -> HttpResponse:
    """A town's villages, each with a link to its board, and the town's volunteering figures."""
    found = public_town(code)
    if found is None:
        return _not_found(_("没有这个街道或镇，请核对链接。"))
    today = timezone.localdate()
    return _page(
        "public/town.html",
        {
            "town": found,
            "villages": town_villages(found),
            "figures": region_figures(found, today.year),
        },
    )
