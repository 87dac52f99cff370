"""File-name rules: which names are ignored, which are refused, and what a name means.

The uploaded name is data, never a path: it is checked here, stored in the submission log,
and reduced to a safe stem for the receipt; every path intake writes is generated.
"""

from __future__ import annotations

import fnmatch
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from reportflow import contract
from reportflow.periods import Period

#: Longest accepted upload name in UTF-8 bytes; leaves room for the receipt suffix
#: (``.回执.html``) under the 255-byte limit of common file systems.
MAX_NAME_BYTES = 180

#: Longest receipt stem in UTF-8 bytes.
MAX_STEM_BYTES = 150

_EXTENSION_RE = re.compile(r"^[A-Za-z0-9]{1,10}$")
_PERIOD_RE = re.compile(r"^([0-9]{4})-?([0-9]{2})$")  # ASCII digits only (not re's \d)
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


class NameProblem(ValueError):
    """A submission name that does not follow ``<form>_<period>.csv``; the message is Chinese."""


@dataclass(frozen=True)
class SubmissionName:
    form: str
    period: str


def fold_width(text: str) -> str:
    """NFC, then full-width ASCII (``ｄｉｓｐｕｔｅｓ``, ``２０２６``, ``（）``) and the ideographic
    space folded to their plain forms: what an input method left in full-width mode types.

    Deliberately not NFKC: that also maps compatibility lookalikes (``ſ`` to ``s``, circled
    or superscript digits, ligatures) onto real letters and digits, which would let a name
    or value that merely resembles a valid one pass as it.
    """
    return unicodedata.normalize("NFC", text).translate(_FULL_WIDTH)


def ascii_lower(text: str) -> str:
    """Lower case for ASCII text only: ``str.casefold`` would also turn ``ſ`` into ``s`` and
    the Kelvin sign into ``k``, letting lookalikes match English keys."""
    return text.lower() if text.isascii() else text


def is_ignored_name(name: str) -> bool:
    """Names of files still being written or editor leftovers (``*.tmp``, ``~$*``, dot-files)."""
    lowered = name.lower()
    return any(
        fnmatch.fnmatchcase(lowered, pattern.lower())
        for pattern in contract.ignored_name_patterns()
    )


def _is_unsafe_char(ch: str) -> bool:
    return ch in "/\\" or unicodedata.category(ch) in _UNSAFE_CATEGORIES


def unsafe_name_reason(name: str) -> str | None:
    """Why a name is refused outright (control or invisible characters, undecodable bytes,
    over-long), or None. Such names could spoof an extension, break a receipt or a log line."""
    if any("\udc80" <= ch <= "\udcff" for ch in name):
        return "文件名含有无法识别的字符（编码错误），请用中文或英文字母、数字重新命名"
    if any(_is_unsafe_char(ch) for ch in name):
        return "文件名含有控制字符或不可见字符，请重新命名（只用文字、字母、数字、- 和 _）"
    if len(name.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
        return "文件名过长，请改短后重新上传（例如「矛盾纠纷_2026-10.csv」）"
    return None


def naming_help() -> str:
    """The one-sentence naming rule quoted in every receipt about a bad name."""
    labels = "、".join(f.label for f in contract.forms().values())
    return (
        "文件名应为「报表名_年月.csv」，例如「矛盾纠纷_2026-10.csv」或「矛盾纠纷_202610.csv」"
        f"（也可用英文报表名，如「disputes_2026-10.csv」）。报表名可以是：{labels}。"
    )


def form_by_name(text: str) -> str | None:
    """Form key for a form key or Chinese label (full-width brackets accepted)."""
    wanted = fold_width(text).strip()
    for form in contract.forms().values():
        if ascii_lower(wanted) == form.key or wanted == fold_width(form.label):
            return form.key
    return None


def parse_period(text: str) -> str | None:
    """``YYYY-MM`` for ``YYYY-MM`` or ``YYYYMM`` in ASCII or full-width digits (month 01-12,
    year from 2000), else None. Other scripts' digits (``२०२४``) are not digits here."""
    match = _PERIOD_RE.match(fold_width(text).strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if year < 2000 or not 1 <= month <= 12:
        return None
    return Period(year, month).key


def not_begun_reason(period: str, now: datetime) -> str | None:
    """Why a file for ``period`` cannot be taken at ``now`` (the month has not begun), or None."""
    wanted = Period.parse(period)
    if wanted.has_begun(now):
        return None
    current = Period.current(now)
    return (
        f"所属月份「{wanted.label}」还没有开始（现在是{current.label}），不能报送未来月份的报表；"
        "请核对文件名中的年月。"
    )


def parse_submission_name(name: str) -> SubmissionName:
    """Form and period from ``<form>_<period>.csv``; raises NameProblem saying what is wrong.

    The naming rule itself (``naming_help``) is for the receipt's next steps, so that a clerk
    reads it once.
    """
    base, dot, ext = name.rpartition(".")
    if not dot or ext.lower() != "csv":
        raise NameProblem("文件类型不对：只接收 .csv 文件。")
    form_part, sep, period_part = base.rpartition("_")
    if not sep:
        raise NameProblem("文件名中缺少报表名和年月之间的下划线「_」。")
    form = form_by_name(form_part)
    if form is None:
        raise NameProblem(f"无法识别报表名「{form_part.strip()}」。")
    period = parse_period(period_part)
    if period is None:
        raise NameProblem(f"无法识别年月「{period_part.strip()}」，应写成 2026-10 或 202610。")
    return SubmissionName(form=form, period=period)


def receipt_stem(name: str) -> str:
    """A safe, bounded stem for the receipt files of an upload called ``name``.

    Slashes, control and invisible characters become ``_``; a leading dot is neutralised so
    the receipt is never hidden; the result fits the file-name limit.
    """
    clean = "".join("_" if _is_unsafe_char(ch) else ch for ch in name)
    base, dot, ext = clean.rpartition(".")
    stem = base if dot and base and _EXTENSION_RE.match(ext) else clean
    stem = stem.strip()
    if not stem or stem.startswith("."):
        stem = "_" + stem
    while len(stem.encode("utf-8")) > MAX_STEM_BYTES:
        stem = stem[:-1]
    return stem
