"""Pages of records: collector entry, committee review, notices, objections, villager view.

Views parse, authorise and call the actions of ``records.actions``; reads go through
``records.selectors``. Objects outside the user's scope answer 404.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunxin.accounts.permissions import Perm
from cunxin.core.cleaning import parse_id
from cunxin.core.errors import DomainError
from cunxin.core.http import paginate, query_without_page, requires, run_action
from cunxin.core.scoping import may
from cunxin.people.models import Resident
from cunxin.records import selectors
from cunxin.records.actions.collect import do_collect, do_collect_team, parse_quantity
from cunxin.records.actions.imports import RecordsInvalid, do_import_records
from cunxin.records.actions.notices import do_object, do_publish_notice, do_rule_objection
from cunxin.records.actions.review import (
    do_approve,
    do_reject,
    do_request_reversal,
    may_reverse,
    may_review,
)
from cunxin.records.evidence import uploads
from cunxin.records.forms import (
    CollectForm,
    ObjectionForm,
    ReasonForm,
    RecordImportForm,
    ReviewForm,
    RulingForm,
    new_client_id,
)
from cunxin.records.models import Evidence, ObjectionStatus, Record, Status

# --- collecting -------------------------------------------------------------------------------


@requires(Perm.COLLECT_RECORDS)
def collect(request: HttpRequest) -> HttpResponse:
    """Enter one behaviour of one villager, on a phone in the lane."""
    return _collect_page(request, team=False)


@requires(Perm.COLLECT_RECORDS)
def collect_team(request: HttpRequest) -> HttpResponse:
    """Enter one behaviour for several villagers at once (a whole team)."""
    return _collect_page(request, team=True)


def _collect_page(request: HttpRequest, *, team: bool) -> HttpResponse:
    user = request.user
    post = request.POST if request.method == "POST" else None
    picked_ids = [i for v in post.getlist("resident") if (i := parse_id(v))] if post else []
    # The search buttons (and a form sent with a search typed but nobody picked, as happens
    # without JavaScript) show results again instead of saving.
    searching = post is not None and (
        "find" in post or (not picked_ids and bool(post.get("q", "").strip()))
    )
    initial = {
        "client_id": new_client_id(),
        "behaviour_date": request.GET.get("date") or timezone.localdate(),
        "quantity": "1",
    }
    if searching:
        assert post is not None
        fields = ("client_id", "quantity", "behaviour_date", "note")
        form = CollectForm(initial={**initial, **{k: post.get(k, "") for k in fields}}, team=team)
    else:
        form = CollectForm(post, initial=initial, team=team)
    if post is not None and not searching and form.is_valid():
        saved = _save(request, form, team)
        if saved:
            query = urlencode(
                {
                    "done": ",".join(str(r.pk) for r in saved),
                    "item": form.item_code,
                    "date": form.cleaned_data["behaviour_date"].isoformat(),
                }
            )
            return redirect(f"{request.path}?{query}")
    village = selectors.collect_village(user, picked_ids[0] if picked_ids else None)
    chosen_code = (post.get("item", "") if post else request.GET.get("item", "")).upper()
    query = post.get("q", "") if post else ""
    item_query = post.get("item_q", "") if post else ""
    chosen = [i for i in selectors.items_to_collect(village) if i.code == chosen_code]
    done_ids = [i for v in request.GET.get("done", "").split(",") if (i := parse_id(v))]
    return render(
        request,
        "records/collect.html",
        {
            "form": form,
            "team": team,
            "done": list(
                selectors.collected_by(user)
                .filter(pk__in=done_ids)
                .select_related("item")
                .order_by("pk")
            ),
            "picked": list(selectors.residents_to_collect(user, "").filter(pk__in=picked_ids)),
            "q": query,
            "results": selectors.residents_to_collect(user, query)[:20] if query.strip() else [],
            "item_q": item_query,
            "chosen": chosen[0] if chosen else None,
            "items": _item_list(user, village, item_query, chosen_code),
            "village": village,
            "photos_lost": bool(request.FILES),
        },
    )


def _save(request: HttpRequest, form: CollectForm, team: bool) -> list[Record] | None:
    """Record the behaviour; a refusal becomes an error on the form (and None)."""
    data = form.cleaned_data
    chosen = {
        r.pk: r
        for r in Resident.objects.restrict(request.user, Perm.COLLECT_RECORDS)
        .select_related("village")
        .filter(pk__in=form.resident_ids)
    }
    if len(chosen) != len(form.resident_ids):
        raise Http404
    residents = [chosen[pk] for pk in form.resident_ids]

    def save() -> list[Record]:
        common: dict[str, Any] = {
            "client_id": data["client_id"],
            "item_code": form.item_code,
            "quantity": parse_quantity(data["quantity"]),
            "behaviour_date": data["behaviour_date"],
            "note": data["note"],
            "photos": uploads(request.FILES.getlist("photos")),
            "acting_user": request.user,
        }
        if team:
            return do_collect_team(residents=residents, **common)
        return [do_collect(resident=residents[0], **common)]

    ok, saved = run_action(form, save)
    return saved if ok else None


def _item_list(user: Any, village: Any, query: str, chosen: str = "") -> dict[str, Any]:
    """What the item picker shows (the chosen item apart): matches of a search, else the
    collector's recent items."""
    if query.strip():
        found = selectors.items_to_collect(village, query)[:30]
    else:
        found = selectors.recent_items(user, village)
    return {"found": [i for i in found if i.code != chosen], "recent": not query.strip()}


@requires(Perm.COLLECT_RECORDS)
def resident_search(request: HttpRequest) -> HttpResponse:
    """The live search of the entry form (htmx): villagers by name, pinyin, phone, ID tail."""
    query = request.GET.get("q", "")
    results = selectors.residents_to_collect(request.user, query)[:20] if query.strip() else []
    return render(
        request,
        "records/_resident_results.html",
        {"results": results, "q": query, "team": request.GET.get("team") == "1"},
    )


@requires(Perm.COLLECT_RECORDS)
def item_search(request: HttpRequest) -> HttpResponse:
    """The item picker (htmx): by code or name, else the collector's recently used items."""
    village = selectors.collect_village(request.user, request.GET.get("resident"))
    return render(
        request,
        "records/_item_results.html",
        {
            "items": _item_list(
                request.user,
                village,
                request.GET.get("item_q", ""),
                request.GET.get("item", "").upper(),
            ),
            "village": village,
        },
    )


@requires(Perm.COLLECT_RECORDS)
def collected(request: HttpRequest) -> HttpResponse:
    """What the collector entered, with where each record stands."""
    records = selectors.collected_by(request.user)
    status = request.GET.get("status", "")
    if status in Status.values:
        records = records.filter(status=status)
    return render(
        request,
        "records/collected.html",
        {
            "page_obj": paginate(request, records, 30),
            "status": status,
            "statuses": Status.choices,
            "query": query_without_page(request),
        },
    )


@requires(Perm.COLLECT_RECORDS)
def record_import(request: HttpRequest) -> HttpResponse:
    """Upload records in a spreadsheet; every row is checked first and a bad file imports
    nothing; the same file twice changes nothing."""
    form = RecordImportForm(request.POST or None, request.FILES or None)
    result = None
    row_errors = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = do_import_records(
                upload, upload.name, acting_user=request.user, dry_run=form.cleaned_data["dry_run"]
            )
        except RecordsInvalid as exc:
            row_errors = exc.errors
            form.add_error(None, str(exc))
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else "file", str(exc))
    return render(
        request,
        "records/import.html",
        {"form": form, "result": result, "row_errors": row_errors},
    )


# --- reading records ------------------------------------------------------------------------


@requires(Perm.VIEW_RECORDS, regions=False)
def record_list(request: HttpRequest) -> HttpResponse:
    """Records in the user's scope (a villager: their own), by status, village and person."""
    user = request.user
    village_id = request.GET.get("village", "")
    records = selectors.filter_records(
        selectors.records_for(user),
        status=request.GET.get("status", ""),
        village_id=parse_id(village_id),
        query=request.GET.get("q", ""),
    )
    return render(
        request,
        "records/record_list.html",
        {
            "page_obj": paginate(request, records, 30),
            "status": request.GET.get("status", ""),
            "statuses": Status.choices,
            "villages": selectors.villages_for(user, Perm.VIEW_RECORDS),
            "village_id": village_id,
            "q": request.GET.get("q", ""),
            "query": query_without_page(request),
        },
    )


def _staff(user: Any, region_code: str) -> bool:
    """Whether the user reads the village's records as staff (not only their own)."""
    return may(user, Perm.VIEW_RECORDS, region_code)


@requires(Perm.VIEW_RECORDS, regions=False)
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one record: rule, evidence, notice, objections, history, posting."""
    user = request.user
    record = selectors.record_detail(user, pk)
    if record is None:
        raise Http404
    code = record.village.code
    staff = _staff(user, code)
    return render(
        request,
        "records/record_detail.html",
        {
            "record": record,
            "staff": staff,
            "events": selectors.history(record),
            "evidence": record.evidence.all(),
            # The person a line is about does not learn who objected to it.
            "objections": record.objections.select_related("objector", "ruled_by")
            if staff
            else record.objections.none(),
            "transfer": selectors.transfer_of(record) if staff else None,
            "reversals": record.reversals.all(),
            "can_review": may_review(user, record),
            "can_reverse": may_reverse(user, record),
        },
    )


@requires(Perm.VIEW_RECORDS, regions=False)
def evidence_file(request: HttpRequest, pk: int) -> HttpResponse:
    """An evidence photo, to whoever may see its record (never a public URL); ``?size=thumb``
    answers its small JPEG (the photo itself where none was made)."""
    evidence = get_object_or_404(
        Evidence.objects.filter(
            record__in=Record.objects.restrict(request.user, Perm.VIEW_RECORDS)
        ),
        pk=pk,
    )
    thumb = request.GET.get("size") == "thumb" and bool(evidence.thumbnail)
    stored_file = evidence.thumbnail if thumb else evidence.file
    with stored_file.open("rb") as stored:
        response = HttpResponse(
            stored.read(), content_type="image/jpeg" if thumb else evidence.content_type
        )
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- review ------------------------------------------------------------------------------------


@requires(Perm.REVIEW_RECORDS)
def review(request: HttpRequest) -> HttpResponse:
    """The queue of collected records; tick several and approve, or reject with a reason."""
    user = request.user
    village_id = request.GET.get("village", "")
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ids, reason = form.record_ids, form.cleaned_data["reason"]
        if selectors.review_queue(user).filter(pk__in=ids).count() != len(set(ids)):
            # Not waiting for review, or not in the reviewer's villages: as if not there.
            in_scope = selectors.records_for(user, Perm.REVIEW_RECORDS).filter(pk__in=ids)
            if in_scope.count() != len(set(ids)):
                raise Http404
        approve = form.cleaned_data["action"] == "approve"
        ok, done = run_action(
            form,
            lambda: (
                do_approve(ids, acting_user=user)
                if approve
                else do_reject(ids, reason=reason, acting_user=user)
            ),
        )
        if ok:
            if approve:
                # With two approvals required, a first approval leaves the record waiting.
                waiting = sum(1 for r in done if r.status == Status.COLLECTED)
                messages.success(request, _("已通过 %d 条记录。") % (len(done) - waiting))
                if waiting:
                    messages.info(request, _("%d 条还需第二位评审会成员审核。") % waiting)
            else:
                messages.success(request, _("已退回 %d 条记录。") % len(done))
            return redirect(_next(request, request.get_full_path()))
    records = selectors.review_queue(user, parse_id(village_id))
    page = paginate(request, records, 50)
    return render(
        request,
        "records/review.html",
        {
            "form": form,
            "page_obj": page,
            "lines": selectors.queue_lines(user, page.object_list),
            "ticked": set(form.record_ids),
            "villages": selectors.villages_for(user, Perm.REVIEW_RECORDS),
            "village_id": village_id,
            "query": query_without_page(request),
        },
    )


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@requires(Perm.REVERSE_RECORDS)
def reverse_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for the correction of an effective record (it goes through the same steps)."""
    record = get_object_or_404(selectors.records_for(request.user, Perm.REVERSE_RECORDS), pk=pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, reversal = run_action(
            form,
            lambda: do_request_reversal(
                record, reason=form.cleaned_data["reason"], acting_user=request.user
            ),
        )
        if ok:
            messages.success(request, _("已提交更正记录 #%d，待评审会审核。") % reversal.pk)
            return redirect("records:record", pk=reversal.pk)
    return render(request, "records/reverse.html", {"form": form, "record": record})


# --- notices -----------------------------------------------------------------------------------


@requires(Perm.VIEW_RECORDS)
def notices(request: HttpRequest) -> HttpResponse:
    """The notices of the user's villages, and where approved records wait to be published."""
    user = request.user
    return render(
        request,
        "records/notices.html",
        {
            "page_obj": paginate(request, selectors.notices_for(user), 30),
            "waiting": selectors.waiting_to_publish(user),
            "query": query_without_page(request),
        },
    )


@require_POST
@requires(Perm.PUBLISH_NOTICES)
def publish(request: HttpRequest) -> HttpResponse:
    """Publish the village's approved records now (without waiting for the weekly day)."""
    raw = request.POST.get("village", "")
    village = get_object_or_404(
        selectors.villages_for(request.user, Perm.PUBLISH_NOTICES),
        pk=parse_id(raw) or 0,
    )
    try:
        notice = do_publish_notice(village, acting_user=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("records:notices")
    messages.success(
        request,
        _("已发布第%(n)d期公示，共%(lines)d条，%(ends)s截止。")
        % {
            "n": notice.number,
            "lines": notice.records.count(),
            "ends": timezone.localtime(notice.ends_at).strftime("%Y-%m-%d %H:%M"),
        },
    )
    return redirect("records:notice", pk=notice.pk)


@requires(Perm.VIEW_RECORDS)
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A notice as the committee sees it: every line in full, and its open objections."""
    notice = get_object_or_404(selectors.notices_for(request.user), pk=pk)
    return render(
        request,
        "records/notice_detail.html",
        {
            "notice": notice,
            "lines": selectors.notice_lines(notice),
            "objections": selectors.objections_for(request.user).filter(record__notice=notice),
            "can_rule": may(request.user, Perm.RULE_OBJECTIONS, notice.village.code),
        },
    )


# --- objections --------------------------------------------------------------------------------


@requires(Perm.RULE_OBJECTIONS)
def objections(request: HttpRequest) -> HttpResponse:
    """Objections to rule on (open ones first); the ruled ones by filter."""
    status = request.GET.get("status", ObjectionStatus.OPEN)
    return render(
        request,
        "records/objections.html",
        {
            "page_obj": paginate(request, selectors.objections_for(request.user, status), 30),
            "status": status,
            "statuses": ObjectionStatus.choices,
            "query": query_without_page(request),
        },
    )


@requires(Perm.RULE_OBJECTIONS)
def objection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One objection: the line, the reason, and the ruling form (uphold or dismiss)."""
    objection = get_object_or_404(selectors.objections_for(request.user, ""), pk=pk)
    form = RulingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _o = run_action(
            form,
            lambda: do_rule_objection(
                objection,
                upheld=data["outcome"] == ObjectionStatus.UPHELD,
                ruling=data["ruling"],
                acting_user=request.user,
            ),
        )
        if ok:
            messages.success(request, _("已处理，异议人和村民会收到通知。"))
            return redirect("records:objections")
    return render(
        request,
        "records/objection_detail.html",
        {"objection": objection, "record": objection.record, "form": form},
    )


# --- the villager's side ---------------------------------------------------------------------


@requires(Perm.OBJECT)
def village_notice(request: HttpRequest) -> HttpResponse:
    """The village's notices still open for objections, names of others masked."""
    current = list(selectors.current_notices(request.user))
    return render(
        request,
        "records/village_notice.html",
        {"notices": [(n, selectors.public_lines(request.user, n)) for n in current]},
    )


@requires(Perm.OBJECT)
def object_to(request: HttpRequest, pk: int) -> HttpResponse:
    """Object to one line of the village's notice, with a reason."""
    record = selectors.objectable_record(request.user, pk)
    if record is None:
        raise Http404
    form = ObjectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, _o = run_action(
            form,
            lambda: do_object(record, reason=form.cleaned_data["reason"], acting_user=request.user),
        )
        if ok:
            messages.success(request, _("异议已提交，评审会处理后会通知您。"))
            return redirect("records:my_objections")
    return render(
        request,
        "records/object.html",
        {"form": form, "record": record, "name": selectors.public_name(request.user, record)},
    )


@requires(Perm.OBJECT)
def my_objections(request: HttpRequest) -> HttpResponse:
    """The objections the villager raised, and how the committee ruled."""
    return render(
        request,
        "records/my_objections.html",
        {
            "page_obj": paginate(request, selectors.my_objections(request.user), 30),
            "query": query_without_page(request),
            "own": getattr(request.user, "resident_id", None),
        },
    )
