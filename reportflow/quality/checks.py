"""Run the declared suites with Great Expectations and turn GX's results into outcomes.

GX is imported once per process (:func:`gx_module`), after its loggers are quietened and with
progress bars off, because its import costs seconds and prints hundreds of info lines. Each
suite runs in its own checkpoint (each validates a different DataFrame); when all have run,
the context's Data Docs site is built once into the data home (one build instead of one per
checkpoint: rendering dominates otherwise). Result format COMPLETE with the suite's index
columns makes GX report every failing row with its period and county, which is what lets one
validation over all periods yield a verdict per period and county.
"""

from __future__ import annotations

import logging
import math
import shutil
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from reportflow.quality.model import SEVERITY_NAMES, Outcome
from reportflow.quality.period_docs import store_period_results

if TYPE_CHECKING:
    import pandas as pd

    from expectations import SuiteSpec

log = logging.getLogger(__name__)

GX_NOISY_LOGGERS = (
    "great_expectations",
    "great_expectations._docs_decorators",
    "great_expectations.expectations.registry",
    "great_expectations.data_context",
)
DOCS_SITE = "reportflow"
DATASOURCE = "reportflow"
#: Failing rows quoted per (expectation, county) in the history and messages.
SAMPLE_ROWS = 3


@cache
def gx_module() -> ModuleType:
    """Import GX once per process, quietly: its import alone takes seconds."""
    for name in GX_NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    import great_expectations

    return great_expectations


def _context(docs_dir: Path) -> Any:
    """An in-memory context whose only Data Docs site is ``docs_dir`` (no progress bars)."""
    gx = gx_module()
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
    )

    site = {
        "class_name": "SiteBuilder",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(docs_dir),
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        # Validation pages only: a page per suite definition would double the render time.
        "site_section_builders": {"expectations": "0", "profiling": "0"},
    }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        data_docs_sites={DOCS_SITE: site},
    )
    context = gx.get_context(project_config=config, mode="ephemeral")
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}
    return context


def _format(value: object) -> str:
    """A failing value as people read it: 46, 18.62, 2026-09, NULL."""
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NULL"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def _county(value: object) -> str | None:
    """A row's county code; NULL (pandas may give None or NaN) means the whole period."""
    return None if value is None or value != value else str(value)


def _describe_row(row: dict, index_columns: Sequence[str]) -> str:
    """``investment_to_date=3, previous_investment=5, project_code=P1``: checked values first."""
    checked = [k for k in row if k not in index_columns]
    keys = [k for k in index_columns[2:] if k in row]
    return ", ".join(f"{k}={_format(row[k])}" for k in [*checked, *keys])


def _places(frame: pd.DataFrame) -> list[tuple[str, str | None]]:
    """Distinct (period, county) of a frame; a NULL county means the whole period."""
    pairs = frame[["period", "county_code"]].drop_duplicates().itertuples(index=False)
    return sorted(
        ((str(period), _county(county)) for period, county in pairs),
        key=lambda place: (place[0], place[1] or ""),
    )


def _outcomes_of(
    result: Any,
    spec: SuiteSpec,
    places: list[tuple[str, str | None]],
    run_id: str,
    checked_at: datetime,
) -> Iterable[Outcome]:
    """One outcome per place for each expectation: failed where GX found a failing row there."""
    for item in result.results:
        config = item.expectation_config
        rows = item.result.get("unexpected_index_list")
        by_place: dict[tuple[str, str | None], list[dict]] = {}
        if not item.success and rows:
            for row in rows:
                place = (str(row["period"]), _county(row.get("county_code")))
                by_place.setdefault(place, []).append(row)
        whole_failed = not item.success and not rows
        for period, county in places:
            failing = by_place.get((period, county), [])
            if whole_failed:
                observed = _format(item.result.get("observed_value"))
            elif failing:
                quoted = (_describe_row(r, spec.index_columns) for r in failing[:SAMPLE_ROWS])
                observed = "; ".join(quoted)
            else:
                observed = None
            yield Outcome(
                run_id=run_id,
                checked_at=checked_at,
                period=period,
                suite=spec.name,
                expectation=config.type,
                description=config.description or config.type,
                county_code=county,
                severity=SEVERITY_NAMES[str(getattr(config.severity, "value", config.severity))],
                success=not (whole_failed or failing),
                failed_rows=len(failing) if failing else (1 if whole_failed else 0),
                observed=observed,
            )


def _checkpoint(context: Any, source: Any, spec: SuiteSpec) -> Any:
    """The suite, its whole-DataFrame batch and its validation, as one GX checkpoint."""
    gx = gx_module()
    batch = source.add_dataframe_asset(spec.name).add_batch_definition_whole_dataframe("all")
    # Built whole, then stored once: adding to a stored suite re-saves it per expectation.
    suite = gx.ExpectationSuite(name=spec.name, expectations=spec.expectations())
    suite = context.suites.add(suite)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=spec.name, data=batch, suite=suite)
    )
    return context.checkpoints.add(
        gx.Checkpoint(
            name=spec.name,
            validation_definitions=[definition],
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": spec.index_columns,
            },
        )
    )


def validate(
    frames: dict[str, pd.DataFrame],
    specs: Sequence[SuiteSpec],
    docs_dir: Path,
    run_id: str,
    checked_at: datetime,
) -> tuple[list[Outcome], dict[str, tuple[int, int]]]:
    """Run every suite through its checkpoint, rebuild Data Docs, return outcomes and counts.

    Besides GX's page per suite, the site gets a page per period (``period_docs``). The site
    is built in a fresh folder and swapped in, so it always shows exactly this run.
    ``counts`` is (passed, failed) expectations per suite, over all periods, as GX counts them.
    """
    gx = gx_module()
    building = docs_dir.with_name(docs_dir.name + ".partial")
    shutil.rmtree(building, ignore_errors=True)
    context = _context(building)
    source = context.data_sources.add_pandas(DATASOURCE)
    run = gx.RunIdentifier(run_name=run_id, run_time=checked_at)
    outcomes: list[Outcome] = []
    counts: dict[str, tuple[int, int]] = {}
    suite_results = []
    for spec in specs:
        checkpoint = _checkpoint(context, source, spec)
        frame = frames[spec.name]
        result = checkpoint.run(batch_parameters={"dataframe": frame}, run_id=run)
        suite_result = next(iter(result.run_results.values()))
        stats = suite_result.statistics
        counts[spec.name] = (
            int(stats["successful_expectations"]),
            int(stats["unsuccessful_expectations"]),
        )
        outcomes += _outcomes_of(suite_result, spec, _places(frame), run_id, checked_at)
        suite_results.append((suite_result, frame))
    store_period_results(context, run, suite_results, outcomes)
    context.build_data_docs(site_names=[DOCS_SITE])
    shutil.rmtree(docs_dir, ignore_errors=True)
    building.replace(docs_dir)
    return outcomes, counts
