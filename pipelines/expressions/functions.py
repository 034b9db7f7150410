"""Every function of the pipeline expression language, declared once: its arguments, what it returns, how it runs.

The evaluator runs the implementations; the validator reads the same declarations to check names,
argument counts and argument types offline. The functions and their documented behaviour are Learn's
"Expressions and functions in Azure Data Factory and Azure Synapse Analytics" (MicrosoftDocs
azure-docs, articles/data-factory/control-flow-expression-language-functions.md) and, for
``pipeline()``, ``trigger()`` and the other system functions, "System variables supported by Azure
Data Factory and Azure Synapse Analytics" (MicrosoftDocs azure-docs,
articles/data-factory/control-flow-system-variables.md). Function names are matched without case
(``utcnow()`` and ``utcNow()`` are the same function).

A documented function this module cannot evaluate offline (XML, XPath and the binary conversions,
whose documented results disagree with one another) is still declared, so the validator knows it,
and evaluating it raises an error naming it.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, unquote_to_bytes

from cloudscale.pipelines.expressions import dates
from cloudscale.pipelines.expressions.context import NO_ITEM, ExpressionContext
from cloudscale.pipelines.expressions.values import (
    ARRAY,
    BOOLEAN,
    FLOAT,
    INTEGER,
    NULL,
    NUMBER,
    OBJECT,
    STRING,
    plain,
    to_text,
    type_of,
)

Kinds = frozenset[str] | None
"""The types an argument may have; None: any."""
Implementation = Callable[[ExpressionContext, list[Any]], Any]
LiteralCheck = Callable[[Any], object]
"""Raises ValueError for a literal argument the function would refuse (a date format, a time unit)."""

S: Kinds = frozenset({STRING})
Z: Kinds = frozenset({INTEGER})  # the integers
N: Kinds = NUMBER
B: Kinds = frozenset({BOOLEAN})
A: Kinds = frozenset({ARRAY})
SA: Kinds = frozenset({STRING, ARRAY})
AO: Kinds = frozenset({ARRAY, OBJECT})
SAO: Kinds = frozenset({STRING, ARRAY, OBJECT})
ANY: Kinds = None


class FunctionError(Exception):
    """A function refused its arguments; the evaluator adds the expression, the function and the position."""


@dataclass(frozen=True)
class Function:
    name: str
    minimum: int
    maximum: int | None
    """None: any number of arguments."""
    parameters: tuple[Kinds, ...]
    """The types each argument may have; the last entry applies to every further argument."""
    returns: Kinds
    run: Implementation | None
    offline: str = ""
    """Why the function cannot be evaluated offline, where ``run`` is None."""
    literals: tuple[LiteralCheck | None, ...] = ()
    """By position: what a literal argument must satisfy, checked before the run."""

    def literal(self, position: int) -> LiteralCheck | None:
        return self.literals[position] if position < len(self.literals) else None

    def accepts(self, position: int) -> Kinds:
        if not self.parameters:
            return ANY
        return self.parameters[min(position, len(self.parameters) - 1)]

    @property
    def arity(self) -> str:
        if self.maximum is None:
            return f"at least {self.minimum} argument{'s' if self.minimum != 1 else ''}"
        if self.minimum == self.maximum:
            return f"{self.minimum} argument{'s' if self.minimum != 1 else ''}"
        return f"{self.minimum} to {self.maximum} arguments"


FUNCTIONS: dict[str, Function] = {}


def _declare(
    name: str,
    minimum: int,
    maximum: int | None,
    parameters: tuple[Kinds, ...],
    returns: Kinds,
    run: Implementation | None = None,
    offline: str = "",
    literals: tuple[LiteralCheck | None, ...] = (),
) -> None:
    FUNCTIONS[name.lower()] = Function(name, minimum, maximum, parameters, returns, run, offline, literals)


def lookup(name: str) -> Function | None:
    return FUNCTIONS.get(name.lower())


def kinds_text(kinds: Kinds) -> str:
    if kinds is None:
        return "any value"
    names = sorted(kind.lower() for kind in kinds)
    return " or ".join(f"an {n}" if n[0] in "aeiou" else f"a {n}" for n in names)


def check_arguments(function: Function, arguments: Sequence[Any]) -> None:
    """The run-time type check: the same declaration the validator checks literals against."""
    for position, value in enumerate(arguments):
        kinds = function.accepts(position)
        if kinds is not None and type_of(value) not in kinds:
            raise FunctionError(
                f"argument {position + 1} is {type_of(value).lower()} {to_text(value)!r}; "
                f"it must be {kinds_text(kinds)}"
            )


# -- system functions ----------------------------------------------------------------------------------


def _pipeline(context: ExpressionContext, _args: list[Any]) -> Any:
    return context.pipeline


def _trigger(context: ExpressionContext, _args: list[Any]) -> Any:
    if context.trigger is None:
        raise FunctionError("there is no trigger here: trigger() is defined only in a trigger's pipeline parameters")
    return context.trigger


def _activity(context: ExpressionContext, args: list[Any]) -> Any:
    name = args[0]
    if name not in context.activities:
        ran = ", ".join(sorted(context.activities)) or "none"
        raise FunctionError(f"activity {name!r} has no result here (activities that ran: {ran})")
    return context.activities[name]


def _variables(context: ExpressionContext, args: list[Any]) -> Any:
    name = args[0]
    if name not in context.variables:
        raise FunctionError(f"variable {name!r} does not exist (variables: {', '.join(sorted(context.variables))})")
    return context.variables[name]


def _item(context: ExpressionContext, _args: list[Any]) -> Any:
    if context.item is NO_ITEM:
        raise FunctionError("item() is defined only inside a ForEach activity")
    return context.item


def _dataset(context: ExpressionContext, _args: list[Any]) -> Any:
    if context.dataset is None:
        raise FunctionError("dataset() is defined only inside a dataset")
    return context.dataset


def _linked_service(context: ExpressionContext, _args: list[Any]) -> Any:
    if context.linked_service is None:
        raise FunctionError("linkedService() is defined only inside a linked service")
    return context.linked_service


_declare("pipeline", 0, 0, (), frozenset({OBJECT}), _pipeline)
_declare("trigger", 0, 0, (), frozenset({OBJECT}), _trigger)
_declare("activity", 1, 1, (S,), frozenset({OBJECT}), _activity)
_declare("variables", 1, 1, (S,), ANY, _variables)
_declare("item", 0, 0, (), ANY, _item)
_declare("dataset", 0, 0, (), frozenset({OBJECT}), _dataset)
_declare("linkedService", 0, 0, (), frozenset({OBJECT}), _linked_service)

# Functions only a definition of this kind defines (Learn, "System variables ...": pipeline scope,
# trigger scopes; "Expressions and functions ...": "A dataset with a parameter"; linked services'
# "Parameterize linked services"); activity results, variables and loop items exist only in a pipeline run.
SCOPED = {
    "pipeline": "pipeline",
    "activity": "pipeline",
    "variables": "pipeline",
    "item": "pipeline",
    "trigger": "trigger",
    "dataset": "dataset",
    "linkedservice": "linkedService",
}


# -- string functions ----------------------------------------------------------------------------------


def _concat(_context: ExpressionContext, args: list[Any]) -> Any:
    # The service concatenates strings, or arrays, never a mix ("expects all of its parameters to be
    # either array or string").
    if all(isinstance(a, str) for a in args):
        return "".join(args)
    if all(type_of(a) == ARRAY for a in args):
        return [item for a in args for item in a]
    raise FunctionError("takes strings or arrays, not a mix: got " + ", ".join(type_of(a).lower() for a in args))


def _guid(context: ExpressionContext, args: list[Any]) -> str:
    assert context.rng is not None
    value = uuid.UUID(int=context.rng.getrandbits(128), version=4)
    form = args[0] if args else "D"
    shapes = {
        "N": value.hex,
        "D": str(value),
        "B": f"{{{value}}}",
        "P": f"({value})",
        "X": "{{0x{},0x{},0x{},{{{}}}}}".format(
            value.hex[:8],
            value.hex[8:12],
            value.hex[12:16],
            ",".join(f"0x{value.hex[i : i + 2]}" for i in range(16, 32, 2)),
        ),
    }
    shape = shapes.get(form.upper())
    if shape is None:
        raise FunctionError(f"{form!r} is not a GUID format; use N, D, B, P or X")
    return shape


def _substring(_context: ExpressionContext, args: list[Any]) -> str:
    text, start, length = args
    if start < 0 or length < 0 or start + length > len(text):
        raise FunctionError(f"start {start} and length {length} reach outside the string (its length is {len(text)})")
    return text[start : start + length]


def _replace(_context: ExpressionContext, args: list[Any]) -> str:
    text, old, new = args
    if old == "":
        raise FunctionError("the text to replace is empty")
    return text.replace(old, new)


def _split(_context: ExpressionContext, args: list[Any]) -> list[str]:
    text, delimiter = args
    return text.split(delimiter) if delimiter else [text]


_declare("concat", 1, None, (SA,), SA, _concat)
_declare("endsWith", 2, 2, (S, S), B, lambda _c, a: a[0].lower().endswith(a[1].lower()))
_declare("guid", 0, 1, (S,), S, _guid)
_declare("indexOf", 2, 2, (S, S), Z, lambda _c, a: a[0].lower().find(a[1].lower()))
_declare("lastIndexOf", 2, 2, (S, S), Z, lambda _c, a: a[0].lower().rfind(a[1].lower()))
_declare("replace", 3, 3, (S, S, S), S, _replace)
_declare("split", 2, 2, (S, S), A, _split)
_declare("startsWith", 2, 2, (S, S), B, lambda _c, a: a[0].lower().startswith(a[1].lower()))
_declare("substring", 3, 3, (S, Z, Z), S, _substring)
_declare("toLower", 1, 1, (S,), S, lambda _c, a: a[0].lower())
_declare("toUpper", 1, 1, (S,), S, lambda _c, a: a[0].upper())
_declare("trim", 1, 1, (S,), S, lambda _c, a: a[0].strip())


# -- collection functions -----------------------------------------------------------------------------


def _contains(_context: ExpressionContext, args: list[Any]) -> bool:
    collection, value = args
    if isinstance(collection, str):
        if not isinstance(value, str):
            raise FunctionError(f"looks for a substring in a string; got {type_of(value).lower()}")
        return value in collection
    if isinstance(collection, Mapping):
        return value in collection
    return any(_equal(item, value) for item in collection)


def _empty(_context: ExpressionContext, args: list[Any]) -> bool:
    return args[0] is None or len(args[0]) == 0


def _first(_context: ExpressionContext, args: list[Any]) -> Any:
    return args[0][0] if len(args[0]) else None


def _last(_context: ExpressionContext, args: list[Any]) -> Any:
    return args[0][-1] if len(args[0]) else None


def _same_kind(args: list[Any]) -> str:
    kinds = {type_of(a) for a in args}
    if len(kinds) != 1:
        raise FunctionError("takes arrays or objects, not both")
    return kinds.pop()


def _union(_context: ExpressionContext, args: list[Any]) -> Any:
    if _same_kind(args) == OBJECT:
        merged: dict[str, Any] = {}
        for value in args:
            merged.update(value)
        return merged
    result: list[Any] = []
    for value in args:
        for item in value:
            if not any(_equal(item, seen) for seen in result):
                result.append(item)
    return result


def _intersection(_context: ExpressionContext, args: list[Any]) -> Any:
    if _same_kind(args) == OBJECT:
        keys = [key for key in args[0] if all(key in other for other in args[1:])]
        return {key: args[-1][key] for key in keys}
    result: list[Any] = []
    for item in args[0]:
        if all(any(_equal(item, other) for other in rest) for rest in args[1:]) and not any(
            _equal(item, seen) for seen in result
        ):
            result.append(item)
    return result


def _count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise FunctionError(f"the count must be a non-negative integer, got {value!r}")
    return value


_declare("contains", 2, 2, (SAO, ANY), B, _contains)
_declare("empty", 1, 1, (frozenset({STRING, ARRAY, OBJECT, NULL}),), B, _empty)
_declare("first", 1, 1, (SA,), ANY, _first)
_declare("intersection", 1, None, (AO,), AO, _intersection)
_declare("join", 2, 2, (A, S), S, lambda _c, a: a[1].join(to_text(item) for item in a[0]))
_declare("last", 1, 1, (SA,), ANY, _last)
_declare("length", 1, 1, (SA,), Z, lambda _c, a: len(a[0]))
_declare("skip", 2, 2, (A, Z), A, lambda _c, a: list(a[0][_count(a[1]) :]))
_declare("take", 2, 2, (SA, Z), SA, lambda _c, a: a[0][: _count(a[1])])
_declare("union", 1, None, (AO,), AO, _union)


# -- logical functions --------------------------------------------------------------------------------


def _equal(left: Any, right: Any) -> bool:
    """Equality as ``equals()`` documents it: ``equals(true, 1)`` is true; arrays and objects by content."""
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left.keys() == right.keys() and all(_equal(left[k], right[k]) for k in left)
    if type_of(left) == ARRAY and type_of(right) == ARRAY:
        return len(left) == len(right) and all(_equal(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, str) != isinstance(right, str):
        return False
    return bool(left == right)


def _compare(name: str, test: Callable[[Any, Any], bool]) -> Implementation:
    def compare(_context: ExpressionContext, args: list[Any]) -> bool:
        left, right = args
        if (type_of(left) in NUMBER and type_of(right) in NUMBER) or (isinstance(left, str) and isinstance(right, str)):
            return test(left, right)
        kinds = f"{type_of(left).lower()} and {type_of(right).lower()}"
        raise FunctionError(f"compares two numbers or two strings, not {kinds}")

    compare.__name__ = name
    return compare


NS: Kinds = frozenset({STRING, INTEGER, FLOAT})
_declare("and", 1, None, (B,), B, lambda _c, a: all(a))
_declare("equals", 2, 2, (ANY, ANY), B, lambda _c, a: _equal(a[0], a[1]))
_declare("greater", 2, 2, (NS, NS), B, _compare("greater", lambda x, y: x > y))
_declare("greaterOrEquals", 2, 2, (NS, NS), B, _compare("greaterOrEquals", lambda x, y: x >= y))
_declare("if", 3, 3, (B, ANY, ANY), ANY, lambda _c, a: a[1] if a[0] else a[2])
_declare("less", 2, 2, (NS, NS), B, _compare("less", lambda x, y: x < y))
_declare("lessOrEquals", 2, 2, (NS, NS), B, _compare("lessOrEquals", lambda x, y: x <= y))
_declare("not", 1, 1, (B,), B, lambda _c, a: not a[0])
_declare("or", 1, None, (B,), B, lambda _c, a: any(a))


# -- conversion functions -----------------------------------------------------------------------------


def _bool(_context: ExpressionContext, args: list[Any]) -> bool:
    value = args[0]
    if isinstance(value, bool):
        return value
    if type_of(value) in NUMBER:
        return value != 0
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise FunctionError(f"{to_text(value)!r} is not a boolean: use true or false, 'true' or 'false', or a number")


def _int(_context: ExpressionContext, args: list[Any]) -> int:
    value = args[0]
    if type_of(value) == INTEGER:
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    try:
        return int(str(value).strip())
    except ValueError:
        raise FunctionError(f"{to_text(value)!r} is not an integer") from None


def _float(_context: ExpressionContext, args: list[Any]) -> float:
    value = args[0]
    if type_of(value) in NUMBER:
        return float(value)
    try:
        number = float(str(value).strip())
    except ValueError:
        raise FunctionError(f"{to_text(value)!r} is not a number") from None
    if math.isnan(number) or math.isinf(number):
        raise FunctionError(f"{value!r} is not a finite number")
    return number


def _json(_context: ExpressionContext, args: list[Any]) -> Any:
    value = args[0]
    if value is None:
        return {}  # "If the string is null, the function returns an empty object."
    if not isinstance(value, str):
        return plain(value)
    try:
        return json.loads(value)
    except json.JSONDecodeError as error:
        raise FunctionError(f"not JSON: {error.msg} at line {error.lineno}, column {error.colno}") from None


def _from_base64(text: str) -> str:
    try:
        return base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as error:
        raise FunctionError(f"{text!r} is not base64-encoded UTF-8 text: {error}") from None


def _data_uri_text(_context: ExpressionContext, args: list[Any]) -> str:
    uri = args[0]
    header, comma, payload = uri.partition(",")
    if not header.startswith("data:") or not comma:
        raise FunctionError(f"{uri!r} is not a data URI (data:<type>[;base64],<data>)")
    if header.endswith(";base64"):
        return _from_base64(payload)
    return unquote_to_bytes(payload).decode("utf-8", errors="strict")


def _uri_decode(_context: ExpressionContext, args: list[Any]) -> str:
    try:
        return unquote_to_bytes(args[0]).decode("utf-8")
    except UnicodeDecodeError as error:
        raise FunctionError(f"{args[0]!r} does not decode to UTF-8 text: {error}") from None


def _uri_encode(_context: ExpressionContext, args: list[Any]) -> str:
    # .NET Uri.EscapeDataString: everything but the unreserved characters A-Z a-z 0-9 - _ . ~ is escaped.
    return quote(args[0], safe="")


_BINARY = "the service's binary values are not documented consistently (the examples disagree), so it is not played"
_XML = "XML values and XPath are not played offline"
_declare("array", 1, 1, (ANY,), A, lambda _c, a: [a[0]])
_declare("base64", 1, 1, (S,), S, lambda _c, a: base64.b64encode(a[0].encode("utf-8")).decode("ascii"))
_declare("base64ToBinary", 1, 1, (S,), ANY, offline=_BINARY)
_declare("base64ToString", 1, 1, (S,), S, lambda _c, a: _from_base64(a[0]))
_declare("binary", 1, 1, (S,), ANY, offline=_BINARY)
_declare("bool", 1, 1, (ANY,), B, _bool)
_declare("coalesce", 1, None, (ANY,), ANY, lambda _c, a: next((v for v in a if v is not None), None))
_declare("createArray", 1, None, (ANY,), A, lambda _c, a: list(a))
_declare(
    "dataUri",
    1,
    1,
    (S,),
    S,
    lambda _c, a: "data:text/plain;charset=utf-8;base64," + base64.b64encode(a[0].encode("utf-8")).decode("ascii"),
)
_declare("dataUriToBinary", 1, 1, (S,), ANY, offline=_BINARY)
_declare("dataUriToString", 1, 1, (S,), S, _data_uri_text)
_declare("decodeBase64", 1, 1, (S,), S, lambda _c, a: _from_base64(a[0]))
_declare("decodeDataUri", 1, 1, (S,), ANY, offline=_BINARY)
_declare("decodeUriComponent", 1, 1, (S,), S, _uri_decode)
_declare("encodeUriComponent", 1, 1, (S,), S, _uri_encode)
_declare("float", 1, 1, (frozenset({STRING, INTEGER, FLOAT}),), frozenset({FLOAT}), _float)
_declare("int", 1, 1, (frozenset({STRING, INTEGER, FLOAT}),), Z, _int)
_declare("json", 1, 1, (ANY,), ANY, _json)
_declare("string", 1, 1, (ANY,), S, lambda _c, a: to_text(a[0]))
_declare("uriComponent", 1, 1, (S,), S, _uri_encode)
_declare("uriComponentToBinary", 1, 1, (S,), ANY, offline=_BINARY)
_declare("uriComponentToString", 1, 1, (S,), S, _uri_decode)
_declare("xml", 1, 1, (ANY,), ANY, offline=_XML)
_declare("xpath", 2, 2, (ANY, ANY), ANY, offline=_XML)


# -- math functions -----------------------------------------------------------------------------------


def _arithmetic(operation: Callable[[Any, Any], Any]) -> Implementation:
    def arithmetic(_context: ExpressionContext, args: list[Any]) -> Any:
        left, right = args
        result = operation(left, right)
        return float(result) if isinstance(left, float) or isinstance(right, float) else result

    return arithmetic


def _div(_context: ExpressionContext, args: list[Any]) -> Any:
    dividend, divisor = args
    if divisor == 0:
        raise FunctionError("the divisor is 0")
    if isinstance(dividend, float) or isinstance(divisor, float):
        return dividend / divisor
    quotient = abs(dividend) // abs(divisor)  # .NET integer division truncates toward zero
    return quotient if (dividend < 0) == (divisor < 0) else -quotient


def _mod(_context: ExpressionContext, args: list[Any]) -> Any:
    dividend, divisor = args
    if divisor == 0:
        raise FunctionError("the divisor is 0")
    if isinstance(dividend, float) or isinstance(divisor, float):
        return math.fmod(dividend, divisor)
    remainder = abs(dividend) % abs(divisor)  # .NET's remainder takes the dividend's sign
    return remainder if dividend >= 0 else -remainder


def _extreme(pick: Callable[[Sequence[Any]], Any]) -> Implementation:
    def extreme(_context: ExpressionContext, args: list[Any]) -> Any:
        numbers = args[0] if len(args) == 1 and type_of(args[0]) == ARRAY else args
        if not numbers or any(type_of(n) not in NUMBER for n in numbers):
            raise FunctionError("takes numbers, or one array of numbers")
        return pick(numbers)

    return extreme


def _rand(context: ExpressionContext, args: list[Any]) -> int:
    low, high = args
    if low >= high:
        raise FunctionError(f"the minimum {low} must be less than the maximum {high} (which is excluded)")
    assert context.rng is not None
    return context.rng.randrange(low, high)


def _range(_context: ExpressionContext, args: list[Any]) -> list[int]:
    start, count = args
    return list(range(start, start + _count(count)))


_declare("add", 2, 2, (N, N), N, _arithmetic(lambda x, y: x + y))
_declare("div", 2, 2, (N, N), N, _div)
_declare("max", 1, None, (frozenset({INTEGER, FLOAT, ARRAY}),), N, _extreme(max))
_declare("min", 1, None, (frozenset({INTEGER, FLOAT, ARRAY}),), N, _extreme(min))
_declare("mod", 2, 2, (N, N), N, _mod)
_declare("mul", 2, 2, (N, N), N, _arithmetic(lambda x, y: x * y))
_declare("rand", 2, 2, (Z, Z), Z, _rand)
_declare("range", 2, 2, (Z, Z), A, _range)
_declare("sub", 2, 2, (N, N), N, _arithmetic(lambda x, y: x - y))


# -- date functions -----------------------------------------------------------------------------------


def _dated(function: Callable[..., Any]) -> Implementation:
    """A date function whose DateError becomes the function's error."""

    def run(context: ExpressionContext, args: list[Any]) -> Any:
        try:
            return function(context, *args)
        except dates.DateError as error:
            raise FunctionError(str(error)) from None

    return run


def _add(unit: str) -> Implementation:
    def add(_context: ExpressionContext, timestamp: str, interval: int, form: str | None = None) -> str:
        moved = dates.add_units(dates.parse_timestamp(timestamp), interval, unit)
        return dates.format_timestamp(moved, form)

    return _dated(add)


def _add_to_time(_context: ExpressionContext, timestamp: str, interval: int, unit: str, form: str | None = None) -> str:
    return dates.format_timestamp(dates.add_units(dates.parse_timestamp(timestamp), interval, unit), form)


def _subtract_from_time(
    _context: ExpressionContext, timestamp: str, interval: int, unit: str, form: str | None = None
) -> str:
    return dates.format_timestamp(dates.add_units(dates.parse_timestamp(timestamp), -interval, unit), form)


def _future(context: ExpressionContext, interval: int, unit: str, form: str | None = None) -> str:
    return dates.format_timestamp(dates.add_units(dates.timestamp_of(context.now), interval, unit), form)


def _past(context: ExpressionContext, interval: int, unit: str, form: str | None = None) -> str:
    return dates.format_timestamp(dates.add_units(dates.timestamp_of(context.now), -interval, unit), form)


def _convert_from_utc(_context: ExpressionContext, timestamp: str, target: str, form: str | None = None) -> str:
    moment = dates.parse_timestamp(timestamp)
    wall = dates.convert(moment, dates.time_zone("UTC"), dates.time_zone(target))
    return dates.format_timestamp(dates.Timestamp(wall, moment.extra_ticks, utc=False), form)


def _convert_to_utc(_context: ExpressionContext, timestamp: str, source: str, form: str | None = None) -> str:
    moment = dates.parse_timestamp(timestamp)
    wall = dates.convert(moment, dates.time_zone(source), dates.time_zone("UTC"))
    return dates.format_timestamp(dates.Timestamp(wall, moment.extra_ticks, utc=True), form)


def _convert_time_zone(
    _context: ExpressionContext, timestamp: str, source: str, target: str, form: str | None = None
) -> str:
    moment = dates.parse_timestamp(timestamp)
    wall = dates.convert(moment, dates.time_zone(source), dates.time_zone(target))
    return dates.format_timestamp(dates.Timestamp(wall, moment.extra_ticks, utc=False), form)


def _start_of(part: str) -> Implementation:
    def start(_context: ExpressionContext, timestamp: str, form: str | None = None) -> str:
        moment = dates.parse_timestamp(timestamp)
        zeroed = moment.moment.replace(minute=0, second=0, microsecond=0)
        if part in ("day", "month"):
            zeroed = zeroed.replace(hour=0)
        if part == "month":
            zeroed = zeroed.replace(day=1)
        return dates.format_timestamp(dates.Timestamp(zeroed, 0, moment.utc), form)

    return _dated(start)


def _format_date_time(_context: ExpressionContext, timestamp: str, form: str | None = None) -> str:
    return dates.format_timestamp(dates.parse_timestamp(timestamp), form)


def _utc_now(context: ExpressionContext, form: str | None = None) -> str:
    return dates.format_timestamp(dates.timestamp_of(context.now), form)


def _part(read: Callable[[dates.Timestamp], int]) -> Implementation:
    return _dated(lambda _context, timestamp: read(dates.parse_timestamp(timestamp)))


# What a literal timestamp, format, time unit or time zone must be, checked before the run.
_SAMPLE = dates.Timestamp(datetime(2026, 1, 1), 0, utc=True)
TIMESTAMP: LiteralCheck = dates.parse_timestamp
FORMAT: LiteralCheck = lambda form: dates.format_timestamp(_SAMPLE, form)  # noqa: E731
UNIT: LiteralCheck = lambda unit: dates.add_units(_SAMPLE, 0, unit)  # noqa: E731
ZONE: LiteralCheck = dates.time_zone

_declare("addDays", 2, 3, (S, Z, S), S, _add("Day"), literals=(TIMESTAMP, None, FORMAT))
_declare("addHours", 2, 3, (S, Z, S), S, _add("Hour"), literals=(TIMESTAMP, None, FORMAT))
_declare("addMinutes", 2, 3, (S, Z, S), S, _add("Minute"), literals=(TIMESTAMP, None, FORMAT))
_declare("addSeconds", 2, 3, (S, Z, S), S, _add("Second"), literals=(TIMESTAMP, None, FORMAT))
_declare("addToTime", 3, 4, (S, Z, S, S), S, _dated(_add_to_time), literals=(TIMESTAMP, None, UNIT, FORMAT))
_declare("convertFromUtc", 2, 3, (S, S, S), S, _dated(_convert_from_utc), literals=(TIMESTAMP, ZONE, FORMAT))
_declare("convertTimeZone", 3, 4, (S, S, S, S), S, _dated(_convert_time_zone), literals=(TIMESTAMP, ZONE, ZONE, FORMAT))
_declare("convertToUtc", 2, 3, (S, S, S), S, _dated(_convert_to_utc), literals=(TIMESTAMP, ZONE, FORMAT))
_declare("dayOfMonth", 1, 1, (S,), Z, _part(lambda t: t.moment.day), literals=(TIMESTAMP,))
# "Sunday is 0, Monday is 1, and so on"; Python counts Monday as 0.
_declare("dayOfWeek", 1, 1, (S,), Z, _part(lambda t: (t.moment.weekday() + 1) % 7), literals=(TIMESTAMP,))
_declare("dayOfYear", 1, 1, (S,), Z, _part(lambda t: t.moment.timetuple().tm_yday), literals=(TIMESTAMP,))
_declare("formatDateTime", 1, 2, (S, S), S, _dated(_format_date_time), literals=(TIMESTAMP, FORMAT))
_declare("getFutureTime", 2, 3, (Z, S, S), S, _dated(_future), literals=(None, UNIT, FORMAT))
_declare("getPastTime", 2, 3, (Z, S, S), S, _dated(_past), literals=(None, UNIT, FORMAT))
_declare("startOfDay", 1, 2, (S, S), S, _start_of("day"), literals=(TIMESTAMP, FORMAT))
_declare("startOfHour", 1, 2, (S, S), S, _start_of("hour"), literals=(TIMESTAMP, FORMAT))
_declare("startOfMonth", 1, 2, (S, S), S, _start_of("month"), literals=(TIMESTAMP, FORMAT))
_declare(
    "subtractFromTime", 3, 4, (S, Z, S, S), S, _dated(_subtract_from_time), literals=(TIMESTAMP, None, UNIT, FORMAT)
)
_declare("ticks", 1, 1, (S,), Z, _part(lambda t: t.ticks), literals=(TIMESTAMP,))
_declare("utcNow", 0, 1, (S,), S, _dated(_utc_now), literals=(FORMAT,))
