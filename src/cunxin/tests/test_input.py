"""No input gives a 500, and nothing is stored other than as sent (issue 10, §3).

Each test sends what an independent review sent — NaN, a NUL byte, a lone surrogate, an offset
no database can count, a body that cannot be read, a 15 MB note, a decompression bomb — and
checks the answer is a clear refusal in the project's ``{code, message, field}`` shape, in
Chinese, with nothing written.
"""

from __future__ import annotations

import datetime
import io
import json
import struct
import uuid
import zlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from cunxin.conftest import World, login
from cunxin.core.cleaning import parse_id
from cunxin.core.errors import DomainError
from cunxin.core.images import sample_image
from cunxin.people.actions import do_import_roster
from cunxin.records.actions.collect import parse_quantity
from cunxin.records.models import Evidence, Record
from cunxin.regions.actions import do_create_region
from cunxin.regions.models import Level, Region

TODAY = timezone.localdate()


def _post(client: Client, url: str, body: Any) -> Any:
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, raw, content_type="application/json")


def _collect(w: World, **changes: Any) -> dict[str, Any]:
    return {
        "client_id": str(uuid.uuid4()),
        "resident_id": w.resident("张三").pk,
        "item_code": "PW-R01",
        "quantity": "1",
        "behaviour_date": TODAY.isoformat(),
        "note": "巡河",
        **changes,
    }


def _refused(response: Any, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()
    body: dict[str, Any] = response.json()
    assert set(body) <= {"code", "message", "field"}
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body  # Chinese words
    return body


# --- numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("quantity", ["NaN", "Infinity", "-Infinity", "sNaN", "1e3", "1E3", "0x10"])
def test_it_refuses_a_quantity_that_is_not_a_plain_number(
    policy_world: World, quantity: str
) -> None:
    body = _refused(
        _post(
            login(policy_world.collector_a),
            "/api/records/records",
            _collect(policy_world, quantity=quantity),
        )
    )
    assert body["code"] == "quantity"
    assert body["field"] == "quantity"
    assert not Record.objects.exists()


def test_it_reads_quantities_as_people_type_them() -> None:
    assert parse_quantity("1.5") == parse_quantity("１．５")  # full-width digits from a phone
    assert str(parse_quantity("2.50")) == "2.50"
    assert str(parse_quantity("")) == "1"
    with pytest.raises(DomainError) as info:
        parse_quantity("1.25")
    assert info.value.code == "quantity"


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e3", "1E+3"])
def test_it_refuses_json_numbers_that_are_not_plain(world: World, number: str) -> None:
    raw = '{"ids": [' + number + "]}"
    body = _refused(_post(login(world.villager_a), "/api/notifications/messages/read", raw))
    assert body["code"] == "number_invalid"


def test_it_refuses_a_catalogue_item_worth_no_points(world: World) -> None:
    item = {
        "code": "ZERO-1",
        "name": "不计分",
        "category": "public_welfare",
        "direction": "reward",
        "points": 0,
        "effective_from": TODAY.isoformat(),
    }
    client = login(world.clerk)
    body = _refused(_post(client, f"/api/policy/catalogue?region_code={world.town.code}", item))
    assert body["code"] == "points_invalid"
    assert body["field"] == "points"


# --- text --------------------------------------------------------------------------------------


def test_it_refuses_a_nul_byte_in_a_note(policy_world: World) -> None:
    client = login(policy_world.collector_a)
    body = _refused(_post(client, "/api/records/records", _collect(policy_world, note="a\x00b")))
    assert body["code"] == "text_invalid"
    assert body["field"] == "note"
    assert not Record.objects.exists()


def test_it_refuses_a_lone_surrogate(policy_world: World) -> None:
    raw = json.dumps(_collect(policy_world, note="NOTE")).replace("NOTE", "\\ud800")
    assert "\\ud800" in raw
    body = _refused(_post(login(policy_world.collector_a), "/api/records/records", raw))
    assert body["code"] == "text_invalid"
    assert body["field"] == "note"


@pytest.mark.parametrize(
    "url",
    [
        "/api/people/residents?q=%00",
        "/api/people/residents?village_code=%00",
        "/api/records/records?q=a%00b",
        "/people/?q=%00",
    ],
)
def test_it_refuses_a_nul_byte_in_a_query(world: World, url: str) -> None:
    response = login(world.clerk).get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert _refused(response)["code"] == "text_invalid"
    else:
        assert "无法保存的字符" in response.content.decode()


def test_it_refuses_a_nul_byte_in_a_page_form(world: World) -> None:
    response = login(world.clerk).post("/regions/", {"name": "村\x00", "code": "370811009299"})
    assert response.status_code == 400
    assert "无法保存的字符" in response.content.decode()


def test_it_refuses_a_note_longer_than_its_limit_instead_of_cutting_it(
    policy_world: World,
) -> None:
    client = login(policy_world.collector_a)
    for note in ("字" * 2001, "x" * 15 * 1024 * 1024):
        body = _refused(
            _post(client, "/api/records/records", _collect(policy_world, note=note)), 422
        )
        assert body["field"] == "note"
    assert not Record.objects.exists()


def test_the_actions_refuse_over_long_text_too(policy_world: World) -> None:
    from cunxin.records.actions.collect import do_collect

    with pytest.raises(DomainError) as info:
        do_collect(
            client_id=uuid.uuid4(),
            resident=policy_world.resident("张三"),
            item_code="PW-R01",
            quantity=parse_quantity("1"),
            behaviour_date=TODAY,
            note="字" * 2001,
            acting_user=policy_world.collector_a,
        )
    assert info.value.code == "text_too_long"
    assert not Record.objects.exists()


def test_nothing_is_saved_cut_or_broken_whatever_path_it_takes(world: World) -> None:
    # A command or a new view that forgets to check still cannot store a broken value.
    with pytest.raises(DomainError) as info:
        do_create_region(
            code="370811009298",
            name="村" * 500,
            level=Level.VILLAGE,
            parent=world.town,
            acting_user=world.admin,
        )
    assert info.value.code == "text_too_long"
    with pytest.raises(DomainError) as info:
        do_create_region(
            code="370811009298",
            name="前\x00村",
            level=Level.VILLAGE,
            parent=world.town,
            acting_user=world.admin,
        )
    assert info.value.code == "text_invalid"
    assert not Region.objects.filter(code="370811009298").exists()


# --- paging and other query parameters ---------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["offset=99999999999999999999", "offset=-1", "limit=0", "limit=201", "limit=abc"],
)
def test_it_refuses_paging_out_of_bounds(world: World, query: str) -> None:
    body = _refused(login(world.clerk).get(f"/api/people/residents?{query}"), 422)
    assert body["code"] == "invalid_input"
    assert body["field"] in ("limit", "offset")


def test_every_list_pages_the_same_way(world: World) -> None:
    client = login(world.clerk)
    page = client.get("/api/people/residents?limit=2&offset=1").json()
    assert page["count"] == 7
    assert len(page["items"]) == 2
    assert client.get("/api/accounts/users?limit=1").json()["count"] > 1


@pytest.mark.parametrize("year", ["0", "1", "99999", "²"])
def test_it_refuses_a_year_out_of_range(world: World, year: str) -> None:
    response = login(world.clerk).get(f"/api/volunteering/figures?year={year}")
    _refused(response, 422)
    page = login(world.clerk).get(f"/volunteering/figures/?year={year}")
    assert page.status_code == 200


@pytest.mark.parametrize("raw", ["²", "9" * 30, "٣", "0", "-1", "abc", ""])
def test_ids_read_from_pages_are_only_ascii_digits_a_key_can_hold(raw: str) -> None:
    assert parse_id(raw) is None
    assert parse_id("12") == 12


@pytest.mark.parametrize("village", ["²", "9" * 30])
def test_a_page_given_a_strange_id_answers_normally(world: World, village: str) -> None:
    assert login(world.clerk).get(f"/people/?village={village}").status_code == 200


# --- bodies ------------------------------------------------------------------------------------


def test_malformed_json_is_answered_in_the_projects_shape(world: World) -> None:
    body = _refused(_post(login(world.clerk), "/api/people/residents/1/reveal", "{not json"))
    assert body == {"code": "json_invalid", "message": "提交的内容不是有效的 JSON。"}


def test_a_validation_error_names_the_field_in_chinese(world: World) -> None:
    resident = world.resident("张三")
    body = _refused(
        _post(login(world.clerk), f"/api/people/residents/{resident.pk}/reveal", {}), 422
    )
    assert body["field"] == "reason"
    assert "必填" in body["message"]


@pytest.mark.parametrize("who", [None, "villager_a", "clerk"])
def test_a_multipart_post_without_a_boundary_is_a_clear_refusal(world: World, who: str) -> None:
    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    if who:
        client.force_login(getattr(world, who))
    for url in ("/api/records/records", "/api/people/roster/import", "/records/new/"):
        response = client.post(url, b"a=1", content_type="multipart/form-data")
        assert response.status_code == 400, (url, response.status_code)
        if url.startswith("/api/"):
            assert _refused(response)["code"] == "form_unreadable"


def test_an_upload_too_large_is_refused_unread(world: World, settings: Any) -> None:
    settings.ROSTER_MAX_BYTES = 10

    class Unreadable(io.BytesIO):
        size = 11

        def read(self, *args: Any) -> bytes:
            raise AssertionError("read before its size was checked")

    from cunxin.policy.actions import do_import_catalogue
    from cunxin.records.actions.imports import do_import_records

    for upload in (
        lambda: do_import_roster(Unreadable(), "roster.csv", acting_user=world.clerk),
        lambda: do_import_records(Unreadable(), "records.csv", acting_user=world.collector_a),
        lambda: do_import_catalogue(world.town, Unreadable(), "c.csv", acting_user=world.clerk),
    ):
        with pytest.raises(DomainError) as info:
            upload()
        assert info.value.code == "file_too_large"


# --- photos ------------------------------------------------------------------------------------


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a size it does not hold (how a decompression bomb starts)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * 16))
        + chunk(b"IEND", b"")
    )


def _upload(w: World, photo: bytes, name: str = "p.png") -> Any:
    data = _collect(w)
    data["photos"] = SimpleUploadedFile(name, photo)
    return login(w.collector_a).post("/api/records/records/upload", data)


@pytest.mark.parametrize("size", [(20000, 20000), (9000, 6000)])
def test_it_refuses_a_decompression_bomb(policy_world: World, size: tuple[int, int]) -> None:
    body = _refused(_upload(policy_world, _png_header_only(*size)))
    assert body["code"] == "photo_pixels"
    assert "尺寸过大" in body["message"]
    assert not Record.objects.exists()


@pytest.mark.parametrize(
    "content",
    [
        b"\xff\xd8\xff\xe0 a jpeg by its first bytes only",
        sample_image()[:60],  # a real photo, cut short
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
    ],
)
def test_it_refuses_what_only_looks_like_a_photo(policy_world: World, content: bytes) -> None:
    assert _refused(_upload(policy_world, content))["code"] == "photo_type"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF"])
def test_it_keeps_a_photo_with_a_small_thumbnail(policy_world: World, fmt: str) -> None:
    photo = sample_image(fmt, size=(1600, 1200))
    response = _upload(policy_world, photo, f"p.{fmt.lower()}")
    assert response.status_code == 201, response.content
    evidence = Evidence.objects.get()
    assert (evidence.width, evidence.height) == (1600, 1200)
    assert evidence.file.read() == photo  # the photo itself, as sent
    thumb = Image.open(evidence.thumbnail)
    assert thumb.format == "JPEG"
    assert max(thumb.size) == 480
    listed = response.json()["evidence"][0]
    client = login(policy_world.collector_a)
    served = client.get(listed["thumbnail_url"])
    assert served["Content-Type"] == "image/jpeg"
    assert (
        f"/records/evidence/{evidence.pk}/?size=thumb"
        in client.get(f"/records/{evidence.record_id}/").content.decode()
    )


def test_an_old_photo_without_a_thumbnail_is_served_whole(policy_world: World) -> None:
    assert _upload(policy_world, sample_image()).status_code == 201
    Evidence.objects.update(thumbnail="")
    evidence = Evidence.objects.get()
    served = login(policy_world.collector_a).get(f"/records/evidence/{evidence.pk}/?size=thumb")
    assert served.content == sample_image()


def test_dates_outside_the_calendar_are_refused(policy_world: World) -> None:
    for day in ("0001-01-01", "9999-12-31"):
        response = _post(
            login(policy_world.collector_a),
            "/api/records/records",
            _collect(policy_world, behaviour_date=day),
        )
        assert _refused(response, 422)["field"] == "behaviour_date"
    assert datetime.date(9999, 12, 31) > TODAY


# --- forms -------------------------------------------------------------------------------------


def _all_forms() -> list[type]:
    import importlib
    import pkgutil

    from django import forms

    import cunxin

    for module in pkgutil.walk_packages(cunxin.__path__, "cunxin."):
        if module.name.endswith(("forms", "views")) and ".tests" not in module.name:
            importlib.import_module(module.name)
    found, todo = [], list(forms.BaseForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.startswith("cunxin.") and ".tests" not in cls.__module__:
            found.append(cls)
    return found


def test_every_form_of_the_project_follows_the_input_rules() -> None:
    from cunxin.core.forms import CleanFormMixin

    forms_found = _all_forms()
    assert len(forms_found) > 50
    loose = [
        f"{f.__module__}.{f.__name__}" for f in forms_found if not issubclass(f, CleanFormMixin)
    ]
    assert loose == []


@pytest.mark.parametrize(
    ("value", "valid"),
    [("2.5", True), ("１．５", True), ("1e3", False), ("NaN", False), ("Infinity", False)],
)
def test_a_page_form_reads_decimals_as_people_write_them(value: str, valid: bool) -> None:
    from cunxin.blacklist.forms import RepairForm

    form = RepairForm(
        {"volunteer_hours": value, "commitment_signed": "on", "text": "列入以来参加志愿服务十次。"}
    )
    assert form.is_valid() is valid, form.errors
    if not valid:
        assert "volunteer_hours" in form.errors


def test_a_page_form_refuses_an_integer_no_column_holds() -> None:
    from cunxin.coupons.forms import ConvertForm

    form = ConvertForm({"points": str(10**30)})
    assert not form.is_valid()
    assert "points" in form.errors


def test_a_body_nested_too_deep_is_a_clear_refusal(world: World) -> None:
    for depth in (900, 5000):
        raw = '{"ids": ' + "[" * depth + "]" * depth + "}"
        response = _post(login(world.villager_a), "/api/notifications/messages/read", raw)
        assert 400 <= response.status_code < 500
