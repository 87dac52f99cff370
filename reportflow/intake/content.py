"""Bytes → text → records → header: every step explicit, each failure a reason a clerk can act on.

Nothing here guesses. Content that is not CSV is recognised by its signature and refused
with the name of what it is; text is decoded as UTF-8 (with or without BOM) or GB18030
and nothing else; parsing uses the standard ``csv`` module in strict mode.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from itertools import islice

from reportflow.contract import FieldSpec, FormSpec
from reportflow.intake.model import Limits, Problem
from reportflow.intake.names import ascii_lower, fold_width

#: Signatures of files that are commonly dropped instead of a CSV, and what to tell the clerk.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "这是 Excel（.xlsx）或压缩文件，不是 CSV 文件"),
    (b"PK\x05\x06", "这是压缩文件，不是 CSV 文件"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "这是旧版 Excel（.xls）或 Word 文件，不是 CSV 文件"),
    (b"%PDF", "这是 PDF 文件，不是 CSV 文件"),
    (b"\x1f\x8b", "这是压缩文件（gzip），不是 CSV 文件"),
    (b"Rar!", "这是压缩文件（rar），不是 CSV 文件"),
    (b"7z\xbc\xaf\x27\x1c", "这是压缩文件（7z），不是 CSV 文件"),
    (b"\x89PNG", "这是图片，不是 CSV 文件"),
    (b"\xff\xd8\xff", "这是图片，不是 CSV 文件"),
    (b"{\\rtf", "这是 Word/写字板文档，不是 CSV 文件"),
)

_SAVE_AS_CSV = "请在 Excel 中用「文件 → 另存为 → CSV UTF-8（逗号分隔）」保存后重新上传。"


class ContentError(ValueError):
    """The file as a whole is unusable; carries the one Problem to show in the receipt."""

    def __init__(self, reason: str, *, row: int | None = None) -> None:
        super().__init__(reason)
        self.problem = Problem(row=row, column="", value="", reason=reason)


def sniff(data: bytes) -> str | None:
    """Why ``data`` is not a CSV text file (by content, whatever its name), or None."""
    blank = b" \t\r\n\xef\xbb\xbf"
    if not data[:4096].strip(blank) and not data.strip(blank):  # no 50 MB copy for a real file
        return "文件是空的，没有表头也没有数据。"
    for magic, what in _SIGNATURES:
        if data.startswith(magic):
            return f"{what}。{_SAVE_AS_CSV}"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return f"文件是 UTF-16（Unicode 文本）格式，不是 CSV 文件。{_SAVE_AS_CSV}"
    if b"\x00" in data:
        return f"文件中含有空字节，不是文本格式的 CSV 文件。{_SAVE_AS_CSV}"
    return None


_ASCII = bytes(range(0x80))
_GB2312_BYTES = bytes(range(0xA1, 0xFF))
#: Lead bytes of the GB2312 rows holding characters: symbols A1-A9, hanzi B0-F7 (AA-AF and
#: F8-FE are GBK's user-defined rows, which decode to private-use code points).
_GB2312_LEADS = bytes([*range(0xA1, 0xAA), *range(0xB0, 0xF8)])

_MIXED = (
    "文件的文字编码不对：其中混有不同编码的文字（例如一部分是 UTF-8、一部分是 GBK，"
    "或者是西文系统的编码），直接读取会变成乱码。"
    "请在 Excel 中用「文件 → 另存为」，保存类型选「CSV UTF-8（逗号分隔）」，重新报送。"
    "（如果表中有生僻字，也请这样保存。）"
)


def is_plain_gb2312(data: bytes, text: str) -> bool:
    """True if ``data`` (which decoded as GB18030 to ``text``) is ASCII and GB2312 characters
    only: the common case, decided by three C-speed passes (every non-ASCII byte is A1-FE; no
    ASCII byte was swallowed into a pair or a four-byte sequence; every pair starts in a
    GB2312 row). Anything else goes to ``looks_mixed``."""
    high = data.translate(None, _ASCII)
    if high.translate(None, _GB2312_BYTES):
        return False
    if len(text) != len(data) - len(high) // 2:
        return False
    return not high[0::2].translate(None, _GB2312_LEADS)


#: Characters of three UTF-8 bytes (Chinese) in a line that is valid UTF-8 as a whole: then
#: the line was saved as UTF-8 (see ``_is_utf8_text``).
_UTF8_MIN_WIDE = 4
#: Five Chinese characters in a row as UTF-8 writes them (U+4E00-U+9FFF): GBK bytes, read at
#: any offset, look like that by chance about once in 10¹¹ positions.
_UTF8_CHINESE_RUN = re.compile(rb"(?:[\xe4-\xe9][\x80-\xbf][\x80-\xbf]){5}")


def _rare_characters(text: str) -> set[str]:
    """Characters of ``text`` outside ASCII and GB2312 (as Excel's GBK writes GB2312)."""
    rare = set()
    for ch in set(text):
        if ch.isascii():
            continue
        try:
            pair = ch.encode("gbk")
        except UnicodeEncodeError:
            rare.add(ch)  # only GB18030 has it (a four-byte sequence)
            continue
        if len(pair) != 2 or pair[0] not in _GB2312_LEADS or pair[1] < 0xA1:
            rare.add(ch)
    return rare


def looks_mixed(data: bytes, text: str) -> bool:
    """True if a GB18030-decodable file that is not plain GB2312 shows the marks of another
    encoding rather than of genuine rare characters (place names such as 梅菉, 埇头 are GBK
    beyond GB2312 and must stay readable):

    * a private-use character: GBK's user-defined rows, never typed by a clerk;
    * a rare character next to an ASCII letter: Windows-1252 curly quotes and accented
      letters pair with the letter after them (``“Smith”s`` comes out as ``揝mith攕``);
    * UTF-8 text in a GBK file: five Chinese characters in a row in UTF-8's bytes, or a
      line valid as UTF-8 on its own holding at least ``_UTF8_MIN_WIDE`` of them.
    """
    rare = _rare_characters(text)
    if any("\ue000" <= ch <= "\uf8ff" for ch in rare):
        return True
    if rare:
        cls = re.escape("".join(sorted(rare)))
        if re.search(f"[A-Za-z][{cls}]|[{cls}][A-Za-z]", text):
            return True
    if _UTF8_CHINESE_RUN.search(data):
        return True
    return any(map(_is_utf8_text, data.split(b"\n")))


def _is_utf8_text(part: bytes) -> bool:
    """True if ``part`` is valid UTF-8 holding at least ``_UTF8_MIN_WIDE`` characters of three
    UTF-8 bytes (Chinese in UTF-8): GBK text passes that by chance under once in 10⁷."""
    if part.isascii():
        return False
    try:
        decoded = part.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return sum(1 for ch in decoded if ch >= "\u0800") >= _UTF8_MIN_WIDE


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name: UTF-8 (BOM optional), else GBK within GB2312, else ContentError.

    UTF-8 is strict, so GBK bytes never pass as mojibake UTF-8; a file that announces
    UTF-8 with a BOM but is not valid UTF-8 is refused rather than re-read as GB18030; and a
    file that only "decodes" as GB18030 because almost anything does (UTF-8 lines inside,
    Windows-1252 quotes: ``looks_mixed``) is refused with the advice to save it as CSV UTF-8,
    which is unambiguous.
    """
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8-sig"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError as error:
        if bom:
            raise ContentError(
                "文件开头标明是 UTF-8 编码，但其中有无法识别的字节（文件可能已损坏）。"
                + _SAVE_AS_CSV
            ) from error
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as error:
        raise ContentError(
            "无法识别文件的文字编码（既不是 UTF-8，也不是 GBK/GB18030）。" + _SAVE_AS_CSV
        ) from error
    if not is_plain_gb2312(data, text) and looks_mixed(data, text):
        raise ContentError(_MIXED)
    return text, "gb18030"


def _is_blank(record: list[str]) -> bool:
    return not any(cell.strip() for cell in record)


def parse_records(text: str, limits: Limits) -> list[list[str]]:
    """All CSV records (header first) with blank trailing records dropped.

    Reading stops at the first data row beyond the row limit, so an over-long file is
    refused before its cells are looked at (blank rows do not count against the limit).
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[list[str]] = []
    try:
        records = list(islice(reader, limits.max_data_rows + 1))
        data_rows: int | None = None
        for record in reader:
            records.append(record)
            if _is_blank(record):
                continue
            if data_rows is None:
                data_rows = len(records) - 2 - _count_blank(records[1:-1])
            data_rows += 1
            if data_rows > limits.max_data_rows:
                raise ContentError(
                    f"数据超过 {limits.max_data_rows:,} 行的上限，请拆分或删除多余的行后重新上传。"
                )
    except csv.Error as error:
        row = _failing_record(text)
        message = str(error)
        if "field larger than field limit" in message:
            reason = "有单元格内容过长（超过 13 万字），请检查是否把整段内容粘贴进了一个单元格。"
        elif "unexpected end of data" in message:
            reason = (
                '引号没有成对：从这一行开始的某个单元格以英文双引号「"」开头，'
                "但直到文件末尾都没有结束。"
            )
        else:
            reason = '英文双引号「"」使用有误：被引号括起的单元格，结束引号后应紧跟逗号或换行。'
        raise ContentError(reason, row=row) from error
    while records and _is_blank(records[-1]):
        records.pop()
    if not records:
        raise ContentError("文件是空的，没有表头也没有数据。")
    return records


def _failing_record(text: str) -> int:
    """Excel row number of the record the csv module cannot read (only called on error)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    count = 0
    try:
        for _record in reader:
            count += 1
    except csv.Error:
        pass
    return count + 1


def _count_blank(records: list[list[str]]) -> int:
    """Blank records; only one with an empty first cell can be blank, which keeps this fast."""
    return sum(1 for r in records if (not r or not r[0].strip()) and _is_blank(r))


def column_letter(index: int) -> str:
    """Excel column letter for a 0-based column index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True)
class HeaderMap:
    """Which file column holds which form field; None for a column to skip (empty header)."""

    keys: list[str | None]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def match_field(cell: str, form: FormSpec) -> FieldSpec | None:
    """The field a header cell names: Chinese label or English key, spaces and width ignored."""
    wanted = fold_width(cell).strip().strip("\ufeff").strip()
    for spec in form.fields:
        if wanted == fold_width(spec.label) or ascii_lower(wanted) == spec.key:
            return spec
    return None


def map_header(records: list[list[str]], form: FormSpec) -> HeaderMap:
    """Map the header row to form fields; every missing, unknown or duplicated column is a problem.

    A column with an empty header is skipped when all its cells are empty (Excel often
    writes such columns); with data under it, it is a problem like an unknown column.
    """
    header = records[0]
    keys: list[str | None] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    unknown = 0
    for position, cell in enumerate(header):
        letter = column_letter(position)
        if not cell.strip().strip("\ufeff"):
            has_data = any(len(r) > position and r[position].strip() for r in records[1:])
            if has_data:
                problems.append(
                    Problem(
                        1, f"{letter}列", "", "这一列没有表头却有数据，请补上表头或删除这一列。"
                    )
                )
            keys.append(None)
            continue
        spec = match_field(cell, form)
        if spec is None:
            unknown += 1
            problems.append(Problem(1, f"{letter}列", cell.strip(), _unknown_reason(cell, form)))
            keys.append(None)
            continue
        if spec.key in seen:
            first = column_letter(seen[spec.key])
            problems.append(
                Problem(
                    1,
                    f"{letter}列",
                    cell.strip(),
                    f"与{first}列重复，都是「{spec.label}」，请删除其中一列。",
                )
            )
            keys.append(None)
            continue
        seen[spec.key] = position
        keys.append(spec.key)
    for spec in form.fields:
        if spec.required and spec.key not in seen:
            problems.append(
                Problem(1, spec.label, "", f"缺少必填列「{spec.label}」，请按模板补上这一列。")
            )
    only_unknown = unknown == len([c for c in header if c.strip()])
    below = _header_below(records, form) if problems and only_unknown else None
    if below is not None:
        # Title rows above the header: one clear instruction instead of a dozen echoes.
        rows = "第1行" if below == 1 else f"第1至{below}行"
        reason = (
            f"第1行应为表头，但表头在第{below + 1}行；"
            f"请删除表头上方的{rows}（标题、填报单位等），让表头成为第1行后重新报送。"
        )
        title = next((c.strip() for c in records[0] if c.strip()), "")
        problems = [Problem(1, "", title, reason)]
    return HeaderMap(keys=keys, problems=problems)


#: How far down a header is looked for when the first row is not one.
HEADER_SEARCH_ROWS = 10


def _header_below(records: list[list[str]], form: FormSpec) -> int | None:
    """Index of the first record below the first that looks like this form's header, among
    the first ``HEADER_SEARCH_ROWS``; None if there is none."""
    for index in range(1, min(len(records), HEADER_SEARCH_ROWS)):
        if map_header_quiet(records[index], form):
            return index
    return None


def map_header_quiet(row: list[str], form: FormSpec) -> bool:
    """True if ``row`` looks like this form's header (used to spot a title row above it)."""
    return sum(1 for cell in row if cell.strip() and match_field(cell, form)) >= 2


def _unknown_reason(cell: str, form: FormSpec) -> str:
    if "\t" in cell or ";" in cell or "；" in cell:
        return "文件似乎不是用逗号分隔的（用了制表符或分号）。" + _SAVE_AS_CSV
    labels = "、".join(f.label for f in form.fields)
    return (
        f"不是「{form.label}」表的列名。本表的列为：{labels}。"
        "如果列名显示为乱码，请把文件另存为 CSV UTF-8 格式。"
    )
