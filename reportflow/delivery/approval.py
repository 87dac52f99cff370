"""Sign-off: draft previews for the reviewer, and freezing exactly what was approved.

Design: the bulletin package renders the final files once (no watermark). Before sign-off
:func:`write_drafts` writes a preview of every edition with a 草稿 watermark into
``bulletins/<period>/draft/`` for the reviewer; the watermark is a style added to a copy of
the rendered HTML, so the draft shows the same data and layout without a second render.
:func:`approve` then copies each edition's PDF into ``delivery/approved/<period>/<token>/``,
records its SHA-256 and the headline figures in the ledger, and from then on mail is built
only from those frozen copies (their digest is checked before every send). So the files
that are sent are byte for byte the files that were approved, even if the period is
re-rendered meanwhile, and a failed or retried delivery never renders anything.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from pathlib import Path

from reportflow.bulletin import city_bulletin_paths, county_file_stem, load_period_data
from reportflow.bulletin.files import atomic_write_bytes, atomic_write_text
from reportflow.bulletin.publication import latest_issue
from reportflow.bulletin.views import city_bulletin, county_bulletin
from reportflow.config import Settings
from reportflow.delivery.ledger import (
    Approval,
    ApprovedFile,
    add_approval,
    approval_by_id,
    open_ledger,
)
from reportflow.delivery.recipients import CITY_EDITION, editions

DRAFT_FOLDER = "draft"
DRAFT_MARK = "草稿"
#: Added to the <head> of a copy of the rendered HTML: a large diagonal 草稿 over every page.
DRAFT_STYLE = (
    "<style>body::before{content:'" + DRAFT_MARK + "';position:fixed;top:35%;left:0;right:0;"
    "text-align:center;font-size:160px;font-weight:bold;color:rgba(200,0,0,.18);"
    "transform:rotate(-30deg);z-index:1000;pointer-events:none}</style>"
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


def write_drafts(settings: Settings, period: str) -> list[Path]:
    """A watermarked preview of each edition's rendered HTML, for the reviewer to open."""
    drafts = []
    for edition in editions():
        html, _ = edition_paths(settings, period, edition)
        text = html.read_text(encoding="utf-8")
        marked = text.replace("</head>", DRAFT_STYLE + "</head>", 1)
        drafts.append(atomic_write_text(draft_dir(settings, period) / html.name, marked))
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


def approve(
    settings: Settings,
    period: str,
    *,
    decided_by: str,
    decided_at: datetime,
    comment: str,
    source: str,
) -> Approval:
    """Freeze every edition's PDF as approved and record who approved it and when."""
    folder = settings.delivery_dir / "approved" / period / uuid.uuid4().hex[:12]
    titles = _headlines(settings, period)
    frozen = []
    for edition in editions():
        _, pdf = edition_paths(settings, period, edition)
        if not pdf.is_file():
            raise NotApproved(f"cannot approve {period}: {pdf.name} has not been rendered")
        payload = pdf.read_bytes()
        subject, headlines = titles[edition]
        stored = atomic_write_bytes(folder / pdf.name, payload)
        frozen.append(ApprovedFile(edition, subject, stored, sha256_of(payload), headlines))
    with open_ledger(settings.delivery_dir) as con:
        approval_id = add_approval(
            con, period, decided_by, decided_at.isoformat(), comment, source, frozen
        )
        return approval_by_id(con, approval_id)
