"""Rendering and publishing: HTML through the shared Jinja environment, PDF through WeasyPrint.

Every public function takes ``settings`` and a period and does its own loading, so Airflow can
fan the per-county renders out as separate mapped tasks; :func:`publish` loads the snapshot
once and renders the eleven editions in parallel worker processes (forked after WeasyPrint and
matplotlib are imported, so a worker starts in milliseconds).

Output is a function of the data: the date printed is the period's recorded issue
(:mod:`reportflow.bulletin.publication`), not the clock, so re-rendering a period from the
same data gives the same HTML and the same PDF text; the archive page likewise.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from reportflow.bulletin.data import (
    BulletinError,
    PeriodData,
    contract_units,
    load_period_data,
    require_ended,
    validate_period,
)
from reportflow.bulletin.export import CSV_NAME, write_indicators_csv
from reportflow.bulletin.files import (
    CITY_TITLE,
    atomic_write_bytes,
    atomic_write_text,
    city_file_stem,
    county_file_stem,
)
from reportflow.bulletin.publication import Issue, issue_for, latest_issue
from reportflow.bulletin.views import EditionLink, city_bulletin, county_bulletin
from reportflow.config import Settings
from reportflow.periods import PERIOD_PATTERN, Period, period_label
from reportflow.quality import data_docs_index
from reportflow.templating import environment

if TYPE_CHECKING:
    from weasyprint.text.fonts import FontConfiguration

CITY_TEMPLATE = "bulletin_city.html"
COUNTY_TEMPLATE = "bulletin_county.html"
INDEX_TEMPLATE = "index.html"
INDEX_NAME = "index.html"
#: Worker processes of :func:`publish`: the machines have two cores.
RENDER_WORKERS = 2


@dataclass(frozen=True)
class PublishResult:
    """Paths of everything :func:`publish` wrote for one period."""

    period: str
    city_html: Path
    city_pdf: Path
    counties: dict[str, tuple[Path, Path]]
    indicators_csv: Path
    index_html: Path

    @property
    def directory(self) -> Path:
        return self.city_html.parent

    def paths(self) -> list[Path]:
        """Every file, city first: what a mailer attaches or a test checks."""
        county_files = [p for pair in self.counties.values() for p in pair]
        return [self.city_html, self.city_pdf, *county_files, self.indicators_csv, self.index_html]


@dataclass(frozen=True)
class ArchiveLink:
    label: str
    href: str


@dataclass(frozen=True)
class ArchiveEntry:
    """One period in the archive index; a link appears only for a file that exists."""

    period: str
    period_label: str
    city: tuple[ArchiveLink, ...]
    counties: tuple[tuple[str, tuple[ArchiveLink, ...]], ...] = field(default_factory=tuple)
    latest: bool = False


@cache
def _font_config() -> FontConfiguration:
    """One font configuration per process: WeasyPrint then reuses loaded CJK faces."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def html_to_pdf(html: str, directory: Path) -> bytes:
    """A4 PDF of a page rendered for ``directory``; WeasyPrint fetches nothing outside it.

    The import is here because WeasyPrint takes about a second to load.
    """
    from weasyprint import HTML

    from reportflow.bulletin.fetcher import BulletinFetcher

    fetcher = BulletinFetcher([directory])
    document = HTML(string=html, base_url=str(directory) + os.sep, url_fetcher=fetcher)
    return document.write_pdf(font_config=_font_config())


def _write_pair(directory: Path, stem: str, html: str) -> tuple[Path, Path]:
    """PDF made first, so a WeasyPrint failure leaves neither a new HTML nor a new PDF."""
    pdf = html_to_pdf(html, directory)
    html_path = atomic_write_text(directory / f"{stem}.html", html)
    pdf_path = atomic_write_bytes(directory / f"{stem}.pdf", pdf)
    return html_path, pdf_path


def edition_links(period: str, current: str | None) -> tuple[EditionLink, ...]:
    """Links of a bulletin to the archive page and to every edition of the month.

    ``current`` is the county code of the page (None for the city edition). Relative and
    URL-quoted, so they work wherever the bulletins folder is served or unpacked.
    """
    links = [EditionLink("往期目录", f"../{INDEX_NAME}")]
    links.append(EditionLink("全市", quote(f"{city_file_stem(period)}.html"), current is None))
    links += [
        EditionLink(
            unit.name,
            quote(f"{county_file_stem(unit.code, period)}.html"),
            unit.code == current,
        )
        for unit in contract_units()
        if not unit.is_city
    ]
    return tuple(links)


def _issue(settings: Settings, data: PeriodData) -> Issue:
    """The period's recorded issue for this data (recorded now if new or corrected)."""
    return issue_for(settings.period_bulletin_dir(data.period), data.fingerprint)


def _render_city(settings: Settings, data: PeriodData, issue: Issue) -> tuple[Path, Path]:
    view = city_bulletin(data, issue, edition_links(data.period, None))
    html = environment().get_template(CITY_TEMPLATE).render(bulletin=view)
    directory = settings.period_bulletin_dir(data.period)
    return _write_pair(directory, city_file_stem(data.period), html)


def _render_county(
    settings: Settings, data: PeriodData, county_code: str, issue: Issue
) -> tuple[Path, Path]:
    view = county_bulletin(data, county_code, issue, edition_links(data.period, county_code))
    html = environment().get_template(COUNTY_TEMPLATE).render(bulletin=view)
    directory = settings.period_bulletin_dir(data.period)
    return _write_pair(directory, county_file_stem(county_code, data.period), html)


def _render_edition(
    settings: Settings, data: PeriodData, issue: Issue, county_code: str | None
) -> tuple[Path, Path]:
    """One edition: the city's when ``county_code`` is None (a worker's unit of work)."""
    if county_code is None:
        return _render_city(settings, data, issue)
    return _render_county(settings, data, county_code, issue)


def _check_county(county_code: str) -> str:
    """Only the ten county-level units have county bulletins."""
    if county_code not in {u.code for u in contract_units() if not u.is_city}:
        raise BulletinError(f"{county_code!r} is not one of the ten county-level codes")
    return county_code


def render_city(settings: Settings, period: str) -> tuple[Path, Path]:
    """Render the city bulletin (HTML, PDF) for the period; returns (html_path, pdf_path)."""
    data = load_period_data(settings, period)
    return _render_city(settings, data, _issue(settings, data))


def render_county(settings: Settings, period: str, county_code: str) -> tuple[Path, Path]:
    """Render one county's bulletin (HTML, PDF); returns (html_path, pdf_path)."""
    _check_county(county_code)
    data = load_period_data(settings, period)
    return _render_county(settings, data, county_code, _issue(settings, data))


def export_indicators_csv(settings: Settings, period: str) -> Path:
    """Write ``indicators.csv`` for the period beside the bulletins; returns its path."""
    data = load_period_data(settings, period)
    return write_indicators_csv(data, settings.period_bulletin_dir(period))


def _link(directory: Path, name: str, label: str) -> tuple[ArchiveLink, ...]:
    """A relative, URL-quoted link to ``<period>/<name>`` if that file exists."""
    if not (directory / name).is_file():
        return ()
    return (ArchiveLink(label, f"{quote(directory.name)}/{quote(name)}"),)


def archive_entries(bulletins_dir: Path) -> tuple[ArchiveEntry, ...]:
    """Every ended period folder with a bulletin file, newest first; the first marked latest.

    A folder for a month that has not ended (left by an older version, or made by hand) is
    not listed: it must not head the archive as the latest issue.
    """
    if not bulletins_dir.is_dir():
        return ()
    entries = []
    folders = (p for p in bulletins_dir.iterdir() if p.is_dir())
    for folder in sorted(folders, key=lambda p: p.name, reverse=True):
        period = folder.name
        if not PERIOD_PATTERN.fullmatch(period) or not Period.parse(period).has_ended():
            continue
        stem = city_file_stem(period)
        city_links = (
            _link(folder, f"{stem}.pdf", "PDF")
            + _link(folder, f"{stem}.html", "网页")
            + _link(folder, CSV_NAME, "指标数据（CSV）")
        )
        county_links = tuple(
            (
                unit.name,
                _link(folder, f"{county_file_stem(unit.code, period)}.pdf", "PDF")
                + _link(folder, f"{county_file_stem(unit.code, period)}.html", "网页"),
            )
            for unit in contract_units()
            if not unit.is_city
        )
        county_links = tuple(c for c in county_links if c[1])
        if city_links or county_links:
            entry = ArchiveEntry(period, period_label(period), city_links, county_links)
            entries.append(entry)
    if entries:
        entries[0] = replace(entries[0], latest=True)
    return tuple(entries)


def city_bulletin_paths(settings: Settings, period: str) -> tuple[Path, Path]:
    """Where the city bulletin of the period is (html, pdf), whether rendered yet or not."""
    stem = city_file_stem(validate_period(period))
    directory = settings.period_bulletin_dir(period)
    return directory / f"{stem}.html", directory / f"{stem}.pdf"


def publication_paths(settings: Settings, period: str) -> list[tuple[str, Path]]:
    """What a person opens after a run, labelled: bulletin PDF and HTML, export, index."""
    html, pdf = city_bulletin_paths(settings, period)
    directory = settings.period_bulletin_dir(period)
    return [
        ("bulletin PDF", pdf),
        ("bulletin HTML", html),
        ("county bulletins", directory / f"{CITY_TITLE}_<县（市、区）>_{period}.pdf"),
        ("indicators.csv", directory / "indicators.csv"),
        ("archive index", settings.bulletins_dir / INDEX_NAME),
    ]


def archive_updated(bulletins_dir: Path, entries: tuple[ArchiveEntry, ...]) -> str:
    """When the archive last changed: the latest recorded issue of a listed period.

    Read from the publication records, not the clock, so rewriting the page without a new
    publication gives the same bytes.
    """
    issued = [
        issue.issued_at
        for entry in entries
        if (issue := latest_issue(bulletins_dir / entry.period)) is not None
    ]
    return max(issued).strftime("%Y-%m-%d %H:%M") if issued else ""


def _data_docs_href(settings: Settings) -> str:
    """Relative link from the archive page to the quality Data Docs site; empty if not built."""
    site = data_docs_index(settings)
    if not site.is_file():
        return ""
    return quote(Path(os.path.relpath(site, settings.bulletins_dir)).as_posix())


def write_archive_index(settings: Settings) -> Path:
    """Write ``bulletins/index.html`` listing every period's bulletins; returns its path."""
    entries = archive_entries(settings.bulletins_dir)
    html = (
        environment()
        .get_template(INDEX_TEMPLATE)
        .render(
            entries=entries,
            updated=archive_updated(settings.bulletins_dir, entries),
            data_docs=_data_docs_href(settings),
        )
    )
    return atomic_write_text(settings.bulletins_dir / INDEX_NAME, html)


def _preload_renderers() -> None:
    """Import WeasyPrint and matplotlib before forking, so that no worker imports them again."""
    import weasyprint  # noqa: F401

    from reportflow.bulletin.trends import _configure

    _configure()
    _font_config()


def _render_all(
    settings: Settings, data: PeriodData, issue: Issue
) -> dict[str | None, tuple[Path, Path]]:
    """Every edition (None = the city), in :data:`RENDER_WORKERS` forked processes."""
    editions: list[str | None] = [None, *(unit.code for unit in data.counties)]
    _preload_renderers()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=RENDER_WORKERS, mp_context=context) as pool:
        futures = {
            code: pool.submit(_render_edition, settings, data, issue, code) for code in editions
        }
        return {code: future.result() for code, future in futures.items()}


def publish(settings: Settings, period: str) -> PublishResult:
    """City and county bulletins, the CSV export and the archive index for one period."""
    require_ended(period)
    data = load_period_data(settings, period)
    issue = _issue(settings, data)
    rendered = _render_all(settings, data, issue)
    city_html, city_pdf = rendered.pop(None)
    csv_path = write_indicators_csv(data, settings.period_bulletin_dir(period))
    return PublishResult(
        period=period,
        city_html=city_html,
        city_pdf=city_pdf,
        counties={code: paths for code, paths in rendered.items() if code is not None},
        indicators_csv=csv_path,
        index_html=write_archive_index(settings),
    )
