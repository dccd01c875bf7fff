"""Publicity: what the public may see of each record, and until when.

``visibility`` and ``public_fields`` are the one code path every public consumer (portal
pages, open API, PDF credit report, open-data exports) goes through; see ``rules``.
"""

from entcredit.publicity.config import (
    DEFAULT_CONFIG,
    NDRC_CONFIG,
    NDRC_EARLY_STOP,
    EarlyStopRule,
    PenaltyPeriodRule,
    PublicityConfig,
    PublicityConfigError,
    parse_publicity_config,
)
from entcredit.publicity.rules import (
    Eligibility,
    PenaltyPeriod,
    Reason,
    ReasonCode,
    RecordView,
    RepairFacts,
    Visibility,
    add_months,
    early_stop_eligibility,
    mask_digit_runs,
    mask_person_name,
    penalty_period,
    penalty_publicity_end,
    public_fields,
    visibility,
)

__all__ = [
    "DEFAULT_CONFIG",
    "NDRC_CONFIG",
    "NDRC_EARLY_STOP",
    "EarlyStopRule",
    "Eligibility",
    "PenaltyPeriod",
    "PenaltyPeriodRule",
    "PublicityConfig",
    "PublicityConfigError",
    "Reason",
    "ReasonCode",
    "RecordView",
    "RepairFacts",
    "Visibility",
    "add_months",
    "early_stop_eligibility",
    "mask_digit_runs",
    "mask_person_name",
    "parse_publicity_config",
    "penalty_period",
    "penalty_publicity_end",
    "public_fields",
    "visibility",
]
