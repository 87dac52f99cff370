"""recipients.yaml is data the office edits: a mistake must stop delivery before anything is
sent, with a message naming the file and the entry; the demo default covers every edition."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportflow.contract import counties
from reportflow.delivery.message import message_id
from reportflow.delivery.recipients import (
    CITY_EDITION,
    RecipientsError,
    ensure_recipients_file,
    load_recipients,
    load_recipients_file,
)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "recipients.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_demo_default_has_one_reader_per_edition(tmp_path: Path) -> None:
    path = tmp_path / "recipients.yaml"
    assert ensure_recipients_file(path)
    readers = load_recipients(path)
    assert [r.edition for r in readers] == [CITY_EDITION, *(c.code for c in counties())]
    roles = load_recipients_file(path)
    assert roles.engineers and roles.office
    assert list(roles.contacts) == [c.code for c in counties()], "a contact for every county"
    assert not {r.address for r in readers} & {
        r.address for c in roles.contacts.values() for r in c
    }
    path.write_text("city: [office@city.example]\n", encoding="utf-8")
    assert not ensure_recipients_file(path), "an edited file is never overwritten"


def test_alert_roles_are_optional_and_kept_apart_from_readers(tmp_path: Path) -> None:
    path = _write(tmp_path, "city: [a@x.example]\n")
    assert load_recipients_file(path).contacts == {} and load_recipients_file(path).engineers == ()
    path = _write(
        tmp_path,
        'engineers: [数据组 <Data@X.example>]\ncontacts:\n  "440802": [clerk@x.example]\n',
    )
    roles = load_recipients_file(path)
    assert [(r.address, r.display_name) for r in roles.engineers] == [("data@x.example", "数据组")]
    assert [r.address for r in roles.contacts["440802"]] == ["clerk@x.example"]
    assert roles.readers == () and load_recipients(path) == (), "contacts get no bulletin"


def test_names_duplicates_and_order(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '"440802": [a@x.example]\ncity:\n  - 市领导 <Lead@City.example>\n  - lead@city.example\n',
    )
    readers = load_recipients(path)
    assert [(r.edition, r.address, r.display_name) for r in readers] == [
        (CITY_EDITION, "lead@city.example", "市领导"),
        ("440802", "a@x.example", ""),
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("city: [not-an-address]\n", "not an e-mail address"),
        ('"999999": [a@x.example]\n', "unknown edition"),
        ("city: a@x.example\n", "must list addresses"),
        ("- a@x.example\n", "must map editions"),
        ("city: [a@x.example\n", "not valid YAML"),
        ('contacts:\n  "999999": [a@x.example]\n', "unknown county code"),
        ("contacts: [a@x.example]\n", "must map county codes"),
        ("engineers: [nobody]\n", "not an e-mail address"),
    ],
)
def test_mistakes_are_one_line_errors(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(RecipientsError, match=problem):
        load_recipients(_write(tmp_path, text))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RecipientsError, match="does not exist"):
        load_recipients(tmp_path / "recipients.yaml")


def test_message_id_is_fixed_per_edition_reader_and_sequence() -> None:
    first = message_id("2026-10", "city", 0, "A@x.example", "rf@zhanjiang.example")
    assert first == message_id("2026-10", "city", 0, "a@x.example", "rf@zhanjiang.example")
    assert first.endswith("@zhanjiang.example>") and "a@x.example" not in first
    others = {
        message_id("2026-11", "city", 0, "a@x.example", "rf@zhanjiang.example"),
        message_id("2026-10", "440802", 0, "a@x.example", "rf@zhanjiang.example"),
        message_id("2026-10", "city", 1, "a@x.example", "rf@zhanjiang.example"),
        message_id("2026-10", "city", 0, "b@x.example", "rf@zhanjiang.example"),
    }
    assert first not in others and len(others) == 4
