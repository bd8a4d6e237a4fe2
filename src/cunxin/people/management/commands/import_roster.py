"""``cunxin import_roster FILE --user PHONE``: import a village roster from the command line.

The same action as the web page: every row is checked first, and a bad file imports nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cunxin.accounts.models import User
from cunxin.core.errors import DomainError
from cunxin.people.actions import do_import_roster
from cunxin.people.roster import RosterInvalid


class Command(BaseCommand):
    help = "Import residents from an .xlsx or .csv roster, acting as the given user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="phone number of the acting user")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument("--reason", default="", help="why (kept in the audit trail)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        user = User.objects.filter(phone=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"没有手机号为 {options['user']} 的有效账号。")
        try:
            result = do_import_roster(
                path.read_bytes(),
                path.name,
                acting_user=user,
                dry_run=options["dry_run"],
                reason=options["reason"],
            )
        except RosterInvalid as exc:
            for error in exc.errors:
                self.stderr.write(f"第{error.row}行 [{error.column}] {error.message}")
            raise CommandError(str(exc)) from exc
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        prefix = "检查通过（未导入）：" if result.dry_run else "导入完成："
        self.stdout.write(
            f"{prefix}新增 {result.households_created} 户、{result.residents_created} 人；"
            f"更新 {result.residents_updated} 人；{result.residents_unchanged} 人无变化。"
        )
