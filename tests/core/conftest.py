"""Every core test reads its expressions afresh.

The parser keeps the trees it made (an ``lru_cache``) and the evaluator its compiled
plans, for the whole process. A test whose text an earlier test already read would
not run the parser at all, and neither would a mutation run, which forks every test
run from a process that has read them all once: a change to the parser would then
go unseen by the very test written to catch it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tutor.core.expression.language import parse_expression
from tutor.core.expression.plan_cache import PLANS


@pytest.fixture(autouse=True)
def fresh_expression_caches() -> Iterator[None]:
    parse_expression.cache_clear()
    PLANS.clear()
    yield
