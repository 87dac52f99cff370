"""The verdict of one period as text, for ``reportflow quality`` and anyone reading a terminal."""

from __future__ import annotations

from collections import Counter

from reportflow.config import Settings
from reportflow.quality.model import BLOCKING, INFO, WARNING, Verdict
from reportflow.quality.run import data_docs_index, period_page


def verdict_lines(verdict: Verdict, settings: Settings) -> list[str]:
    """Headline, per-suite passed/failed results, every failure, the period's Data Docs page."""
    if not verdict.checked:
        return [f"{verdict.period}: no quality check has run yet (run build)"]
    state = "publishable" if verdict.publishable else "NOT publishable"
    lines = [
        f"{verdict.period}: {state} — {len(verdict.blocking)} blocking failure(s), "
        f"{len(verdict.warnings)} warning(s) (run {verdict.run_id})"
    ]
    passed = Counter(o.suite for o in verdict.outcomes if o.success)
    failed = Counter(o.suite for o in verdict.outcomes if not o.success)
    for suite in dict.fromkeys(o.suite for o in verdict.outcomes):
        lines.append(f"  suite {suite}: {passed[suite]} passed, {failed[suite]} failed")
    for severity in (BLOCKING, WARNING):
        lines += ["  " + o.describe() for o in verdict.failures(severity)]
    not_judged = verdict.failures(INFO)
    if not_judged:
        lines.append(f"  {len(not_judged)} result(s) not judged: too little history")
    page = period_page(settings, verdict.period)
    lines.append(f"Data Docs: {page or data_docs_index(settings)}")
    return lines
