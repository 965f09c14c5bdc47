"""Publishing killed (`kill -9`) at each named point: both tiers and the Parquet export always serve one version,
and the next publication cleans up and serves. The publisher runs in a child process with `ASN_KILL_AT`
(asn_platform/core/faults.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from asn_platform.core.faults import KILL_AT
from asn_platform.core.settings import Settings
from asn_platform.core.warehouse import connect
from asn_platform.serving.publish import publish, published_versions

PUBLISH_IN_CHILD = """
import sys
from asn_platform.core.settings import Settings
from asn_platform.serving.publish import publish
publish(Settings.model_validate_json(sys.argv[1]))
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, gated_langsa_template: Path) -> Iterator[Settings]:
    from conftest import gated_langsa_build

    with gated_langsa_build(tmp_path_factory.mktemp("publishing-faults"), gated_langsa_template) as settings:
        yield settings


def _publish_killed_at(settings: Settings, point: str) -> None:
    child = subprocess.run(
        [sys.executable, "-c", PUBLISH_IN_CHILD, settings.model_dump_json()],
        env=os.environ | {KILL_AT: point},
        check=False,  # a kill is the expected end
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert child.returncode == -signal.SIGKILL, f"not killed at {point}: {child.returncode}\n{child.stderr[-2000:]}"


def _served_versions(settings: Settings) -> set[str]:
    """The version each product serves: the tiers' own `main.publication` row and the Parquet export's folder."""
    served = set()
    for path in (settings.analytics_path, settings.restricted_path):
        with connect(path, read_only=True, settings=settings) as connection:
            served.add(connection.execute("SELECT version FROM main.publication").fetchone()[0])
    served.add(settings.parquet_dir.resolve().parent.name)
    return served


@pytest.mark.parametrize("point", ["publish:written", "publish:linked", "publish:switched", "publish:served"])
def test_a_publisher_killed_at_any_point_leaves_both_tiers_on_one_version(
    built: Settings, tmp_path: Path, point: str
) -> None:
    settings = built.model_copy(update={"published_dir": tmp_path / "published", "published_versions_kept": 2})
    first = publish(settings)
    _publish_killed_at(settings, point)
    served = _served_versions(settings)
    assert len(served) == 1, f"killed at {point}, the products serve different versions: {served}"
    kept = [version.version for version in published_versions(settings)]
    assert served == ({first.version} if point in {"publish:written", "publish:linked"} else {kept[-1]})
    assert [v.version for v in published_versions(settings) if v.serving] == list(served)

    after = publish(settings)  # the next publication serves, and prunes what the killed one left
    assert _served_versions(settings) == {after.version}
    assert not list(settings.versions_dir.glob(".incoming-*"))
    assert len(list(settings.versions_dir.iterdir())) == 2


@pytest.mark.parametrize("killed_at", [None, "publish:linked", "publish:switched"])
def test_a_layout_from_before_the_current_link_is_taken_over(
    built: Settings, tmp_path: Path, killed_at: str | None
) -> None:
    """Published folders from before served hard links renamed over one another (and a plain parquet folder):
    the next publication replaces them with links through `current`, never serving two versions at once, even
    when it is killed half-way."""
    settings = built.model_copy(update={"published_dir": tmp_path / "published"})
    first = publish(settings)
    version_folder = settings.versions_dir / first.version
    for product in (settings.analytics_path, settings.restricted_path):
        product.unlink()
        os.link(version_folder / product.name, product)
    settings.parquet_dir.unlink()
    settings.parquet_dir.symlink_to(Path("versions") / first.version / "parquet")
    (settings.published_dir / "current").unlink()
    assert _served_versions(settings) == {first.version}

    if killed_at:
        _publish_killed_at(settings, killed_at)
        second = published_versions(settings)[-1]
        assert _served_versions(settings) == ({first.version} if killed_at == "publish:linked" else {second.version})
    second = publish(settings)
    for product in (settings.analytics_path, settings.restricted_path, settings.parquet_dir):
        assert product.readlink() == Path("current") / product.name
    assert (settings.published_dir / "current").readlink() == Path("versions") / second.version
    assert _served_versions(settings) == {second.version}
