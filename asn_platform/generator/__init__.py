"""Synthetic regional deliveries that look like the real extracts (which are personal data and cannot be shipped)."""

from asn_platform.generator.personnel import generate_personnel
from asn_platform.generator.sample import SAMPLE_AS_OF, generate_sample

__all__ = ["SAMPLE_AS_OF", "generate_personnel", "generate_sample"]
