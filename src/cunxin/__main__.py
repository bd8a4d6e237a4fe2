"""``cunxin``: Django's management commands with the project's settings."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunxin.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    # `cunxin check-ledger` reads better than check_ledger; Django names commands by module.
    if len(argv) > 1 and "-" in argv[1] and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
