"""Who receives which edition: data in ``REPORTFLOW_HOME/recipients.yaml``, never code.

The file maps an edition to its readers: ``city`` (the city bulletin, for the city's leaders)
and each county-level unit's code (that unit's edition, for its leaders)::

    city:
      - 市委办公室 <office@city.example>
    "440802":
      - leaders@chikan.example

Addresses are plain ``addr`` or ``Name <addr>``. An edition left out gets no mail. The file is
checked as a whole before anything is sent, so a typo in one county's list cannot leave the
run half-delivered. ``reportflow init`` writes :data:`DEMO_RECIPIENTS` (reserved ``.example``
domains, which never leave a test server) when the file does not exist yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path

import yaml

from reportflow.contract import counties

#: The edition key of the city bulletin; county editions are keyed by the unit's code.
CITY_EDITION = "city"


class RecipientsError(ValueError):
    """``recipients.yaml`` cannot be used: one line naming the file and the problem."""


@dataclass(frozen=True)
class Recipient:
    """One reader of one edition; ``address`` is the bare address, the ledger's key."""

    edition: str
    address: str
    display_name: str = ""


def editions() -> tuple[str, ...]:
    """Every edition in sending order: the city bulletin first, then the counties."""
    return (CITY_EDITION, *(county.code for county in counties()))


def demo_recipients() -> str:
    """The default file for the demo: one reserved-domain address per edition."""
    lines = [
        "# Who receives which edition of the bulletin (edit for a real installation).",
        "# city: the city bulletin; a county code: that county-level unit's edition.",
        f"{CITY_EDITION}:",
        "  - 湛江市领导 <leaders@city.zhanjiang.example>",
    ]
    for county in counties():
        lines.append(f'"{county.code}":  # {county.name}')
        lines.append(f"  - leaders@{county.code}.zhanjiang.example")
    return "\n".join(lines) + "\n"


def ensure_recipients_file(path: Path) -> bool:
    """Write the demo default if no file exists; True when it was written."""
    if path.exists():
        return False
    path.write_text(demo_recipients(), encoding="utf-8")
    return True


def _parse_address(path: Path, edition: str, text: object) -> Recipient:
    """One entry of an edition's list as a :class:`Recipient`, or a RecipientsError."""
    name, address = parseaddr(str(text)) if isinstance(text, str) else ("", "")
    local, _, domain = address.rpartition("@")
    if not local or "." not in domain or " " in address:
        raise RecipientsError(f"{path}: {text!r} under {edition!r} is not an e-mail address")
    return Recipient(edition=edition, address=address.lower(), display_name=name)


def load_recipients(path: Path) -> tuple[Recipient, ...]:
    """Every (edition, reader) pair in :func:`editions` order; the whole file is checked first."""
    if not path.is_file():
        raise RecipientsError(f"{path} does not exist: run `reportflow init` or write it")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise RecipientsError(f"{path} is not valid YAML: {error}") from error
    if not isinstance(document, dict):
        raise RecipientsError(f"{path} must map editions (city or a county code) to lists")
    known = editions()
    document = {str(key): value for key, value in document.items()}
    if unknown := sorted(set(document) - set(known)):
        raise RecipientsError(f"{path}: unknown edition(s) {unknown}; use city or a county code")
    recipients: list[Recipient] = []
    for edition in known:
        entries = document.get(edition) or []
        if not isinstance(entries, list):
            raise RecipientsError(f"{path}: {edition!r} must list addresses")
        unique: dict[str, Recipient] = {}
        for entry in entries:
            reader = _parse_address(path, edition, entry)
            unique.setdefault(reader.address, reader)  # a repeated address is mailed once
        recipients.extend(unique.values())
    return tuple(recipients)
