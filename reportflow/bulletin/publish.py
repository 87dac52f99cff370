"""Rendering and publishing: HTML through the shared Jinja environment, PDF through WeasyPrint.

Every public function takes ``settings`` and a period and does its own loading, so Airflow can
fan the per-county renders out as separate mapped tasks; they write into the period's staging
set, which :func:`reportflow.bulletin.release.commit` publishes as one unit. :func:`publish`
loads the snapshot once, renders the eleven editions in parallel worker processes (forked
after WeasyPrint and matplotlib are imported, so a worker starts in milliseconds), writes them
from this process and commits.

Output is a function of the data: the date printed is the period's recorded issue
(:mod:`reportflow.bulletin.publication`), not the clock, so re-rendering a period from the
same data gives the same HTML and the same PDF text; the archive page likewise.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cache, partial
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
from reportflow.bulletin.release import begin, commit, published_root, stage
from reportflow.bulletin.views import EditionLink, city_bulletin, county_bulletin
from reportflow.config import Settings
from reportflow.periods import PERIOD_PATTERN, Period, period_label
from reportflow.quality import data_docs_index, period_page
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


@dataclass(frozen=True)
class Edition:
    """One rendered edition in memory: what a worker process hands back to be written."""

    stem: str
    html: str
    pdf: bytes


def render_edition(
    data: PeriodData, issue: Issue, county_code: str | None, directory: Path
) -> Edition:
    """The city edition when ``county_code`` is None, else that county's; nothing written.

    The PDF is made before anything is written, so a WeasyPrint failure leaves no new file.
    """
    if county_code is None:
        view = city_bulletin(data, issue, edition_links(data.period, None))
        template, stem = CITY_TEMPLATE, city_file_stem(data.period)
    else:
        view = county_bulletin(data, county_code, issue, edition_links(data.period, county_code))
        template, stem = COUNTY_TEMPLATE, county_file_stem(county_code, data.period)
    html = environment().get_template(template).render(bulletin=view)
    return Edition(stem, html, html_to_pdf(html, directory))


def write_edition(edition: Edition, directory: Path) -> tuple[Path, Path]:
    """Write one edition's HTML and PDF into ``directory``; returns (html, pdf)."""
    html_path = atomic_write_text(directory / f"{edition.stem}.html", edition.html)
    pdf_path = atomic_write_bytes(directory / f"{edition.stem}.pdf", edition.pdf)
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


def _check_county(county_code: str) -> str:
    """Only the ten county-level units have county bulletins."""
    if county_code not in {u.code for u in contract_units() if not u.is_city}:
        raise BulletinError(f"{county_code!r} is not one of the ten county-level codes")
    return county_code


def _render_staged(settings: Settings, period: str, county_code: str | None) -> tuple[Path, Path]:
    """Render one edition into the period's staging set (an Airflow task's unit of work).

    The period's issue is decided under the staging folder's lock, so the city and the
    county tasks running at once agree on it.
    """
    data = load_period_data(settings, period)
    staging = stage(settings, data.period)
    issue = issue_for(staging, data.fingerprint)
    return write_edition(render_edition(data, issue, county_code, staging), staging)


def render_city(settings: Settings, period: str) -> tuple[Path, Path]:
    """Render the city bulletin (HTML, PDF) into the staging set; (html_path, pdf_path)."""
    return _render_staged(settings, period, None)


def render_county(settings: Settings, period: str, county_code: str) -> tuple[Path, Path]:
    """Render one county's bulletin (HTML, PDF) into the staging set; (html_path, pdf_path)."""
    return _render_staged(settings, period, _check_county(county_code))


def export_indicators_csv(settings: Settings, period: str) -> Path:
    """Write ``indicators.csv`` of the period into its staging set; returns its path."""
    data = load_period_data(settings, period)
    return write_indicators_csv(data, stage(settings, data.period))


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


def _docs_href(settings: Settings, page: Path | None) -> str:
    """Relative link from the archive page to a Data Docs page; empty if it is not built."""
    if page is None or not page.is_file():
        return ""
    return quote(Path(os.path.relpath(page, settings.bulletins_dir)).as_posix())


def write_archive_index(settings: Settings, root: Path | None = None) -> Path:
    """Write ``index.html`` listing every period under ``root`` (a version being built, by
    default the published folder); returns its path."""
    root = root or published_root(settings)
    entries = archive_entries(root)
    html = (
        environment()
        .get_template(INDEX_TEMPLATE)
        .render(
            entries=entries,
            updated=archive_updated(root, entries),
            data_docs=_docs_href(settings, data_docs_index(settings)),
            quality_pages={
                e.period: _docs_href(settings, period_page(settings, e.period)) for e in entries
            },
        )
    )
    return atomic_write_text(root / INDEX_NAME, html)


def _preload_renderers() -> None:
    """Import WeasyPrint and matplotlib before forking, so that no worker imports them again."""
    import weasyprint  # noqa: F401

    from reportflow.bulletin.trends import _configure

    _configure()
    _font_config()


def _die_with_parent(parent: int) -> None:
    """Make a render worker end when the publishing process ends, SIGKILL included.

    Forked workers hold the task queue's pipe themselves, so an orphan would wait on it
    forever (and keep the caller's output pipes open). Linux's parent-death signal ends them.
    """
    import ctypes
    import signal

    set_parent_death_signal = 1  # PR_SET_PDEATHSIG, <linux/prctl.h>
    ctypes.CDLL(None, use_errno=True).prctl(set_parent_death_signal, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)


def _render_all(data: PeriodData, issue: Issue, directory: Path) -> Iterator[Edition]:
    """Every edition, city first, rendered in :data:`RENDER_WORKERS` forked processes.

    Yielded in that order as they are ready, so this process writes them one by one.
    """
    editions: list[str | None] = [None, *(unit.code for unit in data.counties)]
    _preload_renderers()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        max_workers=RENDER_WORKERS,
        mp_context=context,
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    ) as pool:
        yield from pool.map(partial(render_edition, data, issue, directory=directory), editions)


def publish(settings: Settings, period: str) -> PublishResult:
    """City and county bulletins, the CSV export and the archive index for one period.

    Rendered into the period's staging set and then published with the archive page in one
    switch (:mod:`reportflow.bulletin.release`): readers never see part of it.
    """
    require_ended(period)
    data = load_period_data(settings, period)
    staging = begin(settings, period)
    issue = issue_for(staging, data.fingerprint)
    for edition in _render_all(data, issue, staging):
        write_edition(edition, staging)
    write_indicators_csv(data, staging)
    folder = commit(settings, period)
    city_html, city_pdf = city_bulletin_paths(settings, period)
    return PublishResult(
        period=period,
        city_html=city_html,
        city_pdf=city_pdf,
        counties={
            unit.code: tuple(
                folder / f"{county_file_stem(unit.code, period)}.{kind}" for kind in ("html", "pdf")
            )
            for unit in data.counties
        },
        indicators_csv=folder / CSV_NAME,
        index_html=settings.bulletins_dir / INDEX_NAME,
    )
