"""``cunxin carry_over --village CODE --period-end YYYY-MM-DD --user PHONE [--dry-run]``.

The same action as the web page: ``--dry-run`` prints, per resident, the score and spendable
points before and after, and writes nothing; without it the carry-over is done (once: running
it again for the same village and period end changes nothing and says so).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cunxin.accounts.models import User
from cunxin.accounts.permissions import Perm
from cunxin.core.errors import DomainError
from cunxin.core.scoping import may
from cunxin.records.actions.carryover import CarryOverPlan, do_carry_over, plan_carry_over
from cunxin.regions.models import Level, Region


class Command(BaseCommand):
    help = "Carry a village's points over at a period end (结转), acting as the given user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--village", required=True, help="12-digit code of the village")
        parser.add_argument(
            "--period-end", required=True, type=datetime.date.fromisoformat, help="YYYY-MM-DD"
        )
        parser.add_argument("--user", required=True, help="phone number of the acting user")
        parser.add_argument("--dry-run", action="store_true", help="show what would change only")
        parser.add_argument("--all", action="store_true", help="list unchanged residents too")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(phone=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"没有手机号为 {options['user']} 的有效账号。")
        village = Region.objects.filter(code=options["village"], level=Level.VILLAGE).first()
        if village is None or not may(user, Perm.CARRY_OVER, village.code):
            raise CommandError(f"找不到村 {options['village']}，或该账号无权结转。")
        period_end: datetime.date = options["period_end"]
        try:
            if options["dry_run"]:
                plan = plan_carry_over(village, period_end)
                self._print(plan, everyone=options["all"])
                if plan.done is not None:
                    self.stdout.write(f"注意：本期已于 {plan.done.run_at:%Y-%m-%d %H:%M} 结转过。")
                self.stdout.write("预览（未结转）。")
                return
            result = do_carry_over(village, period_end, acting_user=user)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        run = result.run
        if not result.created:
            self.stdout.write(
                f"{village.name} {period_end} 已于 {run.run_at:%Y-%m-%d %H:%M} 结转过，未做任何改动。"
            )
            return
        assert result.plan is not None
        self._print(result.plan, everyone=options["all"])
        self.stdout.write(
            f"结转完成：{run.residents_changed} 人变动，退回信用分 {run.score_returned}，"
            f"作废积分 {run.spendable_returned}，结清记录 {run.records_closed} 条。"
        )

    def _print(self, plan: CarryOverPlan, *, everyone: bool) -> None:
        self.stdout.write(
            f"{plan.village.name}（{plan.village.code}）截至 {plan.period_end}："
            f"{plan.mode_label} {plan.percent}%，"
            f"未用积分{'作废' if plan.policy.unspent_points_expire else '保留'}"
        )
        self.stdout.write("村民\t信用分(前→后)\t可用积分(前→后)")
        for line in plan.lines if everyone else plan.changed:
            self.stdout.write(
                f"{line.name}\t{line.score_before}→{line.score_after}\t"
                f"{line.spendable_before}→{line.spendable_after}"
            )
        self.stdout.write(
            f"合计：{len(plan.changed)} 人变动，退回信用分 {plan.score_returned}，"
            f"作废积分 {plan.spendable_returned}，结清记录 {plan.records_to_close} 条。"
        )
