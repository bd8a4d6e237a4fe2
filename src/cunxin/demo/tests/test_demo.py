import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from cunxin.accounts.models import RoleAssignment, User
from cunxin.accounts.permissions import Role
from cunxin.cards.models import Card
from cunxin.core import pii
from cunxin.core.models import AuditEntry
from cunxin.coupons.models import Conversion, Coupon, Gift, GiftStatus
from cunxin.demo.activity import DEMO_PASSWORD
from cunxin.demo.build import VILLAGES, build
from cunxin.demo.people import roster_rows
from cunxin.fund.actions import balance_of
from cunxin.fund.models import Donation, Fund, Payment, PaymentStatus
from cunxin.honours.models import (
    Conferral,
    FlagPick,
    HouseholdPick,
    How,
    Kind,
    Period,
    Round,
    RoundStatus,
    StarPick,
)
from cunxin.honours.selectors import board_honours
from cunxin.ledger.checks import check_ledger
from cunxin.ledger.models import AccountKind, Currency, Entry
from cunxin.people import idnumber
from cunxin.people.models import Household, Resident
from cunxin.policy.masking import mask_name
from cunxin.policy.models import CatalogueItem
from cunxin.policy.selectors import policy_in_force
from cunxin.records.models import Record, Status
from cunxin.regions.models import Level, Region
from cunxin.shop.models import (
    Redemption,
    RedemptionStatus,
    Shop,
    StockMove,
    StockReason,
)
from cunxin.shop.selectors import keepers_of
from cunxin.volunteering.models import (
    COMMON_TEAMS,
    Activity,
    ActivityStatus,
    SignUp,
    SignUpStatus,
    Team,
    TeamMember,
)


def test_the_same_seed_gives_the_same_county() -> None:
    villages = [(name, n, surnames) for _c, name, n, surnames in VILLAGES]
    first = list(roster_rows(villages, seed=7))
    assert first == list(roster_rows(villages, seed=7))
    assert first != list(roster_rows(villages, seed=8))


def test_generated_people_are_plausible() -> None:
    rows = list(roster_rows([("前双村", 120, ["张", "王"])], seed=1))
    ids = [row[5] for row in rows]
    assert len(set(ids)) == len(ids)
    for row in rows:
        parsed = idnumber.parse(row[5])
        assert 2 <= len(row[3]) <= 4
        if row[4] in ("儿子", "孙子"):
            assert parsed.gender == "M"
    phones = [row[6] for row in rows if row[6]]
    assert len(set(phones)) == len(phones)
    assert Counter(row[4] for row in rows)["户主"] == 120


@pytest.mark.django_db
def test_the_demo_county_is_big_enough_and_everyone_can_log_in() -> None:
    # Seven weeks, whatever today's date, hold a whole past month whose honours the committee
    # has confirmed, and enough volunteering for the exemplary families to qualify.
    logins = build(seed=2026, weeks=7)
    assert Region.objects.filter(level=Level.TOWN).count() == 1
    assert Region.objects.filter(level=Level.VILLAGE).count() >= 3
    assert Household.objects.count() >= 300
    assert Resident.objects.count() >= 900
    assert CatalogueItem.objects.filter(direction="reward").count() == 92
    sample = Resident.objects.order_by("?")[:20]
    for resident in sample:
        assert idnumber.parse(pii.decrypt(resident.id_cipher)).birth_date == resident.birth_date
    roles = {role for user in User.objects.all() for role in user.roles()}
    assert roles == set(Role)
    assert {login.role for login in logins} == {str(r.label) for r in Role}
    assert set(Record.objects.values_list("status", flat=True)) == set(Status.values)
    assert check_ledger() == []
    for login in logins:
        client = Client(HTTP_HOST="127.0.0.1")
        assert (
            client.post(
                "/accounts/login/", {"phone": login.phone, "password": DEMO_PASSWORD}
            ).status_code
            == 302
        )
    villages = list(Region.objects.filter(level=Level.VILLAGE).order_by("code"))
    _check_volunteering(villages)
    _check_honours(villages)
    _check_public_board(villages[0])
    _check_shops(villages)
    _check_coupons(villages[0])
    _check_fund()
    _check_cards()


def _check_volunteering(villages: list[Region]) -> None:
    """Every village has its teams and held activities whose hours became records."""
    for village in villages:
        teams = Team.objects.filter(village=village, active=True)
        assert {t.name for t in teams} == {str(name) for name in COMMON_TEAMS}
        for team in teams:
            assert team.leader is not None
            assert TeamMember.objects.filter(
                team=team, resident=team.leader, left_on__isnull=True
            ).exists()
        held = Activity.objects.filter(region=village, status=ActivityStatus.COMPLETED)
        assert held.exists()
        paid = SignUp.objects.filter(activity__in=held, record__isnull=False)
        assert paid.exists()
        # The hours went through the catalogue's per-hour items, at the hours worked.
        for sign_up in paid.select_related("record", "activity"):
            assert sign_up.record is not None
            assert sign_up.hours
            assert sign_up.record.item.code == sign_up.activity.item_code
            assert sign_up.record.quantity == sign_up.hours
            assert sign_up.record.behaviour_date == sign_up.activity.day
    hour_records = Record.objects.filter(
        pk__in=SignUp.objects.filter(record__isnull=False).values("record_id")
    )
    assert Status.EFFECTIVE in set(hour_records.values_list("status", flat=True))
    statuses = set(SignUp.objects.values_list("status", flat=True))
    assert statuses == set(SignUpStatus.values)  # waiting lists and withdrawals too
    assert (
        Activity.objects.filter(status=ActivityStatus.CANCELLED).exclude(cancel_reason="").exists()
    )
    now = timezone.now()
    upcoming = Activity.objects.filter(status=ActivityStatus.PUBLISHED, starts_at__gt=now)
    assert upcoming.filter(region__level=Level.VILLAGE).exists()
    assert upcoming.filter(region__level=Level.TOWN).exists()  # on every village's calendar


def _check_honours(villages: list[Region]) -> None:
    """A confirmed month with stars and a red flag in every village, demonstration
    households, this month's draft, and the first village's stars rewarded."""
    this_month = timezone.localdate().replace(day=1)
    for village in villages:
        confirmed = Round.objects.filter(
            village=village, period=Period.MONTH, status=RoundStatus.CONFIRMED
        )
        assert StarPick.objects.filter(round__in=confirmed).exists()
        assert FlagPick.objects.filter(round__in=confirmed).exists()
        assert Round.objects.filter(
            village=village, period=Period.MONTH, starts_on=this_month, status=RoundStatus.DRAFT
        ).exists()
    assert HouseholdPick.objects.filter(
        round__period=Period.YEAR, round__status=RoundStatus.CONFIRMED, struck=False
    ).exists()
    rewarded = Conferral.objects.filter(
        round__village=villages[0], kind=Kind.STAR, record__isnull=False
    )
    assert rewarded.exists()
    # Only the first village rewards its stars.
    assert not (
        Conferral.objects.filter(kind=Kind.STAR, record__isnull=False)
        .exclude(round__village=villages[0])
        .exists()
    )
    swapped = StarPick.objects.filter(round__village=villages[0], how=How.SWAP)
    assert swapped.exclude(reason="").exists()


def _check_public_board(village: Region) -> None:
    """The village's public board answers, and names its stars masked."""
    policy = policy_in_force(village, timezone.localdate())
    assert policy is not None
    stars = board_honours(village, timezone.localdate()).stars
    assert stars
    page = Client(HTTP_HOST="127.0.0.1").get(f"/public/{village.code}/")
    assert page.status_code == 200
    shown = re.search(r'<ol class="cx-stars">(.*?)</ol>', page.content.decode(), re.S)
    assert shown is not None
    names = re.findall(r"<li>(.*?)</li>", shown.group(1))
    assert names == [mask_name(star.name, policy.name_masking) for star in stars]
    assert names[0] != stars[0].name


def _check_shops(villages: list[Region]) -> None:
    """Every village's credit supermarket has a keeper and goods on the shelf; the villagers'
    redemptions took both the goods from stock and the points from their accounts."""
    for village in villages:
        shop = Shop.objects.get(village=village, active=True)
        keeper = keepers_of(shop).get().user
        assert RoleAssignment.objects.filter(
            user=keeper, role=Role.KEEPER, region=village, active=True
        ).exists()
        goods = shop.goods.filter(active=True)
        assert 8 <= goods.count() <= 12
        assert all(10 <= g.price <= 80 for g in goods)
        assert goods.exclude(photo="").exists()
    done = Redemption.objects.filter(status=RedemptionStatus.DONE)
    assert done.exists()
    assert "code" in set(done.values_list("via", flat=True))
    for redemption in done.prefetch_related("lines"):
        moved = StockMove.objects.filter(redemption=redemption, reason=StockReason.REDEEM)
        assert sorted((m.goods_id, -m.change) for m in moved) == sorted(
            (line.goods_id, line.quantity) for line in redemption.lines.all()
        )
        debit = Entry.objects.get(
            transfer=redemption.transfer,
            account__kind=AccountKind.RESIDENT,
            account__currency=Currency.SPENDABLE,
        )
        assert debit.account.resident_id == redemption.resident_id
        assert (
            debit.amount
            == -redemption.points
            == -sum(line.points for line in redemption.lines.all())
        )
    # The one cancelled the same day gave the goods and the points back.
    cancelled = Redemption.objects.get(status=RedemptionStatus.CANCELLED)
    assert cancelled.cancel_reason
    assert timezone.localdate(cancelled.cancelled_at) == timezone.localdate(cancelled.created_at)
    returned = StockMove.objects.filter(redemption=cancelled, reason=StockReason.CANCEL)
    assert sum(m.change for m in returned) == sum(x.quantity for x in cancelled.lines.all())
    assert cancelled.cancel_transfer is not None
    assert Entry.objects.filter(
        transfer=cancelled.cancel_transfer, amount=cancelled.points
    ).exists()


def _check_coupons(first: Region) -> None:
    """Villagers turned points into coupons at the policy's rate, and gave them to family and
    neighbours: accepted, declined, delivered to someone without a login, one still waiting."""
    conversions = Conversion.objects.all()
    assert conversions.exists()
    for conversion in conversions:
        assert conversion.fen == conversion.points * conversion.fen_per_point
        assert sum(c.face_fen for c in Coupon.objects.filter(conversion=conversion)) == (
            conversion.fen
        )
    gifts = Gift.objects.filter(village=first)
    assert {GiftStatus.ACCEPTED, GiftStatus.DECLINED, GiftStatus.PENDING} <= set(
        gifts.values_list("status", flat=True)
    )
    for gift in gifts.filter(status=GiftStatus.ACCEPTED):
        assert gift.coupon.owner_id == gift.receiver_id
    logins = set(User.objects.filter(resident__isnull=False).values_list("resident_id", flat=True))
    assert any(g.receiver_id not in logins for g in Gift.objects.filter(status=GiftStatus.ACCEPTED))
    demo = User.objects.filter(resident__village=first).order_by("pk").first()
    assert demo is not None
    assert gifts.filter(status=GiftStatus.PENDING, receiver_id=demo.resident_id).exists()


def _check_fund() -> None:
    """The town's fund took sponsors' donations and paid for the shops' goods, each payment
    approved by a second clerk; its balance is what came in less what went out."""
    fund = Fund.objects.get(region__level=Level.TOWN)
    donations = Donation.objects.filter(fund=fund, reversed_at__isnull=True)
    assert donations.count() >= 2
    approved = Payment.objects.filter(fund=fund, status=PaymentStatus.APPROVED)
    assert approved.exists()
    for payment in approved:
        assert payment.decided_by_id not in (None, payment.proposed_by_id)
        assert payment.village is not None
    assert balance_of(fund) == sum(d.amount for d in donations) - sum(p.amount for p in approved)


def _check_cards() -> None:
    """Cards are bound to villagers without a login; the one locked by wrong PINs was unlocked
    by the committee."""
    cards = Card.objects.all()
    assert cards.exists()
    logins = set(User.objects.filter(resident__isnull=False).values_list("resident_id", flat=True))
    assert not any(c.resident_id in logins for c in cards)
    locked = AuditEntry.objects.get(action="cards.card_locked")
    unlocked = AuditEntry.objects.get(action="cards.unlock", object_id=locked.object_id)
    assert unlocked.at > locked.at
    card = Card.objects.get(pk=locked.object_id)
    assert card.locked_at is None
    assert card.failed_pins == 0


@pytest.mark.django_db
def test_the_demo_command_will_not_overwrite_data_without_reset() -> None:
    call_command("demo", seed=3, weeks=0)
    with pytest.raises(CommandError) as info:
        call_command("demo", seed=3, weeks=0)
    assert "--reset" in str(info.value)
