import datetime
import io
from collections import Counter
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from cunxin.conftest import World, login
from cunxin.core.errors import DomainError, Forbidden
from cunxin.core.models import AuditEntry
from cunxin.policy.actions import (
    DEFAULT_CATALOGUE,
    CatalogueInvalid,
    do_import_catalogue,
    do_save_catalogue_item,
    export_catalogue,
)
from cunxin.policy.catalogue_file import ITEM_FIELDS
from cunxin.policy.models import CatalogueItem, Category
from cunxin.policy.selectors import catalogue_in_force

TODAY = timezone.localdate()


def _values(**changes: Any) -> dict[str, Any]:
    base = {
        "name": "清扫公共区域",
        "category": "appearance",
        "direction": "reward",
        "scoring": "per_unit",
        "points": 2,
        "unit": "小时",
        "monthly_cap": 20,
        "evidence_required": True,
        "serious": False,
        "validity_years": None,
        "active": True,
        "description": "由采集员拍照记录。",
    }
    return {**base, **changes}


def test_the_default_catalogue_has_92_rewards_and_78_penalties_in_six_categories(
    policy_world: World,
) -> None:
    items = catalogue_in_force(policy_world.village_a, TODAY).values()
    directions = Counter(i.direction for i in items)
    assert directions == {"reward": 92, "penalty": 78}
    assert {i.category for i in items} == set(Category.values)
    for category in Category.values:
        assert sum(1 for i in items if i.category == category and i.direction == "penalty") > 0
    serious = [i for i in items if i.serious]
    assert serious
    assert all(i.direction == "penalty" for i in serious)
    per_unit = [i for i in items if i.scoring == "per_unit"]
    assert per_unit
    assert all(i.unit for i in per_unit)


def test_editing_an_item_keeps_the_old_version_readable(policy_world: World) -> None:
    w = policy_world
    first = do_save_catalogue_item(
        w.town, code="AP-R90", values=_values(), effective_from=TODAY, acting_user=w.clerk
    )
    second = do_save_catalogue_item(
        w.town,
        code="ap-r90",
        values=_values(points=3),
        effective_from=TODAY,
        acting_user=w.clerk,
        reason="提高分值",
    )
    assert (first.version, second.version) == (1, 2)
    first.refresh_from_db()
    assert first.points == 2
    assert not first.is_latest
    assert catalogue_in_force(w.village_a, TODAY)["AP-R90"].points == 3
    entry = AuditEntry.objects.get(action="policy.save_item", object_id=str(second.pk))
    assert entry.before == {"points": 2}
    assert entry.after is not None
    assert entry.after["points"] == 3
    assert entry.actor == w.clerk


def test_saving_the_same_values_again_changes_nothing(policy_world: World) -> None:
    w = policy_world
    first = do_save_catalogue_item(
        w.town, code="AP-R90", values=_values(), effective_from=TODAY, acting_user=w.clerk
    )
    again = do_save_catalogue_item(
        w.town,
        code="AP-R90",
        values=_values(),
        effective_from=TODAY,
        acting_user=w.clerk,
        reason="重复提交",
    )
    assert again.pk == first.pk


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"unit": ""}, "unit_invalid"),
        ({"serious": True}, "serious_invalid"),
        ({"name": ""}, "name_invalid"),
    ],
)
def test_inconsistent_items_are_refused(
    policy_world: World, changes: dict[str, Any], code: str
) -> None:
    with pytest.raises(DomainError) as info:
        do_save_catalogue_item(
            policy_world.town,
            code="X-1",
            values=_values(**changes),
            effective_from=TODAY,
            acting_user=policy_world.clerk,
        )
    assert info.value.code == code


def test_a_village_item_overrides_the_towns_item_of_the_same_code(policy_world: World) -> None:
    w = policy_world
    town_item = catalogue_in_force(w.village_a, TODAY)["AP-R01"]
    values = {k: getattr(town_item, k) for k in ITEM_FIELDS}
    do_save_catalogue_item(
        w.village_b,
        code="AP-R01",
        values={**values, "points": town_item.points + 5},
        effective_from=TODAY,
        acting_user=w.clerk,
    )
    assert catalogue_in_force(w.village_b, TODAY)["AP-R01"].points == town_item.points + 5
    assert catalogue_in_force(w.village_a, TODAY)["AP-R01"].points == town_item.points


def test_only_the_credit_centre_edits_the_catalogue(policy_world: World) -> None:
    w = policy_world
    for user in (w.collector_a, w.committee_a, w.villager_a, w.clerk2):
        with pytest.raises(Forbidden) as refusal:
            do_save_catalogue_item(
                w.town, code="X-1", values=_values(), effective_from=TODAY, acting_user=user
            )
        assert refusal.value.code == "forbidden"


def test_the_exported_catalogue_imports_back_unchanged(policy_world: World) -> None:
    w = policy_world
    items = list(catalogue_in_force(w.village_a, TODAY).values())
    content = export_catalogue(w.town, items)
    result = do_import_catalogue(w.town, content, "catalogue.xlsx", acting_user=w.clerk)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 170)


def test_an_edited_spreadsheet_versions_only_the_changed_items(policy_world: World) -> None:
    w = policy_world
    items = list(catalogue_in_force(w.village_a, TODAY).values())
    book = load_workbook(io.BytesIO(export_catalogue(w.town, items)))
    sheet = book.worksheets[0]
    sheet.cell(row=2, column=6, value="9")  # the first item's points
    sheet.append(
        [
            "CN-R99",
            "新增：修缮村史馆",
            "村居建设",
            "加分",
            "固定分值",
            "5",
            "",
            "",
            "是",
            "否",
            "",
            "是",
            "",
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    result = do_import_catalogue(
        w.town, buffer.getvalue(), "c.xlsx", acting_user=w.clerk, reason="年度修订"
    )
    assert (result.created, result.updated, result.unchanged) == (1, 1, 169)
    assert CatalogueItem.objects.filter(code=items[0].code).count() == 2


def test_a_catalogue_file_with_bad_rows_imports_nothing(policy_world: World) -> None:
    w = policy_world
    rows = (
        "编码,名称,类别,加/扣分,计分方式,分值,计分单位,严重失信\n"
        "N-1,好事,社会公益,加分,固定分值,3,,否\n"
        "N-2,坏事,不存在的类别,扣分,固定分值,3,,否\n"
        "N-3,按小时,社会公益,加分,按单位计分,2,,否\n"
        "N-4,严重好事,社会公益,加分,固定分值,-1,,是\n"
        "N-1,重复,社会公益,加分,固定分值,3,,否\n"
    )
    before = CatalogueItem.objects.count()
    with pytest.raises(CatalogueInvalid) as info:
        do_import_catalogue(w.town, rows.encode(), "c.csv", acting_user=w.clerk)
    found = {(row, column) for row, column, _m in info.value.errors}
    assert {(3, "类别"), (4, "计分单位"), (5, "分值"), (6, "编码")} <= found
    assert CatalogueItem.objects.count() == before


def test_the_shipped_catalogue_file_is_what_the_loader_reads() -> None:
    text = DEFAULT_CATALOGUE.read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("编码,名称,类别,加/扣分")
    assert len(text.splitlines()) == 171


def test_the_catalogue_pages_list_filter_and_edit(policy_world: World) -> None:
    w = policy_world
    client = login(w.clerk)
    page = client.get(f"/policy/catalogue/?region={w.town.pk}&direction=penalty").content.decode()
    assert "扣分 78 项" in page
    assert "加分 0 项" in page
    response = client.post(
        f"/policy/catalogue/new/?region={w.town.pk}",
        {
            **{k: v for k, v in _values().items() if v is not None},
            "code": "AP-R90",
            "effective_from": TODAY.isoformat(),
        },
    )
    assert response.status_code == 302
    item = CatalogueItem.objects.get(code="AP-R90")
    response = client.post(
        f"/policy/catalogue/{item.pk}/edit/",
        {
            **{k: v for k, v in _values(points=4).items() if v is not None},
            "effective_from": TODAY.isoformat(),
            "change_reason": "调整",
        },
    )
    assert response.status_code == 302
    history = client.get(f"/policy/catalogue/{item.pk}/").content.decode()
    assert "v1" in history
    assert "v2" in history
    download = client.get(f"/policy/catalogue/export.xlsx?region={w.town.pk}")
    assert download["Content-Disposition"].startswith("attachment")
    # A collector reads the catalogue of their village but has no edit buttons.
    collector_page = login(w.collector_a).get("/policy/catalogue/").content.decode()
    assert "新增条目" not in collector_page
    assert "清扫公共区域" in collector_page
    tomorrow = TODAY + datetime.timedelta(days=1)
    assert tomorrow > TODAY


def test_catalogue_files_are_chinese_whatever_the_users_language(policy_world: World) -> None:
    from django.utils import translation

    w = policy_world
    items = list(catalogue_in_force(w.village_a, TODAY).values())
    with translation.override("en"):
        content = export_catalogue(w.town, items)
        result = do_import_catalogue(w.town, content, "c.xlsx", acting_user=w.clerk)
    assert result.unchanged == 170
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert next(sheet.iter_rows(min_row=2, max_row=2, values_only=True))[2] in {
        c.label for c in Category
    }
