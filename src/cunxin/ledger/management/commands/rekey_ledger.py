"""``cunxin rekey-ledger``: sign the chains written before the ledger was keyed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cunxin.ledger.rekey import rekey_village, villages_to_rekey
from cunxin.regions.models import Region


class Command(BaseCommand):
    help = (
        "Sign every unkeyed link of the ledger's chains with the current CUNXIN_LEDGER_KEYS key, "
        "keeping each link's former hash (run once after upgrading, as the tables' owner)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--village", action="append", help="12-digit code (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        villages = Region.objects.filter(pk__in=villages_to_rekey()).order_by("code")
        if options["village"]:
            villages = villages.filter(code__in=options["village"])
        refused = []
        for village in villages:
            done = rekey_village(village)
            if done.refused:
                refused.append(village)
                self.stderr.write(
                    f"{village.name}（{village.code}）：账本在 {done.refused} 处已不一致，未签名。"
                )
            else:
                self.stdout.write(
                    f"{village.name}（{village.code}）：{done.links} 条已用密钥签名。"
                )
        if refused:
            raise CommandError(
                f"{len(refused)} 个村的账本有问题，请先用 cunxin check-ledger 查明。"
            )
        self.stdout.write(self.style.SUCCESS("账本链已全部用密钥签名。"))
