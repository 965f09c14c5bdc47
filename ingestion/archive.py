"""The delivered files themselves, kept beside the raw layer so any delivery can be reproduced byte for byte.

Raw keeps only what changed; the archive keeps what came. Each loaded file is stored once, under
`<archive>/<region>/<dataset>/<delivery date>/<sha256 prefix>-<file name>`, gzip-compressed (`.archive.gz` added)
unless it already is (gzip, xlsx), and named in its audit row (`archive_path`, relative to the archive). `restore`
writes the delivered bytes back and checks them against the SHA-256 the audit recorded when the file arrived.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
from pathlib import Path

from ingestion.deliveries import Delivery

# Formats that are compressed already: kept as delivered (compressing them again gains nothing).
COMPRESSED_SUFFIXES = (".gz", ".xlsx", ".zip")
OWN_SUFFIX = ".archive.gz"  # compressed here: restored by decompressing


class ArchiveError(RuntimeError):
    """An archived delivery is missing or does not match the checksum taken when it arrived."""


def _compressed(path: Path) -> bool:
    return path.name.lower().endswith(COMPRESSED_SUFFIXES)


def archive(delivery: Delivery, sha256: str, archive_dir: Path) -> str:
    """Store the delivered file (once per content); returns its path relative to `archive_dir`."""
    name = f"{sha256[:16]}-{delivery.path.name}" + ("" if _compressed(delivery.path) else OWN_SUFFIX)
    relative = Path(delivery.region, delivery.dataset, delivery.delivery_date.isoformat(), name)
    target = archive_dir / relative
    if target.exists():
        return relative.as_posix()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    # Level 1: several times faster than the default and within a few per cent of its size on delivery text.
    compressing = not _compressed(delivery.path)
    with (
        delivery.path.open("rb") as source,
        gzip.open(partial, "wb", compresslevel=1) if compressing else partial.open("wb") as out,
    ):
        shutil.copyfileobj(source, out, 1 << 20)
    partial.replace(target)  # never a half-written file under the final name
    return relative.as_posix()


def restore(archive_dir: Path, relative: str, sha256: str, target_dir: Path) -> Path:
    """Write the delivered bytes of an archived file into `target_dir` under the name it was delivered with;
    raises ArchiveError unless they hash to `sha256`."""
    stored = archive_dir / relative
    if not stored.is_file():
        raise ArchiveError(f"{stored}: archived delivery missing")
    delivered_name = stored.name.split("-", 1)[1]
    gzipped_by_us = delivered_name.endswith(OWN_SUFFIX)
    delivered_name = delivered_name.removesuffix(OWN_SUFFIX)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / delivered_name
    digest = hashlib.sha256()
    try:
        with gzip.open(stored, "rb") if gzipped_by_us else stored.open("rb") as source, target.open("wb") as out:
            for block in iter(lambda: source.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
    except (OSError, EOFError) as error:  # not gzip, or cut off
        target.unlink(missing_ok=True)
        raise ArchiveError(f"{stored}: archived delivery damaged: {error}") from None
    if digest.hexdigest() != sha256:
        target.unlink()
        raise ArchiveError(f"{stored}: content does not match the SHA-256 recorded at delivery ({sha256})")
    return target
