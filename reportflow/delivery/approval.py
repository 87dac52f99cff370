"""Sign-off: draft previews for the reviewer, and freezing exactly what was approved.

Design: the bulletin package renders the final files once (no watermark). Before sign-off
:func:`write_drafts` writes a preview of every edition, HTML and PDF, with a 草稿 watermark into
``bulletins/<period>/draft/`` for the reviewer, without a second render: the HTML draft is a
copy of the rendered HTML with a style added, the PDF draft is the rendered PDF with one
watermark page (rendered once per process) laid over each of its pages. So the draft shows
the same data and layout, and the approved PDFs that are mailed carry no watermark.
:func:`approve` then copies each edition's PDF into ``delivery/approved/<period>/<token>/``,
records its SHA-256 and the headline figures in the ledger, and from then on mail is built
only from those frozen copies (their digest is checked before every send). So the files
that are sent are byte for byte the files that were approved, even if the period is
re-rendered meanwhile, and a failed or retried delivery never renders anything.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from reportflow.bulletin import city_bulletin_paths, county_file_stem, load_period_data
from reportflow.bulletin.files import atomic_write_bytes, atomic_write_text
from reportflow.bulletin.publication import latest_issue
from reportflow.bulletin.release import published_root
from reportflow.bulletin.views import city_bulletin, county_bulletin
from reportflow.config import Settings
from reportflow.delivery.ledger import (
    Approval,
    ApprovedFile,
    Decision,
    Rejection,
    add_approval,
    add_rejection,
    approval_by_id,
    open_ledger,
)
from reportflow.delivery.recipients import CITY_EDITION, editions

if TYPE_CHECKING:
    from pypdf import PageObject

DRAFT_FOLDER = "draft"
DRAFT_MARK = "草稿"
#: Added to the <head> of a copy of the rendered HTML: a large diagonal 草稿 over every page.
DRAFT_STYLE = (
    "<style>body::before{content:'" + DRAFT_MARK + "';position:fixed;top:35%;left:0;right:0;"
    "text-align:center;font-size:160px;font-weight:bold;color:rgba(200,0,0,.18);"
    "transform:rotate(-30deg);z-index:1000;pointer-events:none}</style>"
)
#: An empty A4 page carrying only the mark, in the bulletin's CJK font (WeasyPrint draws
#: ``position:fixed`` on the page it lands on).
WATERMARK_PAGE = (
    "<html><head>" + DRAFT_STYLE + "<style>@page{size:A4 portrait;margin:0}"
    "body{margin:0;font-family:'Noto Sans CJK SC',sans-serif}</style></head><body></body></html>"
)


class NotApproved(RuntimeError):
    """Delivery asked for a period that was never signed off (or a file missing at sign-off)."""


def edition_paths(settings: Settings, period: str, edition: str) -> tuple[Path, Path]:
    """(html, pdf) of one edition, located through the bulletin package's own names."""
    if edition == CITY_EDITION:
        return city_bulletin_paths(settings, period)
    directory = settings.period_bulletin_dir(period)
    stem = county_file_stem(edition, period)
    return directory / f"{stem}.html", directory / f"{stem}.pdf"


def draft_dir(settings: Settings, period: str) -> Path:
    return settings.period_bulletin_dir(period) / DRAFT_FOLDER


@cache
def _watermark() -> PageObject:
    """The 草稿 page laid over every draft page; rendered once per process."""
    from pypdf import PdfReader

    from reportflow.bulletin.publish import html_to_pdf

    pdf = html_to_pdf(WATERMARK_PAGE, Path.cwd())
    return PdfReader(io.BytesIO(pdf)).pages[0]


def watermarked_pdf(pdf: bytes) -> bytes:
    """``pdf`` with the 草稿 mark over each page: the PDF the office reviews before sign-off."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for page in writer.pages:
        page.merge_page(_watermark(), over=True)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def write_drafts(settings: Settings, period: str) -> list[Path]:
    """A watermarked preview (HTML and PDF) of each edition, for the reviewer to open."""
    drafts = []
    published = published_root(settings) / period  # resolved once: one publication's files
    folder = published / DRAFT_FOLDER
    for edition in editions():
        html, pdf = (published / path.name for path in edition_paths(settings, period, edition))
        text = html.read_text(encoding="utf-8")
        marked = text.replace("</head>", DRAFT_STYLE + "</head>", 1)
        drafts.append(atomic_write_text(folder / html.name, marked))
        drafts.append(atomic_write_bytes(folder / pdf.name, watermarked_pdf(pdf.read_bytes())))
    return drafts


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _headlines(settings: Settings, period: str) -> dict[str, tuple]:
    """Per edition, the (label, value) pairs the mail body quotes, taken from the bulletin as
    it was issued (its recorded issue, so the mail and the PDF agree)."""
    issued = latest_issue(settings.period_bulletin_dir(period))
    if issued is None:
        raise NotApproved(f"cannot approve {period}: no bulletin has been issued for it")
    data = load_period_data(settings, period)
    views = {CITY_EDITION: city_bulletin(data, issued)}
    views.update({e: county_bulletin(data, e, issued) for e in editions() if e != CITY_EDITION})
    return {
        edition: (
            f"{view.masthead.title}·{view.masthead.subtitle}（{view.masthead.period_label}）",
            tuple((h.label, h.value.text) for h in view.headlines),
        )
        for edition, view in views.items()
    }


def approve(settings: Settings, decision: Decision) -> Approval:
    """Freeze every edition's PDF as approved and record who approved it and when.

    The published folder is resolved once, so every PDF frozen comes from one publication
    even if the period is being re-published meanwhile.
    """
    period = decision.period
    folder = settings.delivery_dir / "approved" / period / uuid.uuid4().hex[:12]
    published = published_root(settings) / period
    titles = _headlines(settings, period)
    frozen = []
    for edition in editions():
        pdf = published / edition_paths(settings, period, edition)[1].name
        if not pdf.is_file():
            raise NotApproved(f"cannot approve {period}: {pdf.name} has not been rendered")
        payload = pdf.read_bytes()
        subject, headlines = titles[edition]
        stored = atomic_write_bytes(folder / pdf.name, payload)
        frozen.append(ApprovedFile(edition, subject, stored, sha256_of(payload), headlines))
    with open_ledger(settings.delivery_dir) as con:
        approval_id = add_approval(con, decision, frozen)
        return approval_by_id(con, approval_id)


def reject(settings: Settings, decision: Decision) -> Rejection:
    """Record a refused sign-off (who, when, comment) in the ledger; nothing is frozen or sent."""
    with open_ledger(settings.delivery_dir) as con:
        return add_rejection(con, decision)
