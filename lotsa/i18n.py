"""Compile the translation catalogues (.po to .mo) with polib, so no gettext tools are needed to run."""

from __future__ import annotations

import sys
from pathlib import Path

import polib


def compile_all(locale_dir: Path) -> list[Path]:
    written = []
    for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


if __name__ == "__main__":
    for path in compile_all(Path(sys.argv[1] if len(sys.argv) > 1 else "locale")):
        print(f"compiled {path}")
