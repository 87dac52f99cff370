"""Who receives what: data in ``REPORTFLOW_HOME/recipients.yaml``, never code.

The file maps an edition to its readers: ``city`` (the city bulletin, for the city's leaders)
and each county-level unit's code (that unit's edition, for its leaders). Three optional roles
receive alerts rather than bulletins (see :mod:`reportflow.alerts`)::

    city:
      - 市领导 <leaders@city.example>
    "440802":
      - leaders@chikan.example
    engineers:            # task failures, late bulletin
      - data-team@city.example
    office:               # late bulletin (the office that signs the bulletin off)
      - 市委办公室 <office@city.example>
    contacts:             # per county: who submits its forms, reminded of missing ones
      "440802":
        - 赤坎区填报员 <report@chikan.example>

A county's contacts are kept apart from its edition's readers on purpose: the clerk who
uploads the forms is rarely the leader who reads the bulletin, and leaders should not be
chased for paperwork. Addresses are plain ``addr`` or ``Name <addr>``. A key left out gets no
mail. The file is checked as a whole before anything is sent, so a typo in one county's list
cannot leave the run half-delivered. ``reportflow init`` writes :func:`demo_recipients`
(reserved ``.example`` domains, which never leave a test server) when the file does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path

import yaml

from reportflow.contract import counties

#: The edition key of the city bulletin; county editions are keyed by the unit's code.
CITY_EDITION = "city"
#: Data engineers: task-failure and late-bulletin alerts.
ENGINEERS = "engineers"
#: The office that signs bulletins off: late-bulletin alerts.
OFFICE = "office"
#: Per county code, the staff who submit its forms: missing-form reminders.
CONTACTS = "contacts"


class RecipientsError(ValueError):
    """``recipients.yaml`` cannot be used: one line naming the file and the problem."""


@dataclass(frozen=True)
class Recipient:
    """One reader of one edition (or one member of an alert role, whose key ``edition`` holds);
    ``address`` is the bare address, the ledger's key."""

    edition: str
    address: str
    display_name: str = ""


@dataclass(frozen=True)
class RecipientsFile:
    """Everything ``recipients.yaml`` says: bulletin readers and the alert roles."""

    readers: tuple[Recipient, ...]
    engineers: tuple[Recipient, ...] = ()
    office: tuple[Recipient, ...] = ()
    contacts: dict[str, tuple[Recipient, ...]] = field(default_factory=dict)


def editions() -> tuple[str, ...]:
    """Every edition in sending order: the city bulletin first, then the counties."""
    return (CITY_EDITION, *(county.code for county in counties()))


def demo_recipients() -> str:
    """The default file for the demo: one reserved-domain address per edition."""
    lines = [
        "# Who receives what (edit for a real installation).",
        "# city: the city bulletin; a county code: that county-level unit's edition.",
        f"{CITY_EDITION}:",
        "  - 湛江市领导 <leaders@city.zhanjiang.example>",
    ]
    for county in counties():
        lines.append(f'"{county.code}":  # {county.name}')
        lines.append(f"  - leaders@{county.code}.zhanjiang.example")
    lines += [
        "# engineers: task failures and a late bulletin; office: a late bulletin.",
        f"{ENGINEERS}:",
        "  - 数据工程师 <data-team@city.zhanjiang.example>",
        f"{OFFICE}:",
        "  - 市委组织部办公室 <office@city.zhanjiang.example>",
        "# contacts: per county, who submits its forms (reminded of missing forms).",
        f"{CONTACTS}:",
    ]
    for county in counties():
        lines.append(f'  "{county.code}":  # {county.name}')
        lines.append(f"    - {county.name}填报员 <report@{county.code}.zhanjiang.example>")
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


def _address_list(path: Path, key: str, entries: object) -> tuple[Recipient, ...]:
    """One key's list of addresses, each parsed; a repeated address is kept once."""
    if not isinstance(entries, list):
        raise RecipientsError(f"{path}: {key!r} must list addresses")
    unique: dict[str, Recipient] = {}
    for entry in entries:
        reader = _parse_address(path, key, entry)
        unique.setdefault(reader.address, reader)
    return tuple(unique.values())


def _contacts(path: Path, document: object) -> dict[str, tuple[Recipient, ...]]:
    """``contacts``: county code → its form submitters; only the contract's counties."""
    if not isinstance(document, dict):
        raise RecipientsError(f"{path}: {CONTACTS!r} must map county codes to lists")
    document = {str(key): value for key, value in document.items()}
    codes = [county.code for county in counties()]
    if unknown := sorted(set(document) - set(codes)):
        raise RecipientsError(f"{path}: unknown county code(s) {unknown} under {CONTACTS!r}")
    return {
        code: _address_list(path, code, document[code] or []) for code in codes if code in document
    }


def load_recipients_file(path: Path) -> RecipientsFile:
    """The whole file, checked as a whole before anything is sent (the one loader)."""
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
    if unknown := sorted(set(document) - {*known, ENGINEERS, OFFICE, CONTACTS}):
        raise RecipientsError(
            f"{path}: unknown edition(s) or role(s) {unknown}; use city, a county code, "
            f"{ENGINEERS}, {OFFICE} "
            f"or {CONTACTS}"
        )
    readers = [
        reader
        for edition in known
        for reader in _address_list(path, edition, document.get(edition) or [])
    ]
    return RecipientsFile(
        readers=tuple(readers),
        engineers=_address_list(path, ENGINEERS, document.get(ENGINEERS) or []),
        office=_address_list(path, OFFICE, document.get(OFFICE) or []),
        contacts=_contacts(path, document.get(CONTACTS) or {}),
    )


def load_recipients(path: Path) -> tuple[Recipient, ...]:
    """Every (edition, reader) pair in :func:`editions` order; the whole file is checked first."""
    return load_recipients_file(path).readers
