"""Every UI string the repair pages ask for exists in both languages."""

from __future__ import annotations

import re
from pathlib import Path

from entcredit.repair.messages import MESSAGES
from entcredit.repair.rules import AppState, RepairKind
from entcredit.web.app import WEB_DIR

SRC = Path(__file__).parents[2] / "src" / "entcredit" / "repair"


def test_every_key_exists_in_both_languages() -> None:
    assert MESSAGES["zh"].keys() == MESSAGES["en"].keys()
    texts = [p.read_text("utf-8") for p in (WEB_DIR / "templates" / "repair").glob("*.html")]
    used = {k for text in texts for k in re.findall(r"t\('(repair_[a-z_]+)'\)", text)}
    used |= {f"repair_state_{s.value}" for s in AppState}
    used |= {f"repair_kind_{k.value}" for k in RepairKind} | {"repair_list_abnormal"}
    # Codes the pages turn into ``repair_err_<code>`` messages.
    codes = set(re.findall(r'RepairError\(\s*"([a-z_]+)"', (SRC / "service.py").read_text()))
    codes |= {"application_closed", "already_accepted"}  # ReviewError codes
    used |= {f"repair_err_{c}" for c in codes}
    used |= set(re.findall(r'"(repair_(?:err|login)_[a-z_]+)"', (SRC / "pages.py").read_text()))
    assert sorted(used - MESSAGES["zh"].keys()) == []
