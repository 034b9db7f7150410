"""Timestamps as the expression language's date functions read and write them: strings, to the 100 ns tick.

The functions take and return strings (Learn, "Expressions and functions in Azure Data Factory and Azure
Synapse Analytics", Date functions). The default output format is .NET's round-trip ``"o"``
(``yyyy-MM-ddTHH:mm:ss.fffffffK``); any other format is a .NET standard format specifier or custom
pattern (Learn, .NET "Standard date and time format strings" and "Custom date and time format
strings"), in the en-US culture the documented examples show (``'D'`` gives ``Tuesday, January 2, 2018``).
Time zones are Windows names (``Pacific Standard Time``, Learn's "Microsoft Time Zone Index Values"),
mapped to IANA zones through the CLDR table ``tzlocal`` ships.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import cache
from zoneinfo import ZoneInfo

EPOCH = datetime(1, 1, 1)
TICKS_PER_MICROSECOND = 10


class DateError(ValueError):
    """A timestamp, format or time zone the functions cannot use; the message says which and why."""


@dataclass(frozen=True)
class Timestamp:
    """A wall-clock time to the tick; ``utc`` is .NET's ``DateTimeKind.Utc`` (``K`` writes ``Z``), else Unspecified."""

    moment: datetime
    """Naive, to the microsecond."""
    extra_ticks: int
    """The 100 ns ticks below the microsecond (0-9) that ``datetime`` cannot hold."""
    utc: bool

    @property
    def ticks(self) -> int:
        return (self.moment - EPOCH) // timedelta(microseconds=1) * TICKS_PER_MICROSECOND + self.extra_ticks

    def shifted(self, delta: timedelta) -> Timestamp:
        return replace(self, moment=self.moment + delta)

    def with_moment(self, moment: datetime) -> Timestamp:
        return replace(self, moment=moment)


_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,7}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)
_US = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?(?:\s*([AP]M))?)?", re.IGNORECASE
)


def parse_timestamp(text: object) -> Timestamp:
    """An ISO 8601 timestamp (``2018-03-15T13:00:00Z``, up to 7 fractional digits, any offset), a US one
    (``03/15/2018 12:00:00``, as in the documented examples) or an RFC 1123 one; offsets are taken to UTC."""
    if not isinstance(text, str):
        raise DateError(f"expects a timestamp string, got {type(text).__name__} {text!r}")
    value = text.strip()
    iso = _ISO.fullmatch(value)
    us = None if iso else _US.fullmatch(value)
    if iso:
        year, month, day, hour, minute, second, fraction, zone = iso.groups()
        meridiem = None
    elif us:
        month, day, year, hour, minute, second, fraction, meridiem = us.groups()
        zone = None
    else:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            raise DateError(f"{text!r} is not a timestamp (use ISO 8601, e.g. 2026-06-29T00:00:00Z)") from None
        if moment.tzinfo is None:
            return Timestamp(moment, 0, utc=False)
        return Timestamp(moment.astimezone(UTC).replace(tzinfo=None), 0, utc=True)
    digits = (fraction or "").ljust(7, "0")
    hours = int(hour or 0)
    if meridiem:
        if not 1 <= hours <= 12:
            raise DateError(f"{text!r} is not a timestamp: hour {hours} with {meridiem}")
        hours = hours % 12 + (12 if meridiem.upper() == "PM" else 0)
    try:
        moment = datetime(int(year), int(month), int(day), hours, int(minute or 0), int(second or 0), int(digits[:6]))
    except ValueError as error:
        raise DateError(f"{text!r} is not a timestamp: {error}") from None
    if zone is None:
        return Timestamp(moment, int(digits[6]), utc=False)
    if zone.upper() != "Z":
        sign = -1 if zone[0] == "-" else 1
        zone_digits = zone[1:].replace(":", "")
        moment -= sign * timedelta(hours=int(zone_digits[:2]), minutes=int(zone_digits[2:]))
    return Timestamp(moment, int(digits[6]), utc=True)


def timestamp_of(moment: datetime) -> Timestamp:
    """A timezone-aware datetime (what the runner gives as the current time) as a UTC timestamp."""
    if moment.tzinfo is None:
        raise DateError(f"{moment!r} has no time zone; give the current time as a timezone-aware UTC datetime")
    return Timestamp(moment.astimezone(UTC).replace(tzinfo=None), 0, utc=True)


# -- adding time units ----------------------------------------------------------------------------

# addToTime, getFutureTime, getPastTime, subtractFromTime: "Second", "Minute", "Hour", "Day", "Week",
# "Month", "Year".
_FIXED_UNITS = {
    "second": timedelta(seconds=1),
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
}
TIME_UNITS = ("Second", "Minute", "Hour", "Day", "Week", "Month", "Year")


def add_units(timestamp: Timestamp, interval: int, unit: str) -> Timestamp:
    key = unit.lower() if isinstance(unit, str) else ""
    try:
        if key in _FIXED_UNITS:
            return timestamp.shifted(_FIXED_UNITS[key] * interval)
        if key in ("month", "year"):
            return timestamp.with_moment(_add_months(timestamp.moment, interval * (12 if key == "year" else 1)))
    except OverflowError:
        raise DateError(f"adding {interval} {unit} leaves the range of dates") from None
    raise DateError(f"{unit!r} is not a time unit; use one of {', '.join(TIME_UNITS)}")


def _add_months(moment: datetime, months: int) -> datetime:
    """.NET ``AddMonths``: the same day, or the month's last day where the month is shorter."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise OverflowError
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


# -- time zones -------------------------------------------------------------------------------------


def _simplified(name: str) -> str:
    # "you might have to remove any punctuation from the time zone name" (convertTimeZone, Learn).
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()


@cache
def _windows_zones() -> dict[str, str]:
    from tzlocal.windows_tz import win_tz

    zones = {_simplified(name): iana for name, iana in win_tz.items()}
    zones[_simplified("UTC")] = "UTC"
    return zones


def time_zone(name: object) -> ZoneInfo:
    """The IANA zone of a Windows time zone name (``Pacific Standard Time``)."""
    if not isinstance(name, str):
        raise DateError(f"expects a time zone name, got {name!r}")
    iana = _windows_zones().get(_simplified(name))
    if iana is None:
        raise DateError(f"{name!r} is not a Windows time zone name (e.g. 'UTC', 'Pacific Standard Time')")
    return ZoneInfo(iana)


def convert(timestamp: Timestamp, source: ZoneInfo, target: ZoneInfo) -> datetime:
    """The wall-clock time in ``target`` of the wall-clock time ``timestamp`` in ``source``."""
    moment = timestamp.moment.replace(tzinfo=source).astimezone(target)
    return moment.replace(tzinfo=None)


# -- formatting ----------------------------------------------------------------------------------------

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
ROUND_TRIP = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK"
# en-US standard format specifiers as custom patterns (.NET "Standard date and time format strings").
_STANDARD = {
    "d": "M/d/yyyy",
    "D": "dddd, MMMM d, yyyy",
    "f": "dddd, MMMM d, yyyy h:mm tt",
    "F": "dddd, MMMM d, yyyy h:mm:ss tt",
    "g": "M/d/yyyy h:mm tt",
    "G": "M/d/yyyy h:mm:ss tt",
    "m": "MMMM d",
    "M": "MMMM d",
    "o": ROUND_TRIP,
    "O": ROUND_TRIP,
    "r": "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
    "R": "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
    "s": "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
    "t": "h:mm tt",
    "T": "h:mm:ss tt",
    "u": "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
    "U": "dddd, MMMM d, yyyy h:mm:ss tt",
    "y": "MMMM yyyy",
    "Y": "MMMM yyyy",
}
_SPECIFIERS = frozenset("dfFghHKmMstyz")


def format_timestamp(timestamp: Timestamp, pattern: object = None) -> str:
    """``timestamp`` written with a .NET standard specifier or custom pattern (``"o"`` by default)."""
    if pattern is None or pattern == "":
        pattern = "o"
    if not isinstance(pattern, str):
        raise DateError(f"the format must be a string, got {pattern!r}")
    if len(pattern) == 1:
        if pattern not in _STANDARD:
            raise DateError(f"{pattern!r} is not a standard format specifier; use one of {''.join(sorted(_STANDARD))}")
        pattern = _STANDARD[pattern]
    return _custom(timestamp, pattern)


def _custom(timestamp: Timestamp, pattern: str) -> str:
    moment = timestamp.moment
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char in ("'", '"'):
            end = pattern.find(char, index + 1)
            if end == -1:
                raise DateError(f"the format {pattern!r} has an unclosed {char} literal")
            out.append(pattern[index + 1 : end])
            index = end + 1
            continue
        if char == "\\":
            if index + 1 >= len(pattern):
                raise DateError(f"the format {pattern!r} ends with a lone backslash")
            out.append(pattern[index + 1])
            index += 2
            continue
        if char == "%" and index + 1 < len(pattern) and pattern[index + 1] in _SPECIFIERS:
            index += 1
            char = pattern[index]
            out.append(_field(timestamp, moment, char, 1, out))
            index += 1
            continue
        if char in _SPECIFIERS:
            run = 1
            while index + run < len(pattern) and pattern[index + run] == char:
                run += 1
            out.append(_field(timestamp, moment, char, run, out))
            index += run
            continue
        out.append(char)  # ':' and '/' are the en-US separators themselves; anything else is literal
        index += 1
    return "".join(out)


def _field(timestamp: Timestamp, moment: datetime, char: str, run: int, out: list[str]) -> str:
    if char == "d":
        if run <= 2:
            return f"{moment.day:0{run}d}"
        return _DAYS[moment.weekday()][:3] if run == 3 else _DAYS[moment.weekday()]
    if char in ("f", "F"):
        if run > 7:
            raise DateError(f"{char * run!r}: at most 7 fraction digits")
        digits = f"{moment.microsecond:06d}{timestamp.extra_ticks}"[:run]
        if char == "F":
            digits = digits.rstrip("0")
            if not digits and out and out[-1].endswith("."):
                # .NET drops the separator before an all-zero F fraction.
                out[-1] = out[-1][:-1]
        return digits
    if char == "g":
        return "A.D."
    if char == "h":
        return f"{(moment.hour % 12) or 12:0{min(run, 2)}d}"
    if char == "H":
        return f"{moment.hour:0{min(run, 2)}d}"
    if char == "K":
        return "Z" if timestamp.utc else ""
    if char == "m":
        return f"{moment.minute:0{min(run, 2)}d}"
    if char == "M":
        if run <= 2:
            return f"{moment.month:0{run}d}"
        return _MONTHS[moment.month - 1][:3] if run == 3 else _MONTHS[moment.month - 1]
    if char == "s":
        return f"{moment.second:0{min(run, 2)}d}"
    if char == "t":
        meridiem = "AM" if moment.hour < 12 else "PM"
        return meridiem[0] if run == 1 else meridiem
    if char == "y":
        if run <= 2:
            return f"{moment.year % 100:0{run}d}"
        return f"{moment.year:0{run}d}"
    # "z": the offset from UTC; the service's clock is UTC, so an Unspecified time has no offset either.
    return {1: "+0", 2: "+00"}.get(run, "+00:00")
