"""Replacing a folder of pages whole, so a reader never sees half of one."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def building(target: Path) -> Iterator[Path]:
    """A fresh folder beside `target` to build into: swapped in for `target` when the block ends, removed if it
    raises. Beside, not in /tmp, so the final renames stay on one filesystem."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    staged.chmod(0o755)  # mkdtemp makes it private; the pages are for people to read
    try:
        yield staged
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    swap_in(staged, target)


def swap_in(staged: Path, target: Path) -> None:
    """Rename the old folder away, the new one in, then delete the old: the gap without `target` is two renames."""
    old = target.with_name(f".{target.name}.old-{secrets.token_hex(4)}")
    try:
        target.rename(old)
    except FileNotFoundError:
        old = None
    staged.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
