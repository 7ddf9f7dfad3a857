"""Private file modes for everything under the data directory: files 0600, directories 0700.

The composition root sets `PRIVATE_UMASK` before a command writes anything (what SQLite,
Chroma, torch and the retrain folders create follows it); `private_tree` fixes what the
umask cannot: copies that carry their source's modes (`shutil.copytree` copies each
directory's mode) and data written by an older version before the umask was set.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

logger = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077  # new files 0600, new directories 0700
FILE_MODE, DIR_MODE = 0o600, 0o700


def private_tree(path: Path) -> int:
    """Make `path` and everything under it private; how many modes were changed.
    Symbolic links are left alone (their targets are not the data directory's); an entry
    this user may not change is logged (by count) and skipped."""
    path = Path(path)
    if not path.exists():
        return 0
    changed = refused = 0
    for entry in [path, *path.rglob("*")]:
        if entry.is_symlink():
            continue
        mode = DIR_MODE if entry.is_dir() else FILE_MODE
        try:
            if stat.S_IMODE(entry.stat().st_mode) != mode:
                os.chmod(entry, mode)
                changed += 1
        except OSError:  # another user's file, or gone meanwhile
            refused += 1
    if refused:
        logger.warning("%d file(s) under the data directory could not be made private "
                       "(owned by another user?)", refused)
    return changed
