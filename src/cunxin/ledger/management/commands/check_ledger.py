"""``cunxin check-ledger``: recompute the ledger from its entries and report every difference."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cunxin.ledger.checks import check_ledger
from cunxin.regions.models import Region


class Command(BaseCommand):
    help = (
        "Check that books balance, balances match entries, reversals are sound, chains are "
        "intact and keyed, published heads still hold, and every transfer is explained."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--village", action="append", help="12-digit code (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        village_ids = None
        if options["village"]:
            village_ids = list(
                Region.objects.filter(code__in=options["village"]).values_list("pk", flat=True)
            )
            if len(village_ids) != len(set(options["village"])):
                raise CommandError("有的区划代码不存在。")
        problems = check_ledger(village_ids)
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(f"账本检查发现 {len(problems)} 处问题。")
        self.stdout.write(
            self.style.SUCCESS(
                "账本检查通过：借贷平衡，余额与分录一致，冲正有据，签名链完整，"
                "公布过的链头都在链上，每笔转账都有业务记录说明。"
            )
        )
