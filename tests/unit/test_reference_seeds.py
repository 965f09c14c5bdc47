"""The reference seeds agree with the data contract and with the regulations' own tables (domain.md)."""

from __future__ import annotations

import csv
import itertools
from decimal import Decimal

from asn_platform.core.contract import DATASETS, EDUCATION_LEVELS, GOLONGAN, IKM_ELEMENTS, SKP_RATINGS
from asn_platform.core.settings import DBT_PROJECT_DIR


def _seed(name: str) -> list[dict[str, str]]:
    with (DBT_PROJECT_DIR / "seeds" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_golongan_are_the_contracts_17_steps_in_order() -> None:
    rows = _seed("golongan")
    assert [row["golongan"] for row in rows] == list(GOLONGAN)
    assert [int(row["golongan_order"]) for row in rows] == list(range(1, 18))
    assert all(row["golongan"].split("/")[0] == row["golongan_group"] for row in rows)


def test_ikm_elements_are_the_nine_of_the_contract_with_a_known_training_focus() -> None:
    rows = _seed("ikm_elements")
    assert [(row["element"], row["name"]) for row in rows] == list(IKM_ELEMENTS)
    survey_fields = set(DATASETS["survey_responses"].field_names)
    assert {row["score_column"] for row in rows} <= survey_fields
    topics = {row["topic"] for row in _seed("training_topics")}
    assert {row["training_focus"] for row in rows} <= topics | {"sector"}
    assert {Decimal(row["weight"]) for row in rows} == {Decimal("0.111")}  # the regulation's weight


def test_ikm_bands_cover_25_to_100_without_gaps() -> None:
    rows = sorted(_seed("ikm_bands"), key=lambda row: Decimal(row["ikm_min"]))
    assert [row["mutu"] for row in rows] == ["D", "C", "B", "A"]
    assert Decimal(rows[0]["ikm_min"]) == 25
    assert Decimal(rows[-1]["ikm_max"]) == 100
    for lower, upper in itertools.pairwise(rows):
        assert Decimal(upper["ikm_min"]) == Decimal(lower["ikm_max"]) + Decimal("0.01")
    assert [row["ikm_min"] for row in rows] == ["25.00", "65.00", "76.61", "88.31"]  # PermenPANRB 14/2017


def test_ip_asn_scores_fit_their_dimensions() -> None:
    weights = {row["dimension"]: int(row["weight"]) for row in _seed("ip_asn_dimensions")}
    assert sum(weights.values()) == 100
    assert weights["kualifikasi"] == 25
    scores = _seed("ip_asn_scores")
    assert {row["dimension"] for row in scores} == set(weights)
    by_dimension: dict[str, dict[str, int]] = {}
    for row in scores:
        by_dimension.setdefault(row["dimension"], {})[row["item"]] = int(row["score"])
    assert set(by_dimension["kualifikasi"]) == set(EDUCATION_LEVELS)
    assert set(by_dimension["kinerja"]) == set(SKP_RATINGS)
    assert max(by_dimension["kualifikasi"].values()) == weights["kualifikasi"]
    assert max(by_dimension["kinerja"].values()) == weights["kinerja"]
    assert sum(by_dimension["kompetensi"].values()) == weights["kompetensi"]  # every kind of development counts
    assert max(by_dimension["disiplin"].values()) == weights["disiplin"]


def test_ip_asn_bands_cover_0_to_100_without_gaps() -> None:
    rows = sorted(_seed("ip_asn_bands"), key=lambda row: int(row["min_score"]))
    assert (int(rows[0]["min_score"]), int(rows[-1]["max_score"])) == (0, 100)
    for lower, upper in itertools.pairwise(rows):
        assert int(upper["min_score"]) == int(lower["max_score"]) + 1


def test_regulated_constants_live_in_the_parameters_seed() -> None:
    parameters = {row["parameter"]: float(row["value"]) for row in _seed("platform_parameters")}
    assert parameters["min_training_jp_per_year"] == 20
    assert parameters["ikm_scale_factor"] == 25
    assert all(row["source"] for row in _seed("platform_parameters"))
