"""The one data-quality runner: Great Expectations suites from `expectations/` validated against DuckDB tables."""

from asn_platform.quality.runner import ExpectationOutcome, QualityGateFailed, ValidationReport, validate_table
from asn_platform.quality.suites import STAGES, Suite, SuiteError, load_suite, suites_for_stage

__all__ = [
    "STAGES",
    "ExpectationOutcome",
    "QualityGateFailed",
    "Suite",
    "SuiteError",
    "ValidationReport",
    "load_suite",
    "suites_for_stage",
    "validate_table",
]
