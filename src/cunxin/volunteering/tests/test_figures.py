"""The figures the seeds report, and the public board's calendar."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from cunxin.conftest import World, login
from cunxin.policy.actions import do_save_policy
from cunxin.volunteering.actions.activities import do_cancel_activity, do_create_activity
from cunxin.volunteering.actions.completion import do_complete_activity
from cunxin.volunteering.actions.signups import do_sign_up
from cunxin.volunteering.actions.teams import do_create_team
from cunxin.volunteering.selectors import calendar, figures
from cunxin.volunteering.tests.helpers import HOUR, data, held, move_to, published
from cunxin.volunteering.tests.test_completion import attend


def test_figures_of_a_village_and_of_its_town(policy_world: World) -> None:
    w = policy_world
    # Village B pays more a day (its own policy); the town's default is 120 yuan.
    do_save_policy(
        w.village_b,
        values={"name": "庄头村办法", "daily_wage_fen": 16000},
        effective_from=datetime.date(2025, 1, 1),
        acting_user=w.clerk,
    )
    do_create_team(w.village_a, name="党员先锋队", acting_user=w.clerk)
    do_create_team(w.village_a, name="巾帼服务队", acting_user=w.clerk)
    do_create_team(w.village_b, name="治安联防队", acting_user=w.clerk)

    river = held(w, names=["张三", "李秀英", "王丽"])
    attend(w, river, "张三", 4 * 60)
    attend(w, river, "李秀英", 150)  # 2.5 h; 王丽 did not come
    do_complete_activity(river, acting_user=w.committee_a)
    second = held(w, title="清扫村道", names=["张三"], hours=2, positions=[("清扫", 5, "2")])
    attend(w, second, "张三", 120)
    do_complete_activity(second, acting_user=w.committee_a)
    # A town activity, with a villager of B.
    town = published(w, by=w.clerk, region=w.town, title="街道环境整治")
    do_sign_up(town, w.resident("庄德胜"), acting_user=w.collector_b)
    town = move_to(w, town, timezone.now() - 5 * HOUR)
    attend(w, town, "庄德胜", 4 * 60, by=w.collector_b)
    do_complete_activity(town, acting_user=w.clerk)
    # Neither a published nor a cancelled activity counts.
    do_cancel_activity(published(w, title="取消的"), reason="下雨", acting_user=w.committee_a)
    published(w, title="将来的")

    a = figures(w.village_a, timezone.localdate().year)
    assert (a.teams, a.volunteers, a.activities, a.hours) == (2, 2, 2, 8.5)
    assert a.labour_value_fen == 8.5 * 12000 / 8  # 127.50 yuan
    b = figures(w.village_b)
    assert (b.teams, b.volunteers, b.activities, b.hours) == (1, 1, 0, 4.0)
    assert b.labour_value_fen == 4 * 16000 // 8
    t = figures(w.town, timezone.localdate().year)
    assert (t.teams, t.volunteers, t.activities, t.hours) == (3, 3, 3, 12.5)
    assert t.labour_value_fen == int(Decimal("8.5") * 12000 / 8) + 8000
    # Another year holds nothing.
    assert figures(w.town, 2001).hours == 0
    # The page shows them to the committee, for the town to the centre.
    page = login(w.committee_a).get("/volunteering/figures/").content.decode()
    assert "127.50" in page
    town_page = login(w.clerk).get(f"/volunteering/figures/?region={w.town.pk}&year=all")
    assert "207.50" in town_page.content.decode()


def test_the_calendar_holds_the_villages_and_its_towns_coming_activities(
    policy_world: World,
) -> None:
    w = policy_world
    mine = published(w, title="本村活动")
    town = published(w, by=w.clerk, region=w.town, title="街道活动")
    published(w, by=w.clerk, region=w.village_b, title="庄头村活动")
    later = published(
        w, title="下个月的活动", starts_at=timezone.now() + datetime.timedelta(days=40)
    )
    do_cancel_activity(published(w, title="取消的"), reason="下雨", acting_user=w.committee_a)
    do_create_activity(data(w, title="草稿"), acting_user=w.committee_a)
    found = calendar(w.village_a, timezone.localdate(), 31)
    assert {a.title for a in found} == {mine.title, town.title}
    assert later.title in {a.title for a in calendar(w.village_a, timezone.localdate(), 60)}
