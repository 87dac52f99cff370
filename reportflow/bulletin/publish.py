"""Rendering and publishing: HTML through the shared Jinja environment, PDF through WeasyPrint.

Every public function takes ``settings`` and a period and does its own loading, so Airflow can
fan the per-county renders out as separate mapped tasks; :func:`publish` does everything in
one process and loads the snapshot once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from reportflow.bulletin.data import (
    BulletinError,
    PeriodData,
    contract_units,
    load_period_data,
    validate_period,
)
from reportflow.bulletin.export import CSV_NAME, write_indicators_csv
from reportflow.bulletin.files import (
    atomic_write_bytes,
    atomic_write_text,
    city_file_stem,
    county_file_stem,
)
from reportflow.bulletin.views import city_bulletin, county_bulletin
from reportflow.config import TEMPLATES_DIR, Settings
from reportflow.periods import PERIOD_PATTERN, beijing_now, period_label
from reportflow.quality import data_docs_index
from reportflow.templating import environment

if TYPE_CHECKING:
    from weasyprint.text.fonts import FontConfiguration

CITY_TEMPLATE = "bulletin_city.html"
COUNTY_TEMPLATE = "bulletin_county.html"
INDEX_TEMPLATE = "index.html"
INDEX_NAME = "index.html"


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


def _issued_now() -> datetime:
    """Date of issue printed in the masthead: today in Beijing."""
    return beijing_now()


@cache
def _font_config() -> FontConfiguration:
    """One font configuration per process: WeasyPrint then reuses loaded CJK faces."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def html_to_pdf(html: str) -> bytes:
    """A4 PDF of a rendered page; the import is here because WeasyPrint takes ~1 s to load."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=str(TEMPLATES_DIR))
    return document.write_pdf(font_config=_font_config())


def _write_pair(directory: Path, stem: str, html: str) -> tuple[Path, Path]:
    """PDF made first, so a WeasyPrint failure leaves neither a new HTML nor a new PDF."""
    pdf = html_to_pdf(html)
    html_path = atomic_write_text(directory / f"{stem}.html", html)
    pdf_path = atomic_write_bytes(directory / f"{stem}.pdf", pdf)
    return html_path, pdf_path


def _render_city(settings: Settings, data: PeriodData, issued: datetime) -> tuple[Path, Path]:
    view = city_bulletin(data, issued)
    html = environment().get_template(CITY_TEMPLATE).render(bulletin=view)
    directory = settings.period_bulletin_dir(data.period)
    return _write_pair(directory, city_file_stem(data.period), html)


def _render_county(
    settings: Settings, data: PeriodData, county_code: str, issued: datetime
) -> tuple[Path, Path]:
    view = county_bulletin(data, county_code, issued)
    html = environment().get_template(COUNTY_TEMPLATE).render(bulletin=view)
    directory = settings.period_bulletin_dir(data.period)
    return _write_pair(directory, county_file_stem(county_code), html)


def _check_county(county_code: str) -> str:
    """Only the ten county-level units have county bulletins."""
    if county_code not in {u.code for u in contract_units() if not u.is_city}:
        raise BulletinError(f"{county_code!r} is not one of the ten county-level codes")
    return county_code


def render_city(settings: Settings, period: str) -> tuple[Path, Path]:
    """Render the city bulletin (HTML, PDF) for the period; returns (html_path, pdf_path)."""
    return _render_city(settings, load_period_data(settings, period), _issued_now())


def render_county(settings: Settings, period: str, county_code: str) -> tuple[Path, Path]:
    """Render one county's bulletin (HTML, PDF); returns (html_path, pdf_path)."""
    _check_county(county_code)
    data = load_period_data(settings, period)
    return _render_county(settings, data, county_code, _issued_now())


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
    """Every period folder with at least one bulletin file, newest first."""
    if not bulletins_dir.is_dir():
        return ()
    entries = []
    folders = (p for p in bulletins_dir.iterdir() if p.is_dir())
    for folder in sorted(folders, key=lambda p: p.name, reverse=True):
        if not PERIOD_PATTERN.fullmatch(folder.name):
            continue
        stem = city_file_stem(folder.name)
        city_links = (
            _link(folder, f"{stem}.pdf", "PDF")
            + _link(folder, f"{stem}.html", "网页")
            + _link(folder, CSV_NAME, "指标数据（CSV）")
        )
        county_links = tuple(
            (
                unit.name,
                _link(folder, f"{county_file_stem(unit.code)}.pdf", "PDF")
                + _link(folder, f"{county_file_stem(unit.code)}.html", "网页"),
            )
            for unit in contract_units()
            if not unit.is_city
        )
        county_links = tuple(c for c in county_links if c[1])
        if city_links or county_links:
            entries.append(
                ArchiveEntry(folder.name, period_label(folder.name), city_links, county_links)
            )
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
        ("county bulletins", directory / "county_<code>.pdf"),
        ("indicators.csv", directory / "indicators.csv"),
        ("archive index", settings.bulletins_dir / INDEX_NAME),
    ]


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
            updated=_issued_now().strftime("%Y-%m-%d %H:%M"),
            data_docs=_data_docs_href(settings),
        )
    )
    return atomic_write_text(settings.bulletins_dir / INDEX_NAME, html)


def publish(settings: Settings, period: str) -> PublishResult:
    """City and county bulletins, the CSV export and the archive index for one period."""
    validate_period(period)
    data = load_period_data(settings, period)
    issued = _issued_now()
    city_html, city_pdf = _render_city(settings, data, issued)
    counties = {
        unit.code: _render_county(settings, data, unit.code, issued) for unit in data.counties
    }
    csv_path = write_indicators_csv(data, settings.period_bulletin_dir(period))
    return PublishResult(
        period=period,
        city_html=city_html,
        city_pdf=city_pdf,
        counties=counties,
        indicators_csv=csv_path,
        index_html=write_archive_index(settings),
    )
