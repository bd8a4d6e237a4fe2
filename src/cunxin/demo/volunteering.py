"""Volunteering in the demo villages: the four usual teams, and about two activities a month in
each village, from publication through sign-up, attendance and completion.

Everything goes through the volunteering actions at the simulated time: the organiser (a
committee member) publishes an activity about ten days ahead, villagers sign up (themselves if
they have a login, else the collector signs them up), some find a full position and wait, some
withdraw, the collector checks people in and out by hand on the day (a villager with a login
scans the code), and the organiser completes the activity, which turns the hours into reward
records that the weekly review, notice and effect then carry like any other record.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from cunxin.accounts.models import User
from cunxin.demo.world import VillageStaff, clock_at, local
from cunxin.people.models import Gender, Resident
from cunxin.regions.models import Region
from cunxin.volunteering.actions.activities import (
    ActivityData,
    PositionData,
    do_cancel_activity,
    do_create_activity,
    do_publish_activity,
)
from cunxin.volunteering.actions.attendance import (
    attendance_token,
    do_check_in,
    do_check_out,
    do_scan,
)
from cunxin.volunteering.actions.completion import do_complete_activity
from cunxin.volunteering.actions.signups import do_sign_up, do_withdraw
from cunxin.volunteering.actions.teams import do_add_member, do_create_team, do_set_leader
from cunxin.volunteering.models import Activity, SignUp, SignUpStatus, Team


def _age(resident: Resident, day: datetime.date) -> int:
    born = resident.birth_date
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True)
class TeamPlan:
    """One of the teams every demo village sets up, and who joins it."""

    name: str
    description: str
    size: int
    fits: Callable[[Resident, int], bool]  # (resident, age) → may join


TEAMS = [
    TeamPlan(
        "党员先锋队",
        "村党员带头参加防汛巡查、秋收帮扶和河道清理",
        9,
        lambda r, age: 35 <= age <= 70,
    ),
    TeamPlan(
        "巾帼服务队",
        "妇女志愿者：敬老助老、庭院整治、移风易俗宣传",
        9,
        lambda r, age: r.gender == Gender.FEMALE and 25 <= age <= 65,
    ),
    TeamPlan(
        "治安联防队",
        "夜间巡逻、集市交通劝导、矛盾纠纷排查",
        7,
        lambda r, age: r.gender == Gender.MALE and 25 <= age <= 60,
    ),
    TeamPlan(
        "青年志愿者",
        "青年志愿者：政策宣传、植树护绿、留守儿童课业辅导",
        8,
        lambda r, age: 18 <= age <= 40,
    ),
]

SATURDAY, SUNDAY, FRIDAY = 5, 6, 4
ALL_YEAR = frozenset(range(1, 13))


@dataclass(frozen=True)
class Plan:
    """An activity a village holds, on a weekday of a week, in the months it fits."""

    title: str
    team: str
    item: str  # the catalogue's per-hour item the hours are paid through
    place: str
    weekday: int
    start: tuple[int, int]  # local hour, minute
    minutes: int
    positions: tuple[tuple[str, int, str], ...]  # name, quota, planned hours
    description: str
    months: frozenset[int] = ALL_YEAR


PLANS = [
    Plan(
        "周六河道清理",
        "党员先锋队",
        "AP-R07",
        "村东河道",
        SATURDAY,
        (8, 0),
        210,
        (("打捞清理", 4, "3"), ("垃圾转运", 2, "3")),
        "清理河道漂浮物和岸边垃圾，村里备好夹子和垃圾袋，请自带手套、胶鞋。",
        frozenset(range(3, 12)),
    ),
    Plan(
        "敬老院义务打扫",
        "巾帼服务队",
        "PW-R01",
        "街道敬老院",
        SATURDAY,
        (8, 30),
        180,
        (("打扫卫生", 3, "2.5"), ("陪老人拉家常", 2, "2")),
        "打扫房间、拆洗被褥，陪老人说说话。",
    ),
    Plan(
        "垃圾分类宣传",
        "青年志愿者",
        "PW-R06",
        "村委会广场",
        SUNDAY,
        (9, 0),
        150,
        (("入户宣传", 3, "2"), ("广场讲解", 1, "2.5")),
        "发放垃圾分类明白纸，入户讲解四分类，现场答疑。",
    ),
    Plan(
        "防汛巡查",
        "党员先锋队",
        "PW-R02",
        "村北河堤",
        SATURDAY,
        (7, 0),
        240,
        (("巡堤查险", 4, "4"), ("值班记录", 1, "4")),
        "汛期巡查河堤、排水沟和危旧房，发现险情立即报告村两委。",
        frozenset({6, 7, 8, 9}),
    ),
    Plan(
        "夜间治安巡逻",
        "治安联防队",
        "GV-R01",
        "全村主要街巷",
        FRIDAY,
        (19, 0),
        180,
        (("街巷巡逻", 3, "3"), ("村口值守", 1, "3")),
        "两人一组巡查街巷，检查门户、电动车充电和柴草堆放。",
    ),
    Plan(
        "秋收帮扶",
        "党员先锋队",
        "PW-R01",
        "村西玉米地",
        SATURDAY,
        (7, 30),
        240,
        (("帮收玉米", 5, "4"), ("运送晾晒", 1, "3")),
        "帮留守老人和困难户收玉米、运送晾晒。",
        frozenset({9, 10}),
    ),
    Plan(
        "反电诈宣传进农户",
        "青年志愿者",
        "PW-R05",
        "各村民小组",
        SUNDAY,
        (9, 0),
        150,
        (("入户宣传", 4, "2"),),
        "入户讲解常见电信诈骗手法，帮助老人安装国家反诈中心APP。",
    ),
    Plan(
        "冬季清雪除冰",
        "党员先锋队",
        "AP-R06",
        "村内主干道",
        SUNDAY,
        (8, 0),
        180,
        (("清扫积雪", 6, "3"),),
        "清扫主干道和学校门口积雪，撒融雪剂。",
        frozenset({12, 1, 2}),
    ),
    Plan(
        "春季植树护绿",
        "青年志愿者",
        "PW-R01",
        "村南林带",
        SATURDAY,
        (8, 0),
        180,
        (("挖坑栽树", 4, "3"), ("浇水护苗", 2, "2")),
        "补植林带缺株，栽后浇足定根水。",
        frozenset({3, 4}),
    ),
    Plan(
        "留守儿童课业辅导",
        "青年志愿者",
        "PW-R07",
        "村文化活动室",
        SUNDAY,
        (14, 0),
        180,
        (("课业辅导", 2, "2.5"), ("陪读游戏", 2, "2")),
        "辅导寒暑假作业，陪孩子们读书、做游戏。",
        frozenset({1, 2, 7, 8}),
    ),
    Plan(
        "庭院环境集中整治",
        "巾帼服务队",
        "AP-R06",
        "村内街巷",
        SATURDAY,
        (8, 0),
        180,
        (("清扫街巷", 4, "3"), ("整理柴草", 2, "3")),
        "清理街巷垃圾和乱堆乱放的柴草，配合美丽庭院评比。",
    ),
    Plan(
        "集市交通安全劝导",
        "治安联防队",
        "GV-R02",
        "李营集市路口",
        SUNDAY,
        (7, 30),
        180,
        (("路口劝导", 3, "3"),),
        "劝导骑电动车戴头盔、不逆行、不违规载人。",
    ),
]
PUBLISH_AHEAD = datetime.timedelta(days=9)
NO_SHOW = 0.07
# After these first weeks more villagers than the eager few volunteer.
WIDENS_AFTER = datetime.timedelta(weeks=8)
# How long after the end the organiser completes the activity (its hours become records).
COMPLETE_AFTER = datetime.timedelta(minutes=40)


def set_up_teams(rng: random.Random, s: VillageStaff, moment: datetime.datetime) -> dict[str, Team]:
    """The village's four teams with their members and leaders, set up before the simulated
    months; the exemplary families' adults and the villagers with a login are among the
    members."""
    teams: dict[str, Team] = {}
    today = timezone.localtime(moment).date()
    taken: set[int] = set()
    keen = s.exemplary | {u.resident_id for u in s.villagers if u.resident_id}
    exemplary = [r for r in s.adults if r.pk in keen]
    others = [r for r in s.adults if r.pk not in keen]
    rng.shuffle(others)
    with clock_at(moment):
        for plan in TEAMS:
            team = do_create_team(
                s.village, name=plan.name, description=plan.description, acting_user=s.organiser
            )
            fits = [r for r in exemplary if r.pk not in taken and plan.fits(r, _age(r, today))]
            fits = fits[: plan.size // 2]
            fits += [r for r in others if r.pk not in taken and plan.fits(r, _age(r, today))][
                : plan.size - len(fits)
            ]
            for resident in fits:
                do_add_member(team, resident, acting_user=s.organiser)
                taken.add(resident.pk)
            if fits:
                # The leader: the oldest member of an exemplary family, else the oldest member.
                leader = min(fits, key=lambda r: (r.pk not in s.exemplary, r.birth_date))
                do_set_leader(team, leader, acting_user=s.organiser)
            teams[plan.name] = team
    return teams


def able(rng: random.Random, s: VillageStaff, day: datetime.date, n: int) -> list[Resident]:
    """Up to ``n`` villagers picked at random among the adults, those over 70 left out."""
    return [r for r in rng.sample(s.adults, n) if _age(r, day) <= 70]


@dataclass(frozen=True)
class Slot:
    """When a planned activity takes place."""

    plan: Plan
    starts_at: datetime.datetime

    @property
    def ends_at(self) -> datetime.datetime:
        return self.starts_at + datetime.timedelta(minutes=self.plan.minutes)

    @property
    def done_at(self) -> datetime.datetime:
        """When the organiser completes it."""
        return self.ends_at + COMPLETE_AFTER


def next_weekday(plan: Plan, after: datetime.datetime) -> datetime.datetime:
    """The plan's first start (its weekday, its time of day) at or after the moment."""
    day = timezone.localtime(after).date()
    while True:
        if day.weekday() == plan.weekday:
            starts_at = local(day, *plan.start)
            if starts_at >= after:
                return starts_at
        day += datetime.timedelta(days=1)


def activity_data(
    region: Region, plan: Plan, starts_at: datetime.datetime, team: Team | None
) -> ActivityData:
    return ActivityData(
        region=region,
        title=plan.title,
        place=plan.place,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=plan.minutes),
        sign_up_deadline=starts_at - datetime.timedelta(hours=12),
        item_code=plan.item,
        positions=[PositionData(n, q, Decimal(h)) for n, q, h in plan.positions],
        description=plan.description,
        team=team,
    )


def publish(data: ActivityData, at: datetime.datetime, organiser: User) -> Activity:
    """The organiser drafts the activity and publishes it at once."""
    with clock_at(at):
        activity = do_create_activity(data, acting_user=organiser)
        return do_publish_activity(activity, acting_user=organiser)


def sign_up(
    rng: random.Random,
    activity: Activity,
    people: list[tuple[Resident, User]],
    until: datetime.datetime,
) -> list[SignUp]:
    """Each (villager, who signs them up) signs up in turn between publication and ``until``;
    without a free place they join the waiting list."""
    opens = activity.published_at or until - PUBLISH_AHEAD
    span = (until - opens).total_seconds()
    made = []
    for i, (resident, user) in enumerate(people):
        offset = span * (i + rng.random()) / (len(people) + 1)
        with clock_at(opens + datetime.timedelta(seconds=offset)):
            made.append(do_sign_up(activity, resident, acting_user=user))
    return made


@dataclass
class Volunteering:
    """The volunteering of one village across the simulated weeks."""

    staff: VillageStaff
    teams: dict[str, Team]
    members: dict[str, list[Resident]]
    since: datetime.datetime  # the first simulated week
    last: Plan | None = None

    @classmethod
    def start(cls, rng: random.Random, s: VillageStaff, since: datetime.datetime) -> Volunteering:
        """The village sets up its teams, three weeks before the simulated weeks ``since``."""
        moment = since - datetime.timedelta(days=20)
        teams = set_up_teams(rng, s, moment)
        people = {r.pk: r for r in s.adults}
        members = {
            name: [
                people[m.resident_id]
                for m in team.members.filter(left_on__isnull=True).order_by("pk")
                if m.resident_id in people
            ]
            for name, team in teams.items()
        }
        return cls(staff=s, teams=teams, members=members, since=since)

    def _plan(self, rng: random.Random, day: datetime.date) -> Plan:
        """An activity that fits the month, the season's own more often than the all-year
        ones, and never the same twice in a row."""
        fitting = [p for p in PLANS if day.month in p.months and p is not self.last]
        weights = [1 if p.months == ALL_YEAR else 4 for p in fitting]
        self.last = rng.choices(fitting, weights)[0]
        return self.last

    def slot(
        self, rng: random.Random, week: datetime.datetime, end: datetime.datetime
    ) -> Slot | None:
        """This week's activity (the week starting at ``week``), if it is over by ``end``."""
        plan = self._plan(rng, timezone.localtime(week + datetime.timedelta(days=3)).date())
        found = Slot(plan, next_weekday(plan, week))
        return found if found.done_at <= end else None

    def _crowd(
        self, rng: random.Random, plan: Plan, size: int, when: datetime.datetime
    ) -> list[tuple[Resident, User]]:
        """Who signs up, in the order they do, and who signs them up (a villager with a login
        does it themselves, the collector does it for the others).

        The exemplary families and the villagers with a login are quick to sign up, then the
        team, then anyone fit for the work. In the first weeks the eager few fill most places;
        as the red vests become an honour (seed 003) more villagers come forward, and the
        organiser keeps half the places for them.
        """
        s = self.staff
        logins = {u.resident_id for u in s.villagers}
        eager = [
            r
            for r in s.adults
            if (r.pk in s.exemplary and rng.random() < 0.8)
            or (r.pk in logins and rng.random() < 0.4)
        ]
        rng.shuffle(eager)
        if when >= self.since + WIDENS_AFTER:
            eager = eager[: (size + 1) // 2]
        team = [r for r in self.members[plan.team] if rng.random() < 0.6]
        rng.shuffle(team)
        chosen: list[Resident] = []
        fit = able(rng, s, timezone.localtime(when).date(), 12)
        for r in eager + team + fit:
            if r not in chosen:
                chosen.append(r)
        chosen = chosen[:size]
        rng.shuffle(chosen)
        return [(r, s.login_of(r) or s.collector) for r in chosen]

    def hold(self, rng: random.Random, slot: Slot) -> Activity:
        """One activity of the village, from publication to completion."""
        s = self.staff
        plan = slot.plan
        data = activity_data(s.village, plan, slot.starts_at, self.teams[plan.team])
        activity = publish(data, slot.starts_at - PUBLISH_AHEAD, s.organiser)
        quota = sum(q for _n, q, _h in plan.positions)
        # One in three is popular: more people than places, a waiting list.
        size = quota + rng.randint(1, 2) if rng.random() < 0.35 else quota - rng.randint(0, 1)
        sign_ups = sign_up(
            rng, activity, self._crowd(rng, plan, size, slot.starts_at), activity.sign_up_deadline
        )
        placed = [x for x in sign_ups if x.status == SignUpStatus.SIGNED_UP]
        if placed and rng.random() < 0.35:
            # Someone cannot come after all; the first on the waiting list moves up.
            leaving = rng.choice(placed)
            with clock_at(activity.sign_up_deadline + datetime.timedelta(hours=1)):
                do_withdraw(leaving, acting_user=s.login_of(leaving.resident) or s.collector)
        self._attend(rng, activity)
        with clock_at(slot.done_at):
            do_complete_activity(activity, acting_user=s.organiser)
        return activity

    def _attend(self, rng: random.Random, activity: Activity) -> None:
        """On the day: the collector checks people in and out by hand as they come and go; a
        villager with a login scans the code on the organiser's phone instead."""
        s = self.staff
        present = [
            x
            for x in SignUp.objects.filter(activity=activity, status=SignUpStatus.SIGNED_UP)
            .select_related("resident", "position")
            .order_by("queued_at", "pk")
            if x.resident_id in s.exemplary or rng.random() > NO_SHOW
        ]
        start, end = activity.starts_at, activity.ends_at
        for x in present:
            arrive = start + datetime.timedelta(minutes=rng.choice([-15, -10, -5, -5, 0, 5, 20]))
            # People stay for their position's hours (a late comer makes up some of the time);
            # now and then one has to leave early.
            planned = datetime.timedelta(hours=float(x.position.planned_hours))
            leave = min(max(arrive, start) + planned, end)
            leave += datetime.timedelta(minutes=rng.randint(0, 15))
            if rng.random() < 0.1:
                leave -= datetime.timedelta(minutes=rng.choice([45, 60, 90]))
            leave = max(leave, arrive + datetime.timedelta(minutes=20))
            login = s.login_of(x.resident)
            if login is not None:
                token = attendance_token(activity)
                with clock_at(arrive):
                    do_scan(token, acting_user=login)
                with clock_at(leave):
                    do_scan(token, acting_user=login)
                continue
            with clock_at(arrive + datetime.timedelta(minutes=2)):
                do_check_in(x, at=arrive, acting_user=s.collector)
            with clock_at(leave + datetime.timedelta(minutes=3)):
                do_check_out(x, at=leave, acting_user=s.collector)

    def cancelled(self, rng: random.Random, week: datetime.datetime) -> Activity:
        """An activity called off the evening before (a storm warning); those signed up are
        told why."""
        plan = self._plan(rng, timezone.localtime(week + datetime.timedelta(days=3)).date())
        starts_at = next_weekday(plan, week)
        s = self.staff
        activity = publish(
            activity_data(s.village, plan, starts_at, self.teams[plan.team]),
            starts_at - PUBLISH_AHEAD,
            s.organiser,
        )
        calls_off = starts_at - datetime.timedelta(hours=15)
        sign_up(
            rng,
            activity,
            self._crowd(rng, plan, 4, starts_at),
            calls_off - datetime.timedelta(hours=2),
        )
        with clock_at(calls_off):
            return do_cancel_activity(
                activity,
                reason="气象台发布暴雨黄色预警，为安全起见活动取消，时间另行通知。",
                acting_user=s.organiser,
            )

    def upcoming(self, rng: random.Random, now: datetime.datetime) -> Activity:
        """An activity published for a few days after ``now``, people signing up for it."""
        s = self.staff
        plan = next(p for p in PLANS if p.title == "敬老院义务打扫")
        starts_at = next_weekday(plan, now + datetime.timedelta(days=3))
        activity = publish(
            activity_data(s.village, plan, starts_at, self.teams[plan.team]),
            now - datetime.timedelta(days=2),
            s.organiser,
        )
        sign_up(rng, activity, self._crowd(rng, plan, 4, starts_at), now)
        return activity


TOWN_PLAN = Plan(
    "“信用+环卫”集中清扫行动",
    "",
    "AP-R06",
    "李营街道各村主要街道",
    SATURDAY,
    (8, 0),
    180,
    (("街道清扫", 12, "3"), ("垃圾清运", 4, "3")),
    "街道信用中心组织各村志愿者集中清扫，村民就近参加，计入志愿服务工时。",
)


def town_activity(
    rng: random.Random, staff: list[VillageStaff], now: datetime.datetime
) -> Activity:
    """An activity the town's credit centre publishes for all its villages, a week and more
    ahead; each village's collector signs up a few of its villagers."""
    village = staff[0].village
    town = village.parent
    assert town is not None
    centre = User.objects.get(phone=CENTRE_PHONE)
    starts_at = next_weekday(TOWN_PLAN, now + datetime.timedelta(days=10))
    activity = publish(
        activity_data(town, TOWN_PLAN, starts_at, None), now - datetime.timedelta(days=1), centre
    )
    day = timezone.localtime(starts_at).date()
    people = [(r, s.collector) for s in staff for r in able(rng, s, day, 3)[:2]]
    sign_up(rng, activity, people, now)
    return activity


# The town credit centre's demo login (build.py).
CENTRE_PHONE = "13800000001"
