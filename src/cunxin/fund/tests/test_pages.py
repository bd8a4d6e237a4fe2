"""The fund's pages and API as the credit centre, the committee and the public use them."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cunxin.conftest import PERSONA_NAMES, World, login
from cunxin.fund.actions import (
    balance_of,
    do_approve_payment,
    do_reject_payment,
    do_reverse_donation,
)
from cunxin.fund.models import Donation, Payment, PaymentStatus, Purpose
from cunxin.fund.tests.helpers import FUND_NAME, PAYEE, SPONSOR, checker, donate, fund, propose
from cunxin.ledger.models import ChainHead


def _donation_form(**changes: str) -> dict[str, str]:
    return {
        "client_id": str(uuid.uuid4()),
        "sponsor": SPONSOR,
        "amount": "15000",
        "received_on": timezone.localdate().isoformat(),
        "receipt_no": "R-100",
        "note": "年度捐赠",
        **changes,
    }


def test_the_clerk_books_a_donation_and_sees_the_balance(world: World) -> None:
    f = fund(world)
    client = login(world.clerk)
    response = client.post(f"/fund/{f.pk}/donations/", _donation_form(), follow=True)
    page = response.content.decode()
    assert "已登记" in page
    assert "15,000.00" in page
    assert balance_of(f) == 1_500_000


def test_a_double_click_on_the_donation_form_books_it_once(world: World) -> None:
    f = fund(world)
    client = login(world.clerk)
    form = _donation_form()
    assert client.post(f"/fund/{f.pk}/donations/", form).status_code == 302
    assert client.post(f"/fund/{f.pk}/donations/", form).status_code == 302
    assert Donation.objects.count() == 1
    assert balance_of(f) == 1_500_000


def test_a_bad_amount_comes_back_on_the_form_in_chinese(world: World) -> None:
    f = fund(world)
    client = login(world.clerk)
    for amount, says in [
        ("12.345", "两位小数"),
        ("-5", "大于零"),
        ("abc", "格式不对"),
        ("0", "大于零"),
    ]:
        response = client.post(f"/fund/{f.pk}/donations/", _donation_form(amount=amount))
        assert response.status_code == 200
        assert says in response.content.decode(), amount
    assert Donation.objects.count() == 0


def test_a_duplicate_receipt_comes_back_on_the_form(world: World) -> None:
    f = fund(world)
    donate(world, 100, receipt_no="R-100")
    response = login(world.clerk).post(f"/fund/{f.pk}/donations/", _donation_form())
    assert response.status_code == 200
    assert "收据编号 R-100 已登记过" in response.content.decode()
    assert Donation.objects.count() == 1


def test_the_proposer_sees_no_approve_button_and_a_refusal_when_forcing_it(world: World) -> None:
    donate(world, 1_000_000)
    payment = propose(world, 100_000)
    client = login(world.clerk)
    page = client.get(f"/fund/{fund(world).pk}/").content.decode()
    assert "须由另一位工作人员审批" in page
    assert f"/fund/payments/{payment.pk}/approve/" not in page
    response = client.post(f"/fund/payments/{payment.pk}/approve/", follow=True)
    assert "不能审批自己提出的支出" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PROPOSED
    page = login(checker(world)).get(f"/fund/{fund(world).pk}/").content.decode()
    assert f"/fund/payments/{payment.pk}/approve/" in page


def test_an_overdraft_is_a_clear_message_and_the_payment_waits(world: World) -> None:
    donate(world, 10_000)
    payment = propose(world, 20_000)
    response = login(checker(world)).post(f"/fund/payments/{payment.pk}/approve/", follow=True)
    assert "基金余额 100.00 元，不足以支付 200.00 元" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PROPOSED


def test_the_committee_reads_the_fund_but_gets_no_forms(world: World) -> None:
    donate(world, 10_000)
    page = login(world.committee_a).get(f"/fund/{fund(world).pk}/").content.decode()
    assert SPONSOR in page
    assert "100.00" in page
    assert "登记捐赠" not in page
    assert "申请支出" not in page
    response = login(world.committee_a).post(f"/fund/{fund(world).pk}/donations/", _donation_form())
    assert response.status_code == 403
    assert Donation.objects.count() == 1


def test_the_public_report_shows_what_the_public_may_see_and_nothing_else(world: World) -> None:
    donate(world, 1_500_000, receipt_no="R-001", note="内部备注甲")
    wrong = donate(world, 999_900, receipt_no="R-002", sponsor="录错的捐赠方")
    do_reverse_donation(wrong, reason="冲正原因乙", acting_user=world.clerk)
    paid = propose(world, 300_000, document_no="FP-SECRET-1")
    do_approve_payment(paid, acting_user=checker(world))
    waiting = propose(world, 1_000, payee="待审批的收款方", purpose=Purpose.OTHER)
    refused = propose(world, 2_000, payee="被驳回的收款方", purpose=Purpose.OTHER)
    do_reject_payment(refused, reason="驳回原因丙", acting_user=checker(world))
    assert waiting.status == PaymentStatus.PROPOSED

    response = login(None).get(f"/fund/{world.town.code}/report/")
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]
    page = response.content.decode()
    for shown in (FUND_NAME, SPONSOR, "R-001", "15,000.00", PAYEE, "3,000.00", "12,000.00"):
        assert shown in page, shown
    assert "信用超市进货（前双村）" in page
    head = ChainHead.objects.get(village=world.town)
    assert f"第 {head.seq} 条" in page
    assert head.hash[:8] in page
    hidden = [
        "内部备注甲",
        "录错的捐赠方",
        "冲正原因乙",
        "FP-SECRET-1",
        "待审批的收款方",
        "被驳回的收款方",
        "驳回原因丙",
        PERSONA_NAMES["clerk"],
        "钱会计",
        "csrfmiddlewaretoken",
    ]
    assert [h for h in hidden if h in page] == []
    # Logged in or not, the report is the same page.
    assert login(world.clerk).get(f"/fund/{world.town.code}/report/").content.decode() == page


def test_a_region_without_a_fund_has_no_report(world: World) -> None:
    response = login(None).get(f"/fund/{world.town2.code}/report/")
    assert response.status_code == 404
    assert "还没有设立信用基金" in response.content.decode()


def test_the_export_lists_every_donation_and_payment_safely(world: World) -> None:
    donate(world, 10_000, sponsor="=HYPERLINK(1)")
    propose(world, 5_000)
    response = login(world.clerk).get(f"/fund/{fund(world).pk}/export.csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 3
    assert rows[1][2] == "'=HYPERLINK(1)"
    assert rows[2][2] == PAYEE
    assert rows[2][5] == "待审批"


def test_the_api_refuses_bad_amounts_and_own_approvals_in_chinese(world: World) -> None:
    f = fund(world)
    client = login(world.clerk)
    body = {
        "client_id": str(uuid.uuid4()),
        "sponsor": SPONSOR,
        "amount_yuan": "12.345",
        "received_on": timezone.localdate().isoformat(),
        "receipt_no": "R-1",
    }
    response = client.post(
        f"/api/fund/funds/{f.pk}/donations", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "amount_yuan"
    assert "两位小数" in response.json()["message"]
    body["amount_yuan"] = "12.34"
    first = client.post(f"/api/fund/funds/{f.pk}/donations", body, content_type="application/json")
    again = client.post(f"/api/fund/funds/{f.pk}/donations", body, content_type="application/json")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["amount_fen"] == 1234
    payment = propose(world, 1_000)
    response = client.post(f"/api/fund/payments/{payment.pk}/approve")
    assert response.status_code == 403
    assert "不能审批自己提出的支出" in response.json()["message"]
    response = login(checker(world)).post(f"/api/fund/payments/{payment.pk}/approve")
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    assert Payment.objects.get().status == PaymentStatus.APPROVED
    detail = client.get(f"/api/fund/funds/{f.pk}").json()
    assert detail["balance_fen"] == 234
    assert detail["chain_seq"] == ChainHead.objects.get(village=world.town).seq


def test_the_clerk_sets_up_the_fund_from_the_list_page(world: World) -> None:
    client = login(world.clerk)
    page = client.get("/fund/").content.decode()
    assert "设立信用基金" in page
    response = client.post("/fund/new/", {"region": world.town.pk, "name": FUND_NAME})
    assert response.status_code == 302
    assert FUND_NAME in client.get("/fund/").content.decode()
    assert "设立信用基金" not in client.get("/fund/").content.decode()


def test_the_public_report_prints_as_an_a4_pdf(world: World) -> None:
    donate(world, 1_500_000)
    response = login(None).get(f"/fund/{world.town.code}/report.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert login(None).get(f"/fund/{world.town2.code}/report.pdf").status_code == 404


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_ledger_page_and_report_cost_the_same_queries_for_more_rows(world: World) -> None:
    donate(world, 10_000)
    do_approve_payment(propose(world, 1_000), acting_user=checker(world))
    client = login(world.clerk)
    urls = [f"/fund/{fund(world).pk}/", f"/fund/{world.town.code}/report/", "/api/fund/funds"]
    for url in urls:
        _queries(client, url)  # warm caches (sessions, content types)
    few = [_queries(client, url) for url in urls]
    for _n in range(5):
        do_reverse_donation(donate(world, 500), reason="录错", acting_user=world.clerk)
        do_approve_payment(propose(world, 100, by=checker(world)), acting_user=world.clerk)
        do_reject_payment(propose(world, 100), reason="不符", acting_user=checker(world))
    for url in urls:
        _queries(client, url)  # the report's first showing of a new chain head notes it once
    assert [_queries(client, url) for url in urls] == few


def test_the_report_keeps_each_head_it_printed_and_check_ledger_compares_them(
    world: World,
) -> None:
    from cunxin.fund.models import ReportHead
    from cunxin.ledger.chain import keyring
    from cunxin.ledger.checks import check_ledger
    from cunxin.ledger.models import Transfer
    from cunxin.ledger.tests.helpers import rehash, triggers_off

    donate(world, 10_000)
    login(None).get(f"/fund/{world.town.code}/report/")
    login(None).get(f"/fund/{world.town.code}/report/")
    donate(world, 20_000)
    login(None).get(f"/fund/{world.town.code}/report.pdf")
    assert list(ReportHead.objects.values_list("seq", flat=True)) == [1, 2]
    assert check_ledger() == []
    # A rewrite re-signed with the key itself: the chain holds, the printed heads do not.
    with triggers_off():
        Transfer.objects.filter(village=world.town, seq=1).update(memo="改过")
    ring = keyring()
    rehash(world.town, ring.secrets[ring.signing_id], key_id=ring.signing_id)
    problems = check_ledger()
    assert {p.check for p in problems} == {"witness"}
    assert len(problems) == 2
    assert "李营街道信用基金的收支公开记下的链头（第 2 条）" in problems[1].detail
