"""Regional deliveries into the warehouse's raw layer: configuration-driven, validated, idempotent, lossless."""
