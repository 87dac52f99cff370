"""The published bulletins switch as one unit: a period's set and the archive page together.

Why: a kill after the city PDF used to leave new city files beside old county files and an
old ``indicators.csv``, and the archive page listed a half-published month. Readers (people,
the archive page, sign-off) must see either the whole previous publication or the whole new
one.

How (the snapshot's mechanism, :mod:`reportflow.transform`, applied to the bulletins):

- Every publication of the bulletins folder is a complete, read-only *version* folder under
  ``bulletin_versions/`` (the archive page and every period). ``bulletins`` itself is a
  relative symbolic link to the current version, so every path readers know
  (``bulletins/<period>/…``, ``bulletins/index.html``) is unchanged.
- Renders write into the period's hidden staging folder ``bulletin_versions/.stage-<period>``
  (the city and each county may be separate Airflow tasks, so they share it). It starts with
  the period's publication record, so issue numbers carry on.
- :func:`commit` checks the staging folder holds the whole set, builds the next version
  (the current one hard-linked, the period's folder replaced by the staging folder, the
  archive page written for the result) in a hidden folder, renames it, then swaps the link
  with one atomic rename. Until that rename readers see the old version; after it, the new.
- Leftovers of a killed run (staging, unfinished versions, the link's temporary, hidden
  ``.tmp`` files of atomic writes) are removed when the next run starts (:func:`begin`),
  and a data home left without ``bulletins`` by a kill in its very first switch is re-linked.

Crash test hooks (``REPORTFLOW_TEST_CRASH_AT``): ``bulletin_temp`` and ``bulletin_file`` at
each file written (:mod:`reportflow.bulletin.files`), ``bulletins_version_staged`` and
``bulletins_link_written`` in the switch.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from reportflow.bulletin.data import BulletinError, contract_units
from reportflow.bulletin.export import CSV_NAME
from reportflow.bulletin.files import TEMP_SUFFIX, city_file_stem, county_file_stem
from reportflow.bulletin.publication import RECORD_NAME, locked
from reportflow.config import Settings
from reportflow.crash import crash_point

# The snapshot's version names and ordering: one definition of how a version is named.
from reportflow.versions import fsync_dir, new_version
from reportflow.versions import versions as version_folders

log = logging.getLogger(__name__)

VERSIONS_FOLDER = "bulletin_versions"
STAGING_PREFIX = ".stage-"


def versions_root(settings: Settings) -> Path:
    """Where the version folders and the staging folders live (beside ``bulletins``)."""
    return settings.home / VERSIONS_FOLDER


def staging_dir(settings: Settings, period: str) -> Path:
    """The hidden folder a period's next set is rendered into before :func:`commit`."""
    return versions_root(settings) / f"{STAGING_PREFIX}{period}"


def set_names(period: str) -> list[str]:
    """Every file of a period's set: what :func:`commit` requires before it publishes."""
    stems = [city_file_stem(period)]
    stems += [county_file_stem(u.code, period) for u in contract_units() if not u.is_city]
    return [f"{stem}.{kind}" for stem in stems for kind in ("html", "pdf")] + [
        CSV_NAME,
        RECORD_NAME,
    ]


def _link_temporary(settings: Settings) -> Path:
    """The new link made beside ``bulletins`` before it is renamed over it."""
    return settings.home / f".{settings.bulletins_dir.name}{TEMP_SUFFIX}"


def published_root(settings: Settings) -> Path:
    """The folder readers see now, resolved once, so a reader of several files reads one set."""
    return settings.bulletins_dir.resolve()


def stage(settings: Settings, period: str) -> Path:
    """The period's staging folder, created with the published publication record if absent.

    Idempotent, so each mapped render task may call it; created under the versions lock and
    by a rename, so a staging folder always holds the record it started from.
    """
    staging = staging_dir(settings, period)
    if staging.is_dir():
        return staging
    root = versions_root(settings)
    with locked(root):
        if staging.is_dir():
            return staging
        fresh = root / f"{staging.name}{TEMP_SUFFIX}"
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir()
        record = settings.period_bulletin_dir(period) / RECORD_NAME
        if record.is_file():
            shutil.copy2(record, fresh / RECORD_NAME)
        fresh.rename(staging)
    return staging


def begin(settings: Settings, period: str) -> Path:
    """Start a publication of ``period``: repair and clean after a killed run, stage afresh."""
    with locked(versions_root(settings)):
        _relink_if_missing(settings)
        clean_leftovers(settings)
        shutil.rmtree(staging_dir(settings, period), ignore_errors=True)
    return stage(settings, period)


def _is_temporary(path: Path) -> bool:
    return path.name.startswith(".") and path.name.endswith(TEMP_SUFFIX)


def clean_leftovers(settings: Settings) -> list[Path]:
    """Remove what killed runs left; keep the current version and the one before it.

    Removed: unfinished versions and the link's temporary, versions older than the previous
    one (a reader that resolved the link just before the last switch may still read that),
    versions newer than the current one (a kill between a version's rename and the switch),
    and the hidden ``.tmp`` files of atomic writes inside the published folder (drafts, the
    archive page). Staging folders of other periods are kept: another publication may be
    rendering into them. Call it holding the versions lock.
    """
    root = versions_root(settings)
    link_temporary = _link_temporary(settings)
    leftovers = [link_temporary] if link_temporary.is_symlink() else []
    if root.is_dir():
        leftovers += [p for p in root.iterdir() if _is_temporary(p)]
        current = published_root(settings).name
        older = [v for v in version_folders(root) if v < current]
        keep = {current, *older[-1:]}
        leftovers += [root / v for v in version_folders(root) if v not in keep]
    if settings.bulletins_dir.is_dir():
        leftovers += [p for p in settings.bulletins_dir.rglob(f"*{TEMP_SUFFIX}") if p.is_file()]
    for path in leftovers:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    if leftovers:
        log.info("bulletins: removed leftovers %s", ", ".join(p.name for p in leftovers))
    return leftovers


def _missing(folder: Path, period: str) -> list[str]:
    """Names of the period's set that ``folder`` lacks."""
    return [name for name in set_names(period) if not (folder / name).is_file()]


def _build_version(settings: Settings, period: str, staging: Path, building: Path) -> None:
    """The next version in ``building``: the current one hard-linked, ``period`` replaced."""
    from reportflow.bulletin.publish import INDEX_NAME, write_archive_index

    building.mkdir()
    current = settings.bulletins_dir
    if current.is_dir():
        for entry in current.iterdir():
            if entry.name in {period, INDEX_NAME} or _is_temporary(entry):
                continue
            if entry.is_dir():
                shutil.copytree(entry, building / entry.name, copy_function=os.link)
            else:
                os.link(entry, building / entry.name)
    staging.rename(building / period)
    write_archive_index(settings, building)


def _switch(settings: Settings, version: Path) -> None:
    """Point ``bulletins`` at ``version`` with one atomic rename of a symbolic link.

    A data home from before versioning has a real ``bulletins`` folder: its content is
    already in the new version, so it is moved aside first (once; a kill there leaves no
    ``bulletins`` until the next run re-links the newest version).
    """
    link = settings.bulletins_dir
    temporary = _link_temporary(settings)
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(Path(VERSIONS_FOLDER) / version.name)
    crash_point("bulletins_link_written")
    if link.is_dir() and not link.is_symlink():
        link.rename(versions_root(settings) / f".{version.name}.before{TEMP_SUFFIX}")
    temporary.replace(link)
    fsync_dir(link.parent)


def commit(settings: Settings, period: str) -> Path:
    """Publish the staged set of ``period`` with the archive page, as one switch; its folder."""
    root = versions_root(settings)
    staging = staging_dir(settings, period)
    with locked(root):
        if not staging.is_dir() and not _missing(settings.period_bulletin_dir(period), period):
            log.info("%s: nothing staged, the published set is whole (a retried commit)", period)
            return settings.period_bulletin_dir(period)
        if missing := _missing(staging, period):
            raise BulletinError(f"{period} is not published: not rendered: {', '.join(missing)}")
        version = new_version(root)
        building = root / f".{version}{TEMP_SUFFIX}"
        _build_version(settings, period, staging, building)
        building.rename(root / version)
        fsync_dir(root)
        crash_point("bulletins_version_staged")
        _switch(settings, root / version)
        clean_leftovers(settings)
    return settings.period_bulletin_dir(period)


def _relink_if_missing(settings: Settings) -> None:
    """Re-link the newest version if a kill in the first switch left no ``bulletins`` at all.

    Call it holding the versions lock.
    """
    versions = version_folders(versions_root(settings))
    link = settings.bulletins_dir
    if versions and not link.exists() and not link.is_symlink():
        _switch(settings, versions_root(settings) / versions[-1])
