"""National deliveries load through the registry the generator writes beside them (`extends` per region)."""

from __future__ import annotations

import pytest

from asn_platform.core.settings import Settings
from asn_platform.core.warehouse import connect
from asn_platform.generator.national import generate_national, plan_regions
from ingestion.registry import load_registry
from ingestion.service import load_pending

# National-scale work: the national generator's regions loaded (left out of make test-fast).
pytestmark = pytest.mark.slow

SCALE = 0.002  # five regions, one per profile, 11,200 ASN


@pytest.fixture
def national_settings(settings: Settings) -> Settings:
    """The test's settings with the registry the generator writes beside the national deliveries."""
    sources = settings.data_dir / "national_sources"
    current = settings.model_copy(update={"sources_dir": sources})
    # API datasets land where a fetch would put them (no api_dir), so everything loads from the landing area.
    generate_national(current.landing_dir, 7, scale=SCALE, workers=1, sources_dir=sources)
    return current


def test_every_national_delivery_loads_and_reconciles(national_settings: Settings) -> None:
    regions = plan_regions(7, SCALE)
    registry = load_registry(national_settings.sources_dir)
    assert {region.region for region in regions} <= set(registry)
    for region in regions:
        assert registry[region.region].dataset("personnel") == registry[region.base].dataset("personnel")

    results = [result for region in regions for result in load_pending(national_settings, region.region)]
    assert {result.status for result in results} == {"loaded"}, [r.message for r in results if r.message]
    assert sum(result.quarantined for result in results) == 0  # national data is clean
    assert all(r.received == r.loaded + r.quarantined + r.duplicates for r in results)
    with connect(settings=national_settings, read_only=True) as connection:
        people = dict(
            connection.execute("SELECT _region, count(DISTINCT nip) FROM raw.personnel GROUP BY ALL").fetchall()
        )
    assert people == {region.region: region.profile.headcount for region in regions}
