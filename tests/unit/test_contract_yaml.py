"""The contract is read with libyaml's loader for speed; it must read what PyYAML's own reads."""

from __future__ import annotations

import pytest
import yaml

from reportflow.contract import CONTRACT_DIR, _contract_document


@pytest.mark.parametrize("name", ["forms.yaml", "indicators.yaml"])
def test_fast_loader_reads_the_contract_as_the_reference_loader_does(name: str) -> None:
    path = CONTRACT_DIR / name
    assert _contract_document(path) == yaml.safe_load(path.read_text(encoding="utf-8"))


def test_libyaml_is_there() -> None:
    """The locked PyYAML wheel is built with libyaml; without it every process parses slowly."""
    assert yaml.__with_libyaml__
