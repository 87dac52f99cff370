"""The leaders' monthly bulletin (Simplified Chinese), its per-county editions and the export.

Input: the snapshot Parquet files of the reporting marts in ``settings.snapshot_dir``
(``fct_indicators.parquet``, ``submission_status.parquet``), read with an in-memory DuckDB
connection, never the live warehouse. Without them every entry point raises
:class:`BulletinError` ("run build first").

Output, in ``settings.bulletins_dir / <YYYY-MM> /``:

- ``湛江市党建指导员工作月报_<YYYY-MM>.html`` and ``.pdf`` — the city bulletin, and
  ``湛江市党建指导员工作月报_<县（市、区）>_<YYYY-MM>.html`` and ``.pdf`` — one per county-level
  unit (ten), named so that a forwarded file says what it is.
- ``indicators.csv`` — the export of indicators.md (order and number rules in
  :mod:`reportflow.bulletin.export`: city first, then counties by sort order; CRLF; BOM;
  formula-safe text cells; numeric values stay numeric).
- ``publication.json`` — when the period was issued, and from which data
  (:mod:`reportflow.bulletin.publication`).

and ``settings.bulletins_dir / index.html``, the archive index of every period.

A period's set and the archive page are published as one unit
(:mod:`reportflow.bulletin.release`): renders write into the period's staging folder, and one
switch makes the whole new set visible. Every single file is also written atomically. HTML is
self-contained (inline CSS, charts as inline SVG); PDFs are A4 portrait via WeasyPrint with the
Noto CJK fonts named in the CSS.

Public API (the DAG and the CLI call these)::

    publish(settings, period) -> PublishResult
    load_period_data(settings, period) -> PeriodData
    render_city(settings, period) -> tuple[Path, Path]            # (html, pdf), staged
    render_county(settings, period, county_code) -> tuple[Path, Path]
    export_indicators_csv(settings, period) -> Path                 # staged
    release.commit(settings, period) -> Path                        # publish the staged set
"""

from reportflow.bulletin.data import (
    BulletinError,
    PeriodData,
    load_period_data,
    require_ended,
    validate_period,
)
from reportflow.bulletin.files import city_file_stem, county_file_stem
from reportflow.bulletin.publish import (
    PublishResult,
    city_bulletin_paths,
    export_indicators_csv,
    publication_paths,
    publish,
    render_city,
    render_county,
    write_archive_index,
)

__all__ = [
    "BulletinError",
    "PeriodData",
    "PublishResult",
    "city_bulletin_paths",
    "city_file_stem",
    "county_file_stem",
    "export_indicators_csv",
    "load_period_data",
    "publication_paths",
    "publish",
    "render_city",
    "render_county",
    "require_ended",
    "validate_period",
    "write_archive_index",
]
