from __future__ import annotations

import pytest

from entcredit.core.calendar import WorkCalendar
from entcredit.lists.rules import ListRules

CAL = WorkCalendar()  # built-in years only; immutable, shared by every test
RULES = ListRules()


@pytest.fixture(scope="session")
def cal() -> WorkCalendar:
    return CAL


@pytest.fixture(scope="session")
def rules() -> ListRules:
    return RULES
