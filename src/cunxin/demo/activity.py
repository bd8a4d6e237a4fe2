"""A year of village life for the demo: records in every state, weekly notices, objections
upheld and dismissed, a correction, volunteer teams and activities whose hours become records,
the monthly and yearly honours, the shops, coupons, cards and fund (``spending``), and the
ledger they leave behind.

The clock is moved week by week (``timezone.now`` is patched while the demo is built, and only
then), so every record, notice, activity and honour carries the date it would have had.
"""

from __future__ import annotations

import datetime
import random
import uuid
from contextlib import suppress
from decimal import Decimal

from django.utils import timezone

from cunxin.accounts.models import User
from cunxin.core.errors import DomainError
from cunxin.core.images import sample_image
from cunxin.demo.honours import Honours
from cunxin.demo.spending import Spending
from cunxin.demo.volunteering import Volunteering, town_activity
from cunxin.demo.world import VillageStaff, clock_at
from cunxin.honours.ranking import born_by
from cunxin.people.models import Household, Resident
from cunxin.policy.models import CatalogueItem, Scoring
from cunxin.policy.selectors import catalogue_in_force
from cunxin.records.actions.collect import do_collect, do_collect_team
from cunxin.records.actions.effect import take_effect_due
from cunxin.records.actions.notices import (
    close_finished_notices,
    do_object,
    do_publish_notice,
    do_rule_objection,
)
from cunxin.records.actions.review import do_approve, do_reject, do_request_reversal
from cunxin.records.models import Record, Status
from cunxin.regions.models import Region

DEMO_PASSWORD = "cunxin-demo-2026"

# What collectors record most, by item code (weights): volunteering, tidy courtyards, meetings...
COMMON_REWARDS = {
    "PW-R01": 10,
    "AP-R01": 12,
    "VM-R01": 12,
    "PW-R08": 6,
    "PW-R05": 5,
    "CM-R01": 4,
    "PW-R12": 3,
    "AP-R02": 5,
    "GV-R01": 4,
    "CN-R01": 3,
}
COMMON_PENALTIES = {"AP-P01": 6, "AP-P02": 3, "VM-P01": 3, "GV-P01": 2, "CM-P01": 1}
REJECT_REASONS = ["照片不清楚，无法认定", "与已有记录重复", "行为日期有误，请核实后重新采集"]
OBJECTIONS = [
    ("那天他不在村里，是他儿子去的", True, "经向邻居核实，当天本人未参加，撤销该记录"),
    ("他家门口的垃圾是别人倒的", True, "经调取巡查照片核实，确非本人所为，撤销"),
    ("我觉得分给多了", False, "有签到表和照片为证，记录维持"),
    ("不应该扣分，已经打扫干净了", False, "照片显示当时确有乱倒，事后清理不影响认定，维持"),
]


_CATALOGUES: dict[int, dict[str, CatalogueItem]] = {}


def _catalogue(village: Region, day: datetime.date) -> dict[str, CatalogueItem]:
    # The demo's catalogue does not change while it runs: read it once per village.
    if village.pk not in _CATALOGUES:
        _CATALOGUES[village.pk] = catalogue_in_force(village, day)
    return _CATALOGUES[village.pk]


def _items(
    village: Region, day: datetime.date, weights: dict[str, int]
) -> tuple[list[str], list[int]]:
    catalogue = _catalogue(village, day)
    codes = [c for c in weights if c in catalogue and catalogue[c].active]
    return codes, [weights[c] for c in codes]


def _quantity(rng: random.Random, village: Region, code: str, day: datetime.date) -> Decimal:
    item = _catalogue(village, day)[code]
    if item.scoring == Scoring.FIXED:
        return Decimal(1)
    return Decimal(rng.choice([1, 2, 2, 3, 4]))


def simulate(
    staff: list[VillageStaff], *, weeks: int, seed: int, end: datetime.datetime
) -> dict[str, int]:
    """Run ``weeks`` weeks of village life up to ``end``: collecting, reviewing, notices,
    objections, volunteer activities and honours; returns the records' counts by status."""
    rng = random.Random(seed)
    _CATALOGUES.clear()
    start = end - datetime.timedelta(weeks=weeks)
    for s in staff:
        s.adults = list(
            Resident.objects.filter(
                village=s.village,
                status="active",
                birth_date__lte=(end - datetime.timedelta(days=365 * 19)).date(),
            ).select_related("village")
        )
        s.exemplary = _exemplary(s, end, first=s is staff[0])
    # Before the simulated weeks: the teams are set up, the first village rewards its stars.
    service = [Volunteering.start(rng, s, start) for s in staff]
    honours = Honours(staff, start=start, end=end)
    honours.set_rewards(start - datetime.timedelta(days=20))
    # The shops, the fund and the cards, on a random generator of their own.
    spending = Spending.open(seed, staff, start=start, end=end, weeks=weeks, password=DEMO_PASSWORD)
    for week in range(weeks):
        monday = start + datetime.timedelta(weeks=week)
        if week == 0:
            _exemplary_families(staff, monday + datetime.timedelta(days=1, hours=2))
        if week == 1:
            blacklist_story(staff[0], start, weeks)
        if week in (4, 13, 14):
            blacklist_decisions(staff[0], start, weeks, week)
        last_week = week == weeks - 1
        review_at = monday + datetime.timedelta(days=5, hours=9)
        for index, (s, volunteering) in enumerate(zip(staff, service, strict=True)):
            _collect_week(rng, s, monday, count=rng.randint(2, 4))
            # Every other week each village holds an activity (about two a month); its hours
            # are reviewed this weekend if it is over by then, else the next.
            slot = None
            if (week + index) % 2 == 0:
                slot = volunteering.slot(rng, monday, end)
            elif index == 0 and week == (weeks // 2) | 1:  # an odd week: no activity of its own
                volunteering.cancelled(rng, monday)
            if slot is not None and slot.done_at < review_at:
                volunteering.hold(rng, slot)
                slot = None
            # Review at the weekend; the last week's records wait partly unreviewed.
            with clock_at(review_at):
                _review(rng, s, leave_some=last_week)
            if slot is not None:
                volunteering.hold(rng, slot)
            # Publish on the following Monday, except in the last week (approved, waiting).
            if not last_week:
                moment = monday + datetime.timedelta(days=7, hours=8)
                with clock_at(moment), suppress(DomainError):
                    do_publish_notice(s.village, acting_user=s.chair)
            # Midweek of the notice a villager objects now and then, and the committee rules; in
            # the first village the story is fixed: one upheld, one dismissed, one still open.
            scripted = {2: 0, 3: 2, weeks - 2: 1} if s is staff[0] else {}
            if not last_week and week >= 1 and (week in scripted or rng.random() < 0.3):
                _object_and_rule(
                    rng,
                    s,
                    monday + datetime.timedelta(days=9, hours=20),
                    rule=week < weeks - 2,
                    pick=scripted.get(week),
                )
        # Every day the scheduler runs the effect job (after that morning's notices are out:
        # the notices of a week ago end then); once a week is enough for the demo.
        with clock_at(min(monday + datetime.timedelta(days=7, hours=9), end)):
            take_effect_due(timezone.now())
            close_finished_notices(timezone.now())
        # The honours job runs the same day (it opens last month's drafts from the 8th).
        job = monday + datetime.timedelta(days=7, hours=10)
        if job <= end:
            honours.scheduler(job)
        spending.week(week, monday)
        if week == weeks - 4:
            _one_correction(staff[0], monday + datetime.timedelta(days=7, hours=10))
    with clock_at(end):
        take_effect_due(timezone.now())
        close_finished_notices(timezone.now())
    honours.finish()
    spending.finish()
    # Coming up: an activity of the first village, and one the town holds for all villages.
    service[0].upcoming(rng, end)
    town_activity(rng, staff, end)
    counts: dict[str, int] = {}
    for status in Status.values:
        counts[status] = Record.objects.filter(status=status).count()
    return counts


def _exemplary(s: VillageStaff, end: datetime.datetime, *, first: bool) -> set[int]:
    """The adults of a few families who volunteer often and are never penalised: two or three
    adults under 66, nobody coming of age this year (so that every scored member can reach the
    grade); in the first village the demo villager's family if it fits. Chosen among the first
    households: the blacklist story takes its people from the last ones."""
    adults = {r.pk: r for r in s.adults}
    today = timezone.localtime(end).date()
    too_old = born_by(today, 66)
    # Scored in this year's round (18 by its end), yet too young for the simulated months.
    coming_of_age = datetime.date(today.year - 18, 12, 31)
    fits: list[Household] = []
    own = {u.resident.household_id for u in s.villagers if first and u.resident is not None}
    households = Household.objects.filter(village=s.village).order_by("number")[:60]
    for household in sorted(households, key=lambda h: h.pk not in own):
        members = list(Resident.objects.filter(household=household, status="active"))
        grown = [m for m in members if m.pk in adults]
        if not 2 <= len(grown) <= 3 or any(m.birth_date <= too_old for m in grown):
            continue
        if any(m.pk not in adults and m.birth_date <= coming_of_age for m in members):
            continue
        fits.append(household)
        if len(fits) == EXEMPLARY_FAMILIES:
            break
    return {pk for pk, r in adults.items() if r.household_id in {h.pk for h in fits}}


EXEMPLARY_FAMILIES = 4


def _exemplary_families(staff: list[VillageStaff], moment: datetime.datetime) -> None:
    """The town's lists of civilised families (文明家庭) and beautiful courtyards (美丽庭院) are
    out: each adult of the exemplary families is recorded for both."""
    for s in staff:
        family = [r for r in s.adults if r.pk in s.exemplary]
        for code, note in FAMILY_HONOURS:
            if not family:
                continue
            with clock_at(moment):
                do_collect_team(
                    client_id=uuid.uuid5(uuid.NAMESPACE_URL, f"demo-{code}-{s.village.code}"),
                    residents=family,
                    item_code=code,
                    quantity=Decimal(1),
                    behaviour_date=timezone.localdate(),
                    note=note,
                    photos=[("公示.jpg", sample_image(colour=(230, 230, 220)))],
                    acting_user=s.collector,
                )


# CM-R04 家庭和睦被评为文明家庭, AP-R01 被评为美丽庭院示范户 (both need evidence: the list).
FAMILY_HONOURS = [
    ("CM-R04", "街道文明家庭评选结果已公示"),
    ("AP-R01", "街道美丽庭院示范户评选结果已公示"),
]


def _collect_week(
    rng: random.Random, s: VillageStaff, monday: datetime.datetime, count: int
) -> None:
    people = s.adults
    # The exemplary families are never penalised (that is what makes them exemplary).
    penalised = [r for r in people if r.pk not in s.exemplary]
    for _ in range(count):
        day_offset = rng.randint(0, 4)
        moment = monday + datetime.timedelta(days=day_offset, hours=rng.randint(0, 9))
        day = timezone.localtime(moment).date()
        penalty = rng.random() < 0.15
        codes, weights = _items(s.village, day, COMMON_PENALTIES if penalty else COMMON_REWARDS)
        code = rng.choices(codes, weights)[0]
        with clock_at(moment):
            try:
                if not penalty and code == "PW-R01" and rng.random() < 0.25:
                    do_collect_team(
                        client_id=uuid.UUID(int=rng.getrandbits(128)),
                        residents=rng.sample(people, 4),
                        item_code=code,
                        quantity=_quantity(rng, s.village, code, day),
                        behaviour_date=day,
                        note="村内环境整治志愿服务",
                        acting_user=s.collector,
                    )
                else:
                    do_collect(
                        client_id=uuid.UUID(int=rng.getrandbits(128)),
                        resident=rng.choice(penalised if penalty else people),
                        item_code=code,
                        quantity=_quantity(rng, s.village, code, day),
                        behaviour_date=day,
                        note="",
                        photos=[("photo.jpg", _jpeg(rng))],
                        acting_user=s.collector,
                    )
            except DomainError:
                continue  # a monthly cap reached, as happens: the collector moves on


def _jpeg(rng: random.Random) -> bytes:
    colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
    return sample_image(colour=colour)


def _review(rng: random.Random, s: VillageStaff, *, leave_some: bool) -> None:
    waiting = list(Record.objects.filter(village=s.village, status=Status.COLLECTED).order_by("pk"))
    if leave_some:
        waiting = waiting[: len(waiting) // 2]
    # Nobody reviews what they collected: the chair's own records (the honours' rewards) go
    # to the other member.
    for reviewer in (s.chair, s.organiser):
        theirs = [r for r in waiting if r.collected_by_id != reviewer.pk]
        waiting = [r for r in waiting if r.collected_by_id == reviewer.pk]
        # Only the collector's entries are ever refused (a blurred photo, a duplicate...): the
        # hours of an activity were counted at check-out, an honour was confirmed.
        rejected = {
            r.pk for r in theirs if r.collected_by_id == s.collector.pk and rng.random() < 0.08
        }
        approved = [r.pk for r in theirs if r.pk not in rejected]
        if rejected:
            do_reject(sorted(rejected), reason=rng.choice(REJECT_REASONS), acting_user=reviewer)
        if approved:
            do_approve(approved, acting_user=reviewer)


def _object_and_rule(
    rng: random.Random, s: VillageStaff, moment: datetime.datetime, *, rule: bool, pick: int | None
) -> None:
    with clock_at(moment):
        lines = list(
            Record.objects.filter(
                village=s.village, status=Status.IN_NOTICE, notice__ends_at__gt=timezone.now()
            )
            .exclude(collected_by=s.chair)  # an honour's reward: the committee's own decision
            .order_by("pk")
        )
        if not lines or not s.villagers:
            return
        reason, upheld, ruling = OBJECTIONS[pick] if pick is not None else rng.choice(OBJECTIONS)
        objection = do_object(rng.choice(lines), reason=reason, acting_user=rng.choice(s.villagers))
    if rule:
        with clock_at(moment + datetime.timedelta(days=1, hours=2)):
            do_rule_objection(objection, upheld=upheld, ruling=ruling, acting_user=s.chair)


def _one_correction(s: VillageStaff, moment: datetime.datetime) -> None:
    """A record found to be entered twice is corrected; the correction then goes through
    review and the next notice like any record."""
    if len(s.committee) < 2:
        return
    with clock_at(moment):
        original = (
            Record.objects.filter(
                village=s.village, status=Status.EFFECTIVE, reverses__isnull=True, points__gt=0
            )
            .exclude(resident_id__in=s.exemplary)
            .order_by("pk")
            .first()
        )
        if original is None:
            return
        reversal = do_request_reversal(
            original, reason="与同日另一条记录重复录入，予以更正", acting_user=s.committee[0]
        )
        do_approve([reversal.pk], acting_user=s.committee[1])


# CM-P15 家庭暴力经查实: a serious penalty, which makes the person a blacklist candidate.
SERIOUS = "CM-P15"


def blacklist_story(s: VillageStaff, start: datetime.datetime, weeks: int) -> None:
    """Two villagers get a serious penalty; both are listed; one repairs their credit.

    Runs inside the simulated weeks (the first village's policy lets a listed villager apply
    for repair after two months).
    """
    heads = list(
        Resident.objects.filter(village=s.village, is_head=True, status="active")
        .exclude(phone="")
        .exclude(user__isnull=False)
        .order_by("-household__number")[:2]
    )
    if len(heads) < 2 or weeks < 15:
        return
    # Week 1: the penalties are collected and approved; the weekly notice and effect follow.
    moment = start + datetime.timedelta(weeks=1, days=1, hours=2)
    with clock_at(moment):
        records = [
            do_collect(
                client_id=uuid.uuid5(uuid.NAMESPACE_URL, f"demo-serious-{r.pk}"),
                resident=r,
                item_code=SERIOUS,
                quantity=Decimal(1),
                behaviour_date=timezone.localdate(),
                note="经派出所出警记录查实",
                photos=[("出警记录.jpg", sample_image(colour=(240, 240, 235)))],
                acting_user=s.collector,
            )
            for r in heads
        ]
    with clock_at(moment + datetime.timedelta(hours=3)):
        do_approve([r.pk for r in records], acting_user=s.committee[0])


def blacklist_decisions(s: VillageStaff, start: datetime.datetime, weeks: int, week: int) -> None:
    """Week 4: the committee lists both; week 13: one applies for repair; week 14: repaired."""
    from cunxin.accounts.actions import do_create_user
    from cunxin.accounts.permissions import Role
    from cunxin.blacklist.actions import do_apply_repair, do_confirm_candidate, do_rule_repair
    from cunxin.blacklist.models import BlacklistCase, RepairApplication

    serious = list(
        Record.objects.filter(village=s.village, item__code=SERIOUS, status=Status.EFFECTIVE)
        .select_related("resident")
        .order_by("pk")
    )
    if len(serious) < 2 or weeks < 15:
        return
    moment = start + datetime.timedelta(weeks=week, days=2, hours=2)
    penitent = serious[0].resident
    with clock_at(moment):
        if week == 4:
            for record in serious[:2]:
                do_confirm_candidate(
                    record.resident,
                    reason="家庭暴力经公安机关查实，村信用评审会研究决定列入诚信黑名单",
                    restrictions=["政策扶持", "评优评先"],
                    ends_on=timezone.localdate() + datetime.timedelta(days=365),
                    acting_user=s.committee[0],
                )
        elif week == 13:
            login = do_create_user(
                phone=penitent.phone,
                name=penitent.name,
                password=DEMO_PASSWORD,
                role=Role.VILLAGER,
                region=s.village,
                resident=penitent,
                acting_user=User.objects.get(phone="13800000001"),
            )
            do_apply_repair(
                BlacklistCase.objects.filter(resident=penitent).latest("pk"),
                volunteer_hours=Decimal(36),
                commitment_signed=True,
                text="列入黑名单后参加了十余次环境整治和防汛志愿服务，家庭关系已经和睦，并签署了守信承诺书。",
                commitment_file=("守信承诺书.jpg", sample_image(colour=(250, 245, 230))),
                acting_user=login,
            )
        else:
            do_rule_repair(
                RepairApplication.objects.filter(case__resident=penitent).latest("pk"),
                approve=True,
                reason="志愿服务时长和邻里评价属实，同意信用修复",
                acting_user=s.committee[0],
            )
