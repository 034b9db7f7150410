"""The expression language's value types, and values written as text.

The language's types are string, integer, float, boolean, array and object ("dictionary"), and null
(Learn, "Expressions and functions in Azure Data Factory and Azure Synapse Analytics", Conversion
functions). The service runs on .NET: a value interpolated into text (``@{...}``) or passed to
``string()`` is written as .NET writes it: ``True``/``False`` for booleans, ``10`` for the float 10.0,
compact JSON for arrays and objects, nothing for null. *How the service writes booleans and
non-integral floats is not documented; these follow .NET's ``ToString()``.*
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

STRING, INTEGER, FLOAT, BOOLEAN = "String", "Integer", "Float", "Boolean"
ARRAY, OBJECT, NULL = "Array", "Object", "Null"
TYPES = (STRING, INTEGER, FLOAT, BOOLEAN, ARRAY, OBJECT, NULL)
NUMBER = frozenset({INTEGER, FLOAT})


def type_of(value: Any) -> str:
    """The language's name for a Python value's type (the service names them so in its errors)."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return FLOAT
    if isinstance(value, str):
        return STRING
    if isinstance(value, Mapping):
        return OBJECT
    if isinstance(value, Sequence):
        return ARRAY
    return type(value).__name__


def to_text(value: Any) -> str:
    """A value as the service writes it into text: ``@{...}`` interpolation and ``string()``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        return number_text(value)
    if isinstance(value, int):
        return str(value)
    return json.dumps(plain(value), separators=(",", ":"), ensure_ascii=False)


def number_text(value: float) -> str:
    """.NET's shortest round-trip text of a double: ``10`` for 10.0, ``1E+16`` for 1e16."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else "+"
        text = f"{mantissa.removesuffix('.0')}E{sign}{exponent.lstrip('+-').rjust(2, '0')}"
    return text


def plain(value: Any) -> Any:
    """A copy of ``value`` as JSON types: read-only mappings and tuples become dicts and lists."""
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value
