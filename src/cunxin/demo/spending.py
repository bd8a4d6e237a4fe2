"""Spending points in the demo (信用有价): a credit supermarket in every village, with its keeper,
goods, photos, stock and restocks; redemptions by pay code and by 诚信卡 + PIN, one cancelled the
same day; coupons converted from points and gifted in the family; cards for villagers without a
smartphone, one locked by wrong PINs and unlocked by the committee; and the town's credit fund,
its sponsors' donations and the shops' purchases paid from it (proposed by one credit-centre
clerk, approved by another).

Everything goes through the same actions the pages use. It draws from a random generator of its
own, so the rest of the simulated year is the same with or without it.
"""

from __future__ import annotations

import datetime
import random
import uuid
from dataclasses import dataclass, field

from django.utils import timezone

from cunxin.accounts.actions import do_create_user
from cunxin.accounts.models import User
from cunxin.accounts.permissions import Role
from cunxin.cards.actions import do_bind_card, do_unlock_card
from cunxin.cards.identify import Customer, identify, issue_code
from cunxin.cards.models import MAX_PIN_TRIES, Card
from cunxin.core import audit
from cunxin.core.errors import DomainError
from cunxin.coupons.actions.conversion import do_convert, quote
from cunxin.coupons.actions.gifts import (
    do_accept_gift,
    do_decline_gift,
    do_gift,
    lapse_due_gifts,
)
from cunxin.coupons.models import Coupon, CouponStatus
from cunxin.demo.spending_data import (
    ADMIN_PHONE,
    CANCEL_REASON,
    CARDS_PER_VILLAGE,
    CENTRE_PHONE,
    CHECKER_PHONE,
    DONATIONS,
    ITEMS,
    KEEPER_PHONE,
    OLD,
    REJECT_REASON,
    SUPPLIER,
    UNLOCK_REASON,
    card_number,
    card_pin,
    goods_photo,
)
from cunxin.demo.world import VillageStaff, clock_at, local
from cunxin.fund.actions import (
    do_approve_payment,
    do_create_fund,
    do_propose_payment,
    do_record_donation,
    do_reject_payment,
)
from cunxin.fund.models import Fund, Payment, Purpose
from cunxin.ledger.models import Currency
from cunxin.people.models import Resident
from cunxin.records.standing import balances
from cunxin.regions.models import Region
from cunxin.shop.actions.catalogue import (
    GoodsData,
    do_add_keeper,
    do_create_goods,
    do_create_shop,
    do_move_stock,
)
from cunxin.shop.actions.redeem import do_cancel_redemption, do_redeem
from cunxin.shop.models import Goods, Redemption, Shop


@dataclass
class Shelf:
    """One village's shop as the demo runs it."""

    staff: VillageStaff
    shop: Shop
    keeper: User
    goods: list[Goods]
    cards: dict[int, tuple[Card, str, str]] = field(default_factory=dict)  # resident: card, no, PIN


@dataclass
class Spending:
    """Shops, coupons, cards and the fund across the simulated weeks."""

    rng: random.Random
    shelves: list[Shelf]
    fund: Fund
    clerk: User
    checker: User
    start: datetime.datetime
    end: datetime.datetime
    weeks: int
    waiting: list[Payment] = field(default_factory=list)
    cancelled: bool = False
    locked: bool = False
    stories: set[str] = field(default_factory=set)

    # --- before the simulated weeks ------------------------------------------------------------

    @classmethod
    def open(
        cls,
        seed: int,
        staff: list[VillageStaff],
        *,
        start: datetime.datetime,
        end: datetime.datetime,
        weeks: int,
        password: str,
    ) -> Spending:
        """The town's fund with its first donation, and every village's shop stocked and paid."""
        rng = random.Random(f"spending-{seed}")
        town = staff[0].village.parent
        assert town is not None
        clerk = User.objects.get(phone=CENTRE_PHONE)
        moment = start - datetime.timedelta(days=15)
        with clock_at(moment):
            checker = User.objects.filter(phone=CHECKER_PHONE).first() or do_create_user(
                phone=CHECKER_PHONE,
                name="吴会计",
                password=password,
                role=Role.CENTRE,
                region=town,
                acting_user=User.objects.get(phone=ADMIN_PHONE),
            )
            fund = do_create_fund(town, name=f"{town.name}信用基金", acting_user=clerk)
        spending = cls(
            rng=rng,
            shelves=[],
            fund=fund,
            clerk=clerk,
            checker=checker,
            start=start,
            end=end,
            weeks=weeks,
        )
        spending._donate(0, moment + datetime.timedelta(days=1, hours=2))
        for index, s in enumerate(staff):
            at = moment + datetime.timedelta(days=3, hours=index)
            spending.shelves.append(spending._open_shop(index, s, at, password))
        return spending

    def _open_shop(
        self, index: int, s: VillageStaff, moment: datetime.datetime, password: str
    ) -> Shelf:
        village = s.village
        with clock_at(moment):
            keeper = User.objects.filter(phone=KEEPER_PHONE).first() if index == 0 else None
            keeper = keeper or do_create_user(
                phone=f"1380001{index:02d}04",
                name=f"{village.name[:1]}店主",
                password=password,
                role=Role.KEEPER,
                region=village,
                acting_user=self.clerk,
            )
            shop = do_create_shop(
                village,
                name="信用超市",
                address=f"{village.name}村委会一楼",
                acting_user=s.chair,
            )
            do_add_keeper(shop, keeper, acting_user=s.chair)
            goods = [
                do_create_goods(
                    shop,
                    GoodsData(name=item.name, price=item.price, monthly_limit=item.limit),
                    stock=item.stock,
                    photo=(f"goods-{n}.png", goods_photo(item.photo)) if item.photo else None,
                    acting_user=s.chair,
                )
                for n, item in enumerate(ITEMS)
            ]
        cost = sum(item.stock * item.cost_fen for item in ITEMS)
        self._pay(village, cost, f"首批进货（{len(ITEMS)}种商品）", moment)
        return Shelf(staff=s, shop=shop, keeper=keeper, goods=goods)

    # --- the fund ------------------------------------------------------------------------------

    def _donate(self, n: int, moment: datetime.datetime) -> None:
        sponsor, yuan, note = DONATIONS[n]
        with clock_at(moment):
            do_record_donation(
                self.fund,
                client_id=uuid.UUID(int=self.rng.getrandbits(128)),
                sponsor=sponsor,
                amount=yuan * 100,
                received_on=timezone.localdate() - datetime.timedelta(days=1),
                receipt_no=f"LYXJ-{timezone.localdate():%Y%m}-{n + 1:03d}",
                note=note,
                acting_user=self.clerk,
            )
        self._approve_waiting(moment + datetime.timedelta(hours=1))

    def _pay(
        self,
        village: Region,
        fen: int,
        what: str,
        moment: datetime.datetime,
        *,
        wrong: bool = False,
    ) -> None:
        """The first clerk proposes paying the supplier for a shop's goods; the second approves
        it the next morning, or it waits for the next donation when the fund runs short."""
        day = timezone.localtime(moment).date()
        with clock_at(moment):
            payment = do_propose_payment(
                self.fund,
                client_id=uuid.UUID(int=self.rng.getrandbits(128)),
                purpose=Purpose.SHOP_GOODS,
                payee=SUPPLIER,
                amount=fen,
                document_no=f"FP{day:%Y%m%d}{village.code[-2:]}",
                village=village,
                note=f"{village.name}信用超市{what}",
                acting_user=self.clerk,
            )
        decided = local(day + datetime.timedelta(days=1), 9, 30)
        if wrong:
            with clock_at(decided):
                do_reject_payment(payment, reason=REJECT_REASON, acting_user=self.checker)
            return
        self.waiting.append(payment)
        self._approve_waiting(decided)

    def _approve_waiting(self, moment: datetime.datetime) -> None:
        if moment > self.end:
            return
        still = []
        for payment in self.waiting:
            try:
                with clock_at(moment):
                    do_approve_payment(payment, acting_user=self.checker)
            except DomainError:
                still.append(payment)  # the fund is short: it waits for the next donation
        self.waiting = still

    # --- week by week --------------------------------------------------------------------------

    def week(self, week: int, monday: datetime.datetime) -> None:
        """The week's shop days, restocks, conversions, gifts, cards and donations."""
        rng = self.rng
        for n in range(1, len(DONATIONS)):
            if week == n * self.weeks // len(DONATIONS):
                self._donate(n, monday + datetime.timedelta(days=2, hours=3))
        if week == max(1, self.weeks // 6):
            for shelf in self.shelves:
                self._bind_cards(shelf, monday + datetime.timedelta(days=1, hours=1))
        # The stories first: the people in them keep their points for them until then.
        later = monday + datetime.timedelta(days=3, hours=11)
        if week >= self.weeks // 4 and "family" not in self.stories:
            self._family_gift(later)
        if week >= self.weeks // 3 and "gifts" not in self.stories:
            self._gifts(self.shelves[0], later)
        first_of_month = timezone.localtime(monday).day <= 7
        for index, shelf in enumerate(self.shelves):
            if first_of_month and week:
                self._restock(shelf, monday + datetime.timedelta(hours=2))
            if (week + index) % 2 == 0 and week >= 1:
                self._shop_day(shelf, monday + datetime.timedelta(days=5, hours=1))
            if week >= 2 and rng.random() < 0.5:
                self._conversions(shelf, monday + datetime.timedelta(days=3, hours=12))
        if week >= self.weeks // 3 and not self.locked:
            self._lock_and_unlock(self.shelves[0], monday + datetime.timedelta(days=5, hours=2))
        with clock_at(min(monday + datetime.timedelta(days=7, hours=1), self.end)):
            lapse_due_gifts(timezone.now())

    def _bind_cards(self, shelf: Shelf, moment: datetime.datetime) -> None:
        """The committee binds cards for elderly villagers without a smartphone, those who
        have earned points first (they asked for one, to use them)."""
        s = shelf.staff
        logins = set(
            User.objects.filter(resident__village=s.village).values_list("resident_id", flat=True)
        )
        born_by = datetime.date(timezone.localtime(moment).year - OLD, 12, 31)
        old = [r for r in s.adults if r.pk not in logins and r.birth_date <= born_by]
        points = balances([r.pk for r in old])
        old.sort(key=lambda r: (-points[(r.pk, Currency.SPENDABLE)], r.birth_date))
        for resident in old[:CARDS_PER_VILLAGE]:
            self._bind(shelf, resident, moment)

    def _bind(self, shelf: Shelf, resident: Resident, moment: datetime.datetime) -> None:
        if resident.pk in shelf.cards:
            return
        number, pin = card_number(self.rng), card_pin(self.rng)
        with clock_at(moment):
            card = do_bind_card(
                resident,
                card_number=number,
                pin=pin,
                pin_again=pin,
                acting_user=shelf.staff.chair,
            )
        shelf.cards[resident.pk] = (card, number, pin)

    def _restock(self, shelf: Shelf, moment: datetime.datetime) -> None:
        """At the start of the month the committee tops up what runs low; the fund pays."""
        fen = 0
        for goods, item in zip(shelf.goods, ITEMS, strict=True):
            goods.refresh_from_db(fields=["stock"])
            if goods.stock * 2 > item.stock:
                continue
            with clock_at(moment):
                do_move_stock(
                    goods,
                    change=item.stock - goods.stock,
                    note="月初补货",
                    acting_user=shelf.staff.chair,
                )
            fen += (item.stock - goods.stock) * item.cost_fen
            goods.stock = item.stock
        if fen:
            self._pay(shelf.staff.village, fen, "月初补货", moment)
            # Once, the same invoice is entered twice: the checker turns the copy down.
            if shelf is self.shelves[0] and "duplicate" not in self.stories:
                self.stories.add("duplicate")
                later = moment + datetime.timedelta(hours=1)
                self._pay(shelf.staff.village, fen, "月初补货", later, wrong=True)

    # --- the shop ------------------------------------------------------------------------------

    def _customers(self, shelf: Shelf) -> list[tuple[Resident, User | None]]:
        """Who may come: villagers with the app (pay code) and card holders."""
        people: list[tuple[Resident, User | None]] = [
            (u.resident, u) for u in shelf.staff.villagers if u.resident is not None
        ]
        holders = Resident.objects.filter(pk__in=list(shelf.cards)).select_related("village")
        return people + [(r, None) for r in holders]

    def _basket(self, shelf: Shelf, points: int) -> list[tuple[Goods, int]]:
        """What a villager picks with ``points`` to spend: one or two goods they can afford."""
        rng = self.rng
        basket: list[tuple[Goods, int]] = []
        for goods in rng.sample(shelf.goods, len(shelf.goods)):
            if len(basket) == 2:
                break
            if goods.price <= points and goods.stock > 0 and rng.random() < 0.5:
                basket.append((goods, 1))
                points -= goods.price
        return basket

    def _shop_day(self, shelf: Shelf, moment: datetime.datetime) -> None:
        """Saturday morning at the shop: those with points to spend come by, some of them."""
        rng = self.rng
        minute = 0
        customers = self._customers(shelf)
        # Above the base (the score account holds the points above it) with points to spend.
        points = balances([r.pk for r, _login in customers])
        reserved = self._reserved()
        for resident, login in customers:
            if login is not None and login.pk in reserved:
                continue
            spendable = points[(resident.pk, Currency.SPENDABLE)]
            if points[(resident.pk, Currency.SCORE)] <= 0 or spendable < 10 or rng.random() < 0.4:
                continue
            # Most keep some points for coupons, or for something dearer later.
            basket = self._basket(shelf, min(spendable, rng.choice([30, 50, 80, 120])))
            if not basket:
                continue
            minute += rng.randint(3, 25)
            at = moment + datetime.timedelta(minutes=minute)
            redemption = self._redeem(shelf, resident, login, basket, at)
            # Once, in the first village, a villager took the wrong size of something dear.
            dear = len(basket) > 1 or any(g.price >= 30 for g, _q in basket)
            if redemption is not None and dear and not self.cancelled and shelf is self.shelves[0]:
                self._cancel(shelf, redemption, at + datetime.timedelta(minutes=8))

    def _redeem(
        self,
        shelf: Shelf,
        resident: Resident,
        login: User | None,
        basket: list[tuple[Goods, int]],
        at: datetime.datetime,
    ) -> Redemption | None:
        client_id = uuid.UUID(int=self.rng.getrandbits(128))
        try:
            with clock_at(at):
                customer = self._identify(shelf, resident, login)
                lines: list[tuple[Goods | int, int]] = [(g, q) for g, q in basket]
                redemption = do_redeem(
                    shelf.shop, customer, lines, client_id=client_id, acting_user=shelf.keeper
                )
                if "double" not in self.stories:
                    # The keeper taps 确认兑换 twice: the second tap finds the first redemption.
                    self.stories.add("double")
                    again = do_redeem(
                        shelf.shop, customer, lines, client_id=client_id, acting_user=shelf.keeper
                    )
                    assert again.pk == redemption.pk
        except DomainError:
            return None  # a monthly limit reached, or out of stock: they try another time
        for goods, quantity in basket:
            goods.stock -= quantity
        return redemption

    def _identify(self, shelf: Shelf, resident: Resident, login: User | None) -> Customer:
        if login is not None:
            code, _expires = issue_code(resident)
            return identify(code=code, acting_user=shelf.keeper)
        # A card's PIN is checked in a transaction of its own (cards.pins), which cannot nest in
        # the one transaction the demo is built in: the card pays as after a right PIN.
        return Customer(resident=resident, via="card")

    def _cancel(self, shelf: Shelf, redemption: Redemption, at: datetime.datetime) -> None:
        """Once: the villager took the wrong size; the keeper cancels on the spot."""
        with clock_at(at):
            do_cancel_redemption(redemption, reason=CANCEL_REASON, acting_user=shelf.keeper)
        for line in redemption.lines.all():
            goods = next(g for g in shelf.goods if g.pk == line.goods_id)
            goods.stock += line.quantity
        self.cancelled = True

    # --- coupons -------------------------------------------------------------------------------

    def _convert(self, login: User, points: int, moment: datetime.datetime) -> bool:
        resident = login.resident
        assert resident is not None
        with clock_at(moment):
            if quote(resident).convertible < points:
                return False
            do_convert(
                resident,
                points,
                client_id=uuid.UUID(int=self.rng.getrandbits(128)),
                acting_user=login,
            )
        return True

    def _conversions(self, shelf: Shelf, moment: datetime.datetime) -> None:
        """Now and then a villager with the app turns some points into coupons."""
        logins = [u for u in shelf.staff.villagers if u.resident is not None]
        if not logins:
            return
        login = self.rng.choice(logins)
        assert login.resident is not None
        if login.pk in self._reserved():
            return
        with clock_at(moment):
            convertible = quote(login.resident).convertible
        # In tens, and never all of it: the shop is nearer than the merchants for some things.
        points = min(self.rng.choice([10, 20, 20, 30, 50]), convertible * 2 // 3 // 10 * 10)
        if points:
            self._convert(login, points, moment)

    def _reserved(self) -> set[int]:
        """The logins whose points wait for their story: the son who gives his mother coupons,
        and the demo villager."""
        reserved: set[int] = set()
        for shelf in self.shelves:
            logins = [u for u in shelf.staff.villagers if u.resident is not None]
            if "family" not in self.stories:
                reserved |= {u.pk for u in logins if self._mother_of(u) is not None}
            if "gifts" not in self.stories and shelf is self.shelves[0] and logins:
                reserved.add(logins[0].pk)
        return reserved

    def _mother_of(self, login: User) -> Resident | None:
        """The login's mother on the roll, if she has no login of her own."""
        assert login.resident is not None
        return (
            Resident.objects.filter(
                household_id=login.resident.household_id, relation="母亲", status="active"
            )
            .exclude(pk__in=User.objects.filter(resident__isnull=False).values("resident"))
            .first()
        )

    def _coupon_of(self, resident: Resident, fen: int = 5000) -> Coupon | None:
        return (
            Coupon.objects.filter(owner=resident, status=CouponStatus.LIVE, remaining_fen=fen)
            .order_by("pk")
            .first()
        )

    def _family_gift(self, moment: datetime.datetime) -> None:
        """As in the story: a son turns 20 points into 200 yuan of coupons and gives 50 yuan of
        them to his mother, who has no smartphone and pays with her card."""
        for shelf in self.shelves:
            for login in shelf.staff.villagers:
                if login.resident is None:
                    continue
                mother = self._mother_of(login)
                if mother is None or not self._convert(login, 20, moment):
                    continue
                self._bind(shelf, mother, moment - datetime.timedelta(days=2))
                coupon = self._coupon_of(login.resident)
                assert coupon is not None
                with clock_at(moment + datetime.timedelta(minutes=5)):
                    do_gift(coupon, receiver_id=mother.pk, acting_user=login)
                self.stories.add("family")
                return

    def _gifts(self, shelf: Shelf, moment: datetime.datetime) -> None:
        """In the first village: the demo villager gives a coupon to a family member without a
        login (delivered at once), a neighbour gives her one she accepts, and another is
        declined."""
        logins = [u for u in shelf.staff.villagers if u.resident is not None]
        with clock_at(moment):
            givers = [u for u in logins if u.resident and quote(u.resident).convertible >= 10]
        if len(logins) < 3 or not givers:
            return
        demo = logins[0]  # the demo villager's login (build.py)
        self._gift_home(shelf, demo, moment - datetime.timedelta(hours=2))
        offers: list[tuple[User, User | None]] = [
            (next((u for u in givers if u != demo), givers[0]), demo),
            (givers[-1], next(u for u in logins if u not in (givers[-1], demo))),
        ]
        for n, (giver, receiver) in enumerate(offers):
            assert giver.resident is not None
            assert receiver is not None
            assert receiver.resident is not None
            if giver == receiver or not self._convert(giver, 5, moment):
                continue
            coupon = self._coupon_of(giver.resident)
            assert coupon is not None
            with clock_at(moment + datetime.timedelta(minutes=5)):
                gift = do_gift(coupon, phone=receiver.resident.phone, acting_user=giver)
            with clock_at(moment + datetime.timedelta(hours=20)):
                if n == 0:
                    do_accept_gift(gift, acting_user=receiver)
                else:
                    do_decline_gift(gift, acting_user=receiver)
        self.stories.add("gifts")

    def _gift_home(self, shelf: Shelf, login: User, moment: datetime.datetime) -> None:
        """The demo villager gives 50 yuan to a family member without a login, who gets a card."""
        resident = login.resident
        assert resident is not None
        family = (
            Resident.objects.filter(household_id=resident.household_id, status="active")
            .exclude(pk=resident.pk)
            .exclude(pk__in=User.objects.filter(resident__isnull=False).values("resident"))
            .filter(pk__in=[r.pk for r in shelf.staff.adults])
            .order_by("birth_date")
            .first()
        )
        if family is None:
            return
        coupon = self._coupon_of(resident)
        if coupon is None and not self._convert(login, 5, moment):
            return
        coupon = coupon or self._coupon_of(resident)
        assert coupon is not None
        self._bind(shelf, family, moment - datetime.timedelta(hours=2))
        with clock_at(moment):
            do_gift(coupon, receiver_id=family.pk, acting_user=login)

    def _offer_to_demo(self, moment: datetime.datetime) -> None:
        """Just before the end, a neighbour offers the demo villager a coupon: it waits for
        them to accept it on their phone."""
        logins = [u for u in self.shelves[0].staff.villagers if u.resident is not None]
        demo = logins[0]
        for giver in logins[1:]:
            assert giver.resident is not None
            assert demo.resident is not None
            coupon = self._coupon_of(giver.resident)
            if coupon is None and not self._convert(giver, 5, moment):
                continue
            coupon = coupon or self._coupon_of(giver.resident)
            assert coupon is not None
            with clock_at(moment + datetime.timedelta(minutes=3)):
                do_gift(coupon, phone=demo.resident.phone, acting_user=giver)
            return

    # --- cards ---------------------------------------------------------------------------------

    def _lock_and_unlock(self, shelf: Shelf, moment: datetime.datetime) -> None:
        """An old villager forgets her PIN: five wrong tries lock the card, and the committee
        unlocks it the next morning when she comes with her ID card."""
        if not shelf.cards:
            return
        card, _number, _pin = next(iter(shelf.cards.values()))
        self._write_lock(card, shelf.keeper, moment + datetime.timedelta(minutes=MAX_PIN_TRIES))
        with clock_at(moment + datetime.timedelta(days=2, hours=7)):
            do_unlock_card(card, reason=UNLOCK_REASON, acting_user=shelf.staff.chair)
        self.locked = True

    @staticmethod
    def _write_lock(card: Card, keeper: User, moment: datetime.datetime) -> None:
        """Write the lock the wrong PINs make: the count, the lock and its audit row.

        The cards app checks a PIN in a transaction of its own, which cannot nest in the one
        transaction the demo is built in; so the demo writes what five wrong PINs would.
        """
        Card.objects.filter(pk=card.pk).update(failed_pins=MAX_PIN_TRIES, locked_at=moment)
        card.refresh_from_db()
        with clock_at(moment):
            audit.record(
                keeper,
                "cards.card_locked",
                card,
                region_code=card.resident.village.code,
                after={"failed_pins": card.failed_pins, "locked_at": moment},
                reason="连续输错密码",
            )

    # --- at the end ----------------------------------------------------------------------------

    def finish(self) -> None:
        """A gift waiting for the demo villager, and the payments still owed approved."""
        if not self.locked and self.shelves[0].cards:
            self._lock_and_unlock(self.shelves[0], self.end - datetime.timedelta(days=3))
        self._offer_to_demo(self.end - datetime.timedelta(hours=20))
        self._approve_waiting(self.end - datetime.timedelta(hours=1))
