"""Files nqbot writes (the database, backups, exports, QR codes) hold reporters' answers and invite codes:
only the account that runs nqbot may read them.

The `nqbot` command sets the process umask to PRIVATE_UMASK before anything else, so every file it or
SQLite creates (the WAL and SHM files too) is 0600 and every folder 0700. The functions here set the same
modes themselves, for the code that runs without the command (tests, the demo's library use).
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_UMASK = 0o077
FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(path: Path) -> Path:
    """Make the folder (and its parents) if missing; a folder made here is 0700."""
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    return path


def private_file(path: Path) -> Path:
    """Create the file empty and 0600 if it is missing (before SQLite or another writer opens it)."""
    private_folder(path.parent)
    path.touch(mode=FILE_MODE, exist_ok=True)
    return path


def write_private(path: Path, data: bytes) -> Path:
    """Write `data` to a file that is 0600 (made so when new, set so when it was there)."""
    private_folder(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(descriptor, "wb") as file:
        os.fchmod(file.fileno(), FILE_MODE)
        file.write(data)
    return path
