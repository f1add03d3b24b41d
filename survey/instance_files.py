"""The instance folder is its operator's alone: the SQLite database (and its -wal, -shm), the secret
key, the demo's kiosk URLs, pending import uploads and the job queue are never readable by other users."""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077  # new files 0600, new folders 0700


def make_instance_private(instance_path: str | Path) -> None:
    """Make this process's new files private, create the instance folder 0700 and tighten what it holds."""
    os.umask(PRIVATE_UMASK)
    root = Path(instance_path)
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    for folder, _dirs, files in os.walk(root):
        for path in (folder, *(os.path.join(folder, name) for name in files)):
            _tighten(path)


def _tighten(path: str) -> None:
    try:
        mode = os.lstat(path).st_mode
        if not stat.S_ISLNK(mode) and mode & 0o077:
            os.chmod(path, stat.S_IMODE(mode) & 0o700)
    except OSError:  # another user's file the operator put there: left as it is
        pass
