"""Sign-off: freezing what the office reviews, its draft previews, and recording approval.

Design: the bulletin package renders the final files once (no watermark). Before sign-off
:func:`prepare_review` copies each edition's PDF, with its SHA-256 and the headline figures
the mail quotes, into a new ``delivery/approved/<period>/<token>/`` folder, and writes from
those very bytes a preview of every edition, HTML and PDF, with a 草稿 watermark into
``bulletins/<period>/draft/``, without a second render: the HTML draft is a copy of the
rendered HTML with a style added, the PDF draft is the PDF with one watermark page (rendered
once per process) laid over each of its pages. :func:`approve` records who approved that
frozen set and when; mail is built only from it (digests checked before every send). So the
files sent are byte for byte the files reviewed, even if the period is re-published while the
sign-off waits, and a failed or retried delivery never renders anything.
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
from dataclasses import dataclass
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
#: What :func:`prepare_review` froze: per edition, subject, file, SHA-256 and headline figures.
REVIEW_MANIFEST = "review.json"
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


@dataclass(frozen=True)
class Review:
    """A set frozen for sign-off (``folder``, passed on to :func:`approve`) and its previews."""

    folder: Path
    drafts: tuple[Path, ...]


def prepare_review(settings: Settings, period: str) -> Review:
    """Freeze what the office will review, and write its 草稿 previews from those very bytes.

    Every edition's PDF is copied, with its digest and the mail's headline figures, into a
    new ``delivery/approved/<period>/<token>/`` folder described by ``review.json``; the drafts
    are made from the same files. Approval later records that folder and nothing else, so the
    files mailed are the files reviewed even if the period is re-published while the sign-off
    waits.
    """
    folder = settings.delivery_dir / "approved" / period / uuid.uuid4().hex[:12]
    published = published_root(settings) / period  # resolved once: one publication's files
    titles = _headlines(settings, period)
    manifest, drafts = [], []
    for edition in editions():
        html, pdf = (published / path.name for path in edition_paths(settings, period, edition))
        if not pdf.is_file():
            raise NotApproved(f"cannot review {period}: {pdf.name} has not been rendered")
        payload = pdf.read_bytes()
        atomic_write_bytes(folder / pdf.name, payload)
        subject, headlines = titles[edition]
        manifest.append([edition, subject, pdf.name, sha256_of(payload), headlines])
        drafts += _write_draft(published / DRAFT_FOLDER, html, pdf.name, payload)
    atomic_write_text(folder / REVIEW_MANIFEST, json.dumps(manifest, ensure_ascii=False))
    return Review(folder, tuple(drafts))


def _write_draft(folder: Path, html: Path, pdf_name: str, pdf: bytes) -> list[Path]:
    """One edition's watermarked preview (HTML and PDF) for the reviewer to open."""
    marked = html.read_text(encoding="utf-8").replace("</head>", DRAFT_STYLE + "</head>", 1)
    return [
        atomic_write_text(folder / html.name, marked),
        atomic_write_bytes(folder / pdf_name, watermarked_pdf(pdf)),
    ]


def reviewed_files(review: Path) -> list[ApprovedFile]:
    """The files frozen for review in ``review``; NotApproved if any changed since."""
    try:
        manifest = json.loads((review / REVIEW_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise NotApproved(f"no reviewed set in {review}: {error}") from error
    files = []
    for edition, subject, name, digest, headlines in manifest:
        stored = review / name
        if sha256_of(stored.read_bytes()) != digest:
            raise NotApproved(f"{stored} changed after it was reviewed: review the period again")
        files.append(ApprovedFile(edition, subject, stored, digest, tuple(map(tuple, headlines))))
    return files


def approve(settings: Settings, decision: Decision, review: Path) -> Approval:
    """Record who approved the set frozen in ``review`` (by :func:`prepare_review`) and when."""
    files = reviewed_files(review)
    with open_ledger(settings.delivery_dir) as con:
        approval_id = add_approval(con, decision, files)
        return approval_by_id(con, approval_id)


def reject(settings: Settings, decision: Decision) -> Rejection:
    """Record a refused sign-off (who, when, comment) in the ledger; nothing is frozen or sent."""
    with open_ledger(settings.delivery_dir) as con:
        return add_rejection(con, decision)
