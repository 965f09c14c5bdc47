"""Generator throughput: rows per second for personnel and training at a given headcount (default 500,000).

Run: .venv/bin/python benchmarks/generator_throughput.py [HEADCOUNT]. Reports figures; asserts nothing.
"""

from __future__ import annotations

import sys
import time
from datetime import date

import numpy as np

from asn_platform.generator.names import FAMILY, FEMALE_GIVEN, LANGSA_UNITS, MALE_GIVEN
from asn_platform.generator.personnel import Unit, generate_personnel
from asn_platform.generator.training import generate_training


def main() -> None:
    headcount = int(sys.argv[1]) if len(sys.argv) > 1 else 500_000
    as_of = date(2026, 11, 1)
    units = [Unit(*unit) for unit in LANGSA_UNITS]
    started = time.perf_counter()
    people = generate_personnel(np.random.default_rng(1), headcount, units, as_of, (MALE_GIVEN, FEMALE_GIVEN, FAMILY))
    personnel_s = time.perf_counter() - started
    started = time.perf_counter()
    training = generate_training(
        np.random.default_rng(2),
        nips=people["nip"].to_numpy(),
        sectors=people["unit_sector"].to_numpy(),
        appointed=people["appointed"].to_numpy(),
        years=(2026,),
        as_of=as_of,
    )
    training_s = time.perf_counter() - started
    total = len(people) + len(training)
    print(f"personnel  {len(people):>11,} rows  {personnel_s:7.2f} s  {len(people) / personnel_s:>11,.0f} rows/s")
    print(f"training   {len(training):>11,} rows  {training_s:7.2f} s  {len(training) / training_s:>11,.0f} rows/s")
    print(f"together   {total:>11,} rows  {personnel_s + training_s:7.2f} s  "
          f"{total / (personnel_s + training_s):>11,.0f} rows/s (in memory, before writing files)")  # fmt: skip


if __name__ == "__main__":
    main()
