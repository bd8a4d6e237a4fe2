"""``cunxin createadmin``: the first platform admin of a new installation."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cunxin.accounts.actions import do_create_platform_admin
from cunxin.core.errors import DomainError


class Command(BaseCommand):
    help = "Create a platform admin (login by phone number)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--phone", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--password", help="omit to be asked")

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"] or getpass.getpass("密码: ")
        try:
            user = do_create_platform_admin(
                phone=options["phone"],
                name=options["name"],
                password=password,
                reason="createadmin",
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"平台管理员已创建: {user.name} ({user.phone})")
