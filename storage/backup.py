"""Backups of a SQLite database with SQLite's online backup API: consistent while the bot writes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storage.database import SQLITE_BUSY_TIMEOUT_MS
from storage.errors import NqbotError, Text
from storage.private_files import private_file


def backup_sqlite(source: Path, target: Path) -> int:
    """Copy `source` to `target` page by page; returns the number of pages copied."""
    if not source.exists():
        raise NqbotError(Text("backup.no_database", source=str(source)))
    if target.resolve() == source.resolve():
        raise NqbotError(Text("backup.over_itself", target=str(target)))
    partial = private_file(target.with_name(target.name + ".partial"))
    src = sqlite3.connect(source, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
            pages = int(dst.execute("PRAGMA page_count").fetchone()[0])
        finally:
            dst.close()
    finally:
        src.close()
    partial.replace(target)  # a finished backup or none: never a half-written file under the target name
    return pages
