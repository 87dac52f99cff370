"""The project's machine-readable copy of the submission and indicator contracts.

Intake, validation, county templates, quality suites and the dbt project all read the
contract from here, so a change to a form is made in one place: ``contract/*.yaml`` and the
official town list ``contract/towns.csv`` (derived by ``scripts/refresh_towns.py``). dbt's copy
(seeds, sources, staging YAML, indicator docs) is generated from them by
:mod:`reportflow.contract_codegen`.

The loaders that the generator uses take an optional contract folder, so that it can be run on an
edited copy of the contract (its tests do) without touching the installed one.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

CONTRACT_DIR = Path(__file__).resolve().parent / "contract"

#: DuckDB column type for each contract type.
DUCKDB_TYPES: dict[str, str] = {
    "text": "VARCHAR",
    "code": "VARCHAR",
    "enum": "VARCHAR",
    "date": "DATE",
    "whole": "BIGINT",
    "decimal": "DECIMAL(18, 2)",
    "yesno": "BOOLEAN",
}


@dataclass(frozen=True)
class FieldSpec:
    """One column of a form, as forms.md defines it."""

    key: str
    label: str
    type: str
    required: bool
    unique: bool = False
    values: dict[str, str] = field(default_factory=dict)
    required_if: dict | None = None
    not_before: str | None = None
    inside_period: bool = False
    max: int | None = None

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.type]


@dataclass(frozen=True)
class FormSpec:
    """One of the seven forms a county submits each month."""

    key: str
    label: str
    kind: str
    description: str
    fields: tuple[FieldSpec, ...]
    id_field: str | None = None

    def field_by_key(self, key: str) -> FieldSpec:
        return next(f for f in self.fields if f.key == key)

    @property
    def raw_table(self) -> str:
        return f"raw.{self.key}"


@dataclass(frozen=True)
class County:
    code: str
    name: str
    kind: str
    sort_order: int


@dataclass(frozen=True)
class Town:
    code: str
    name: str
    county_code: str
    kind: str


#: Values of an indicator's ``better``: which way a change is good news.
BETTER_DIRECTIONS: frozenset[str] = frozenset({"higher", "lower", "neutral"})


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator: its key, Chinese label and unit, how it is computed and read.

    ``better`` says whether a rise is good news (``higher``), bad news (``lower``, e.g. open
    warnings) or neither (``neutral``); the bulletin's arrows, colours and summary words follow
    it. ``explanation`` is the Chinese definition printed in the bulletin's 指标说明;
    ``definition`` is the contract's wording that the dbt models implement.
    """

    key: str
    label: str
    form: str | None
    kind: str
    unit: str
    better: str
    explanation: str
    definition: str

    def __post_init__(self) -> None:
        if self.better not in BETTER_DIRECTIONS:
            raise ValueError(f"indicator {self.key}: better must be one of {BETTER_DIRECTIONS}")


#: libyaml's safe loader where PyYAML was built with it: the same documents (the contract test
#: compares both), about six times faster than the pure-Python one, which cost every CLI
#: process and Airflow task about 0.3 s before it could check a file.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _contract_document(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)


@cache
def _forms_document(contract_dir: Path = CONTRACT_DIR) -> dict:
    return _contract_document(contract_dir / "forms.yaml")


@cache
def _indicators_document(contract_dir: Path = CONTRACT_DIR) -> dict:
    return _contract_document(contract_dir / "indicators.yaml")


@cache
def forms(contract_dir: Path = CONTRACT_DIR) -> dict[str, FormSpec]:
    """All forms keyed by form key, in contract order."""
    result: dict[str, FormSpec] = {}
    for key, spec in _forms_document(contract_dir)["forms"].items():
        fields = tuple(FieldSpec(**f) for f in spec["fields"])
        result[key] = FormSpec(
            key=key,
            label=spec["label"],
            kind=spec["kind"],
            description=spec["description"],
            fields=fields,
            id_field=spec.get("id_field"),
        )
    return result


def limits() -> dict[str, int]:
    return dict(_forms_document()["limits"])


def ignored_name_patterns() -> list[str]:
    return list(_forms_document()["ignored_name_patterns"])


def city(contract_dir: Path = CONTRACT_DIR) -> County:
    doc = _forms_document(contract_dir)["city"]
    return County(code=doc["code"], name=doc["name"], kind=doc["kind"], sort_order=0)


def type_labels() -> dict[str, str]:
    return dict(_forms_document()["types"])


@cache
def counties(contract_dir: Path = CONTRACT_DIR) -> tuple[County, ...]:
    """The ten county-level units, in the order the contract lists them (bulletin order)."""
    return tuple(
        County(c["code"], c["name"], c["kind"], order)
        for order, c in enumerate(_forms_document(contract_dir)["counties"], start=1)
    )


def county_by_code(code: str) -> County | None:
    return next((c for c in counties() if c.code == code), None)


def county_kinds(contract_dir: Path = CONTRACT_DIR) -> dict[str, str]:
    """Kind key → Chinese label of a reporting unit (city 地级市, district 区, …)."""
    return dict(_forms_document(contract_dir)["county_kinds"])


def form_kinds(contract_dir: Path = CONTRACT_DIR) -> dict[str, str]:
    """Kind key → Chinese label of a form (snapshot 期末快照, …)."""
    return dict(_forms_document(contract_dir)["form_kinds"])


def town_kinds(contract_dir: Path = CONTRACT_DIR) -> dict[str, str]:
    """Kind key → Chinese label of a town (street 街道, …)."""
    return dict(_forms_document(contract_dir)["towns"]["kinds"])


def reporting_unit_exceptions() -> dict[str, str]:
    """Town code → reporting unit, for the towns that do not report under their code prefix.

    Read by ``scripts/refresh_towns.py`` when it derives the town list; everything else reads
    the reporting unit from :func:`towns`, never from a code.
    """
    return dict(_forms_document()["towns"]["reporting_unit_exceptions"])


@cache
def towns(contract_dir: Path = CONTRACT_DIR) -> dict[str, Town]:
    """The official town list keyed by 9-digit town code, each with its reporting unit."""
    with (contract_dir / "towns.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {
        r["town_code"]: Town(r["town_code"], r["town_name"], r["county_code"], r["town_kind"])
        for r in rows
    }


def towns_of(county_code: str) -> list[Town]:
    """The towns a unit reports for, in code order (empty for an unknown unit)."""
    return [t for t in towns().values() if t.county_code == county_code]


@cache
def indicators(contract_dir: Path = CONTRACT_DIR) -> tuple[IndicatorSpec, ...]:
    """Indicator keys in export order."""
    return tuple(IndicatorSpec(**i) for i in _indicators_document(contract_dir)["indicators"])


def indicator_kinds(contract_dir: Path = CONTRACT_DIR) -> dict[str, str]:
    """Kind key → Chinese label of an indicator (count 计数, …)."""
    return dict(_indicators_document(contract_dir)["kinds"])


def deadline_day_default() -> int:
    return int(_indicators_document()["deadline"]["day_of_following_month"])
