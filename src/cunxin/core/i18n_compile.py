"""Compile every translation catalogue (``django.po``) into the ``django.mo`` Django reads.

Django's own ``compilemessages`` shells out to GNU gettext's ``msgfmt``, which a fresh machine
may not have. The compiled ``.mo`` files are committed instead, and ``make test`` checks that each
one matches its ``.po`` source; this script, which needs only polib (a dev dependency, pure
Python), is how ``make messages`` rebuilds them after the catalogues are edited.

Run it as ``python -m cunxin.core.i18n_compile``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"


def catalogues(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Every ``<lang>/LC_MESSAGES/django.po`` under the locale directory, in a stable order."""
    return sorted(locale_dir.glob("*/LC_MESSAGES/django.po"))


def compile_catalogue(po_path: Path) -> Path:
    """Write the ``.mo`` next to ``po_path`` and return its path."""
    mo_path = po_path.with_suffix(".mo")
    polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
    return mo_path


def main(locale_dir: Path = LOCALE_DIR) -> int:
    """Compile all catalogues; a non-zero exit status when there is none to compile."""
    found = catalogues(locale_dir)
    if not found:
        print(f"no django.po under {locale_dir}", file=sys.stderr)
        return 1
    for po_path in found:
        mo_path = compile_catalogue(po_path)
        print(f"compiled {mo_path.relative_to(locale_dir)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
