"""Beijing time and reporting periods: the one definition every stage uses.

A reporting period is a calendar month, written ``YYYY-MM`` wherever it is stored or passed
(file names, SQL, dbt vars, folders, URLs). Its bounds, its Chinese label and its submission
deadline are all computed here, so intake, the status grid, the marts (through dbt vars),
bulletins, demo data and DAGs cannot disagree about them.

The warehouse stores instants as naive UTC; everything a person reads is Beijing time.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

#: The name Airflow, pendulum and the UI know Beijing time by.
BEIJING_TZ_NAME = "Asia/Shanghai"

#: Beijing time. China has kept UTC+8 without daylight saving since 1991, so a fixed offset is
#: exact for every date this system handles and needs no tz database.
BEIJING = timezone(timedelta(hours=8), BEIJING_TZ_NAME)

#: The stored and typed form of a period: a four-digit year and a two-digit month.
PERIOD_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

#: The same pattern for a form field that may also be left empty (Airflow's ``period`` param).
OPTIONAL_PERIOD_PATTERN = f"^({PERIOD_PATTERN.pattern[1:-1]})?$"


class PeriodError(ValueError):
    """A period that is not a calendar month ``YYYY-MM``."""


def beijing_now() -> datetime:
    """The current instant as an aware Beijing-time datetime."""
    return datetime.now(BEIJING)


def to_beijing(moment: datetime) -> datetime:
    """``moment`` in Beijing time; a naive value is taken as UTC (how the warehouse stores it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BEIJING)


def to_naive_utc(moment: datetime) -> datetime:
    """``moment`` as naive UTC, the form instants take in the warehouse."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def format_beijing(moment: datetime | None, *, seconds: bool = True) -> str:
    """A moment as people read it: ``2026年11月1日 00:30:00`` (Beijing time); blank if unknown."""
    if moment is None:
        return ""
    local = to_beijing(moment)
    clock = f"{local:%H:%M:%S}" if seconds else f"{local:%H:%M}"
    return f"{local.year}年{local.month}月{local.day}日 {clock}"


@dataclass(frozen=True, order=True)
class Period:
    """One calendar month of reporting."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not (1 <= self.month <= 12 and 1 <= self.year <= 9999):
            raise PeriodError(f"not a calendar month: {self.year}-{self.month}")

    @classmethod
    def parse(cls, text: str | Period) -> Period:
        """The period written ``YYYY-MM``; anything else raises a one-line :class:`PeriodError`."""
        if isinstance(text, Period):
            return text
        match = PERIOD_PATTERN.fullmatch(text or "")
        if not match:
            raise PeriodError(
                f"period must be a month written YYYY-MM (e.g. 2026-10), got {text!r}"
            )
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, moment: datetime | date) -> Period:
        """The month that contains ``moment`` in Beijing time (a ``date`` is taken as is)."""
        if isinstance(moment, datetime):
            moment = to_beijing(moment).date()
        return cls(moment.year, moment.month)

    @classmethod
    def current(cls, now: datetime | None = None) -> Period:
        """The month in progress in Beijing time."""
        return cls.containing(now or beijing_now())

    @classmethod
    def reporting(cls, now: datetime | date | None = None) -> Period:
        """The month before the one in progress: the month a bulletin run or a template is for."""
        return cls.containing(now or beijing_now()).shift(-1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def key(self) -> str:
        """``YYYY-MM``: how a period is stored, passed and used in paths."""
        return str(self)

    @property
    def label(self) -> str:
        """The Chinese label bulletins and receipts print: ``2026年10月``."""
        return f"{self.year}年{self.month}月"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def start(self) -> datetime:
        """00:00 Beijing time on the first day (aware)."""
        return datetime(self.year, self.month, 1, tzinfo=BEIJING)

    @property
    def end(self) -> datetime:
        """00:00 Beijing time on the first day of the next month (aware, exclusive)."""
        return self.shift(1).start

    def shift(self, months: int) -> Period:
        """The period ``months`` months later (earlier if negative)."""
        index = self.year * 12 + (self.month - 1) + months
        return Period(index // 12, index % 12 + 1)

    def months_until(self, other: Period) -> int:
        """How many months ``other`` lies after this period (negative if before)."""
        return (other.year - self.year) * 12 + (other.month - self.month)

    def through(self, last: Period) -> list[Period]:
        """This period and every one after it up to ``last`` (empty if ``last`` is earlier)."""
        return [self.shift(months) for months in range(self.months_until(last) + 1)]

    def deadline(self, deadline_day: int) -> datetime:
        """End (24:00 Beijing time) of day ``deadline_day`` of the following month (aware).

        indicators.md v1.1: a day beyond that month's length means its last day. A file is on
        time when the system saw it arrive at or before this instant.
        """
        following = self.shift(1)
        day = min(deadline_day, following.last_day.day)
        return datetime(following.year, following.month, day, tzinfo=BEIJING) + timedelta(days=1)

    def is_on_time(self, received_at: datetime, deadline_day: int) -> bool:
        """Whether a file received at ``received_at`` (naive = UTC) met this period's deadline."""
        return to_beijing(received_at) <= self.deadline(deadline_day)

    def has_begun(self, now: datetime | None = None) -> bool:
        """False for a month after the one in progress (Beijing time): nothing to report yet."""
        return self <= Period.current(now)

    def has_ended(self, now: datetime | None = None) -> bool:
        """True once the whole month lies in the past (Beijing time): it can be published."""
        return self < Period.current(now)

    def is_due(self, deadline_day: int, now: datetime | None = None) -> bool:
        """True once the deadline has passed: a form missing then is 未报送, before it 未到期."""
        return to_beijing(now or beijing_now()) > self.deadline(deadline_day)


def parse_period(text: str | Period) -> str:
    """The period ``YYYY-MM`` validated, as the string it is stored as (or :class:`PeriodError`)."""
    return Period.parse(text).key


def shift_period(period: str | Period, months: int) -> str:
    """The period ``months`` months after (or before, if negative) ``period``, as ``YYYY-MM``."""
    return Period.parse(period).shift(months).key


def period_label(period: str | Period) -> str:
    """Chinese label for a period, as bulletins and receipts print it: ``2026年10月``."""
    return Period.parse(period).label
