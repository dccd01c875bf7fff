"""UI strings of this feature (merged into ``web.i18n``; keys must not clash)."""

from __future__ import annotations

from entcredit.web.i18n import Lang

MESSAGES: dict[Lang, dict[str, str]] = {"zh": {}, "en": {}}
