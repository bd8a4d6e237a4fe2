"""``cunxin scheduler``: runs the periodic jobs forever (or once with --once)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cunxin.core.jobs import REGISTRY, run_due_jobs


class Command(BaseCommand):
    help = "Run the periodic jobs when they are due; safe to start in several processes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run what is due, then exit")
        parser.add_argument("--job", action="append", help="only this job (repeatable)")
        parser.add_argument("--interval", type=float, default=30.0, help="seconds between polls")

    def handle(self, *args: Any, **options: Any) -> None:
        names: list[str] | None = options["job"]
        unknown = [n for n in names or [] if n not in REGISTRY]
        if unknown:
            self.stderr.write(
                f"未知任务: {', '.join(unknown)}; 可用: {', '.join(sorted(REGISTRY))}"
            )
            raise SystemExit(2)
        while True:
            for name in run_due_jobs(names):
                self.stdout.write(f"ran {name}")
            if options["once"]:
                return
            time.sleep(options["interval"])
