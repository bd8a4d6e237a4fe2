"""``cunxin demo``: load the demo county (deterministic for a seed) and print the logins."""

from __future__ import annotations

import logging
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from cunxin.accounts.models import User
from cunxin.demo.activity import DEMO_PASSWORD
from cunxin.demo.build import build


class Command(BaseCommand):
    help = "Load the demo county: one town, four villages, ~1,100 villagers, one login per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--reset", action="store_true", help="empty the database first")
        parser.add_argument("--weeks", type=int, default=52, help="weeks of simulated activity")

    def handle(self, *args: Any, **options: Any) -> None:
        if User.objects.exists():
            if not options["reset"]:
                raise CommandError(
                    "数据库中已有数据；如要重建演示数据，请加 --reset（会清空数据库）。"
                )
            call_command("flush", interactive=False, verbosity=0)
        # Months of simulated messages would flood the terminal with logged SMS lines.
        logging.getLogger("cunxin.sms").setLevel(logging.WARNING)
        with transaction.atomic():
            logins = build(seed=options["seed"], weeks=options["weeks"])
        self.stdout.write(self.style.SUCCESS(f"演示数据已载入。登录（密码均为 {DEMO_PASSWORD}）："))
        for login in logins:
            self.stdout.write(f"  {login.role:<12} {login.phone}  {login.name}（{login.where}）")
