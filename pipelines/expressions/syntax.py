"""The pipeline expression language's syntax: JSON string values, ``@`` expressions, ``@{...}`` templates.

Learn, "Expressions and functions in Azure Data Factory and Azure Synapse Analytics"
(MicrosoftDocs azure-docs, articles/data-factory/control-flow-expression-language-functions.md):

* a JSON string value starting with ``@`` is an expression; its value is the expression's own value
  (``"@pipeline().parameters.myNumber"`` is the number 42);
* ``@{...}`` inside any other string interpolates an expression, and the result is always a string;
* ``@@`` at the start escapes the ``@``, and ``@@{`` escapes an interpolation;
* string literals are single-quoted, with ``''`` for a quote; there are numbers, ``true``, ``false``
  and ``null``; functions are called by name; ``.name``, ``['name']`` and ``[0]`` reach into values.

"System variables supported by Azure Data Factory and Azure Synapse Analytics" (MicrosoftDocs
azure-docs, articles/data-factory/control-flow-system-variables.md) documents ``?.``
(``@pipeline()?.TriggeredByPipelineName``: null instead of an error where the property is absent);
``?[...]`` is its index form.

The grammar is small enough that a recursive-descent parser states it directly, with the exact
position of every problem; a parser generator would add a dependency and a translation of its
errors into these messages.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass


class ExpressionError(ValueError):
    """An expression that does not parse or cannot be evaluated; the message names the expression and what failed."""

    def __init__(self, text: str, reason: str, position: int | None = None) -> None:
        where = f" at position {position}" if position is not None else ""
        super().__init__(f"{text!r}{where}: {reason}")
        self.text = text
        self.reason = reason
        self.position = position


# -- the syntax tree -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    value: str | int | float | bool | None
    position: int


@dataclass(frozen=True)
class Call:
    name: str
    arguments: tuple[Node, ...]
    position: int


@dataclass(frozen=True)
class Member:
    """``target.name`` or, when ``safe``, ``target?.name``."""

    target: Node
    name: str
    safe: bool
    position: int


@dataclass(frozen=True)
class Index:
    """``target[key]`` or, when ``safe``, ``target?[key]``."""

    target: Node
    key: Node
    safe: bool
    position: int


Node = Literal | Call | Member | Index


@dataclass(frozen=True)
class Expression:
    """A JSON string value as the service reads it: literal text and the expressions inside it, in order.

    ``whole``: the value is ``@expr`` and evaluates to the expression's own value (one part, a node);
    otherwise the value is a string, the text parts joined with each expression's value as text.
    """

    text: str
    parts: tuple[str | Node, ...]
    whole: bool

    @property
    def nodes(self) -> tuple[Node, ...]:
        return tuple(part for part in self.parts if not isinstance(part, str))


def is_expression(text: str) -> bool:
    """Whether the service evaluates anything in this string (an ``@`` value or an ``@{`` interpolation)."""
    return (text.startswith("@") and not text.startswith("@@")) or "@{" in text


@functools.lru_cache(maxsize=4096)
def parse(text: str) -> Expression:
    """A JSON string value parsed as the service parses it; raises ExpressionError with the position.

    Parsed values are immutable and shared: zones that deploy the same definitions parse each once.
    """
    if text.startswith("@") and not text.startswith(("@@", "@{")):
        parser = _Parser(text, 1)
        node = parser.expression()
        parser.skip_space()
        if parser.index < len(text):
            parser.fail(f"unexpected {text[parser.index]!r} after the expression")
        return Expression(text, (node,), whole=True)
    if text.startswith("@@"):
        # The escape applies once, at the start; any interpolation after it is still one.
        rest = _template(text, 2)
        return Expression(text, ("@", *rest) if rest else ("@",), whole=False)
    return Expression(text, _template(text, 0), whole=False)


def _template(text: str, start: int) -> tuple[str | Node, ...]:
    parts: list[str | Node] = []
    literal: list[str] = []
    index = start
    while index < len(text):
        at = text.find("@", index)
        if at == -1:
            literal.append(text[index:])
            break
        literal.append(text[index:at])
        if text.startswith("@@{", at):
            literal.append("@{")
            index = at + 3
        elif text.startswith("@{", at):
            parser = _Parser(text, at + 2)
            node = parser.expression()
            parser.skip_space()
            if parser.index >= len(text):
                parser.fail("@{ is not closed with }", position=at)
            if text[parser.index] != "}":
                parser.fail(f"expected '}}' to close the @{{ at position {at}, found {text[parser.index]!r}")
            if any(literal):
                parts.append("".join(literal))
            literal = []
            parts.append(node)
            index = parser.index + 1
        else:
            literal.append("@")
            index = at + 1
    if any(literal):
        parts.append("".join(literal))
    return tuple(parts)


_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_KEYWORDS: dict[str, bool | None] = {"true": True, "false": False, "null": None}


class _Parser:
    """Recursive descent over one expression of ``text`` from ``index``; ``index`` ends after it."""

    def __init__(self, text: str, index: int) -> None:
        self.text = text
        self.index = index

    def fail(self, reason: str, position: int | None = None) -> None:
        raise ExpressionError(self.text, reason, self.index if position is None else position)

    def skip_space(self) -> None:
        while self.index < len(self.text) and self.text[self.index].isspace():
            self.index += 1

    def peek(self, token: str) -> bool:
        self.skip_space()
        return self.text.startswith(token, self.index)

    def expect(self, token: str, what: str) -> None:
        if not self.peek(token):
            found = repr(self.text[self.index]) if self.index < len(self.text) else "the end"
            self.fail(f"expected {token!r} {what}, found {found}")
        self.index += len(token)

    def expression(self) -> Node:
        node = self.primary()
        while True:
            self.skip_space()
            position = self.index
            if self.peek("?."):
                self.index += 2
                node = Member(node, self.identifier("after '?.'"), True, position)
            elif self.peek("."):
                self.index += 1
                node = Member(node, self.identifier("after '.'"), False, position)
            elif self.peek("?["):
                self.index += 2
                node = Index(node, self.bracketed(position), True, position)
            elif self.peek("["):
                self.index += 1
                node = Index(node, self.bracketed(position), False, position)
            else:
                return node

    def bracketed(self, opened: int) -> Node:
        key = self.expression()
        if not self.peek("]"):
            self.fail(f"'[' at position {opened} is not closed (']' missing)")
        self.index += 1
        return key

    def identifier(self, where: str) -> str:
        self.skip_space()
        match = _IDENTIFIER.match(self.text, self.index)
        if match is None:
            self.fail(f"expected a property name {where}")
        assert match is not None
        self.index = match.end()
        return match[0]

    def primary(self) -> Node:
        self.skip_space()
        start = self.index
        if start >= len(self.text):
            self.fail("the expression is empty or ends too early")
        char = self.text[start]
        if char == "'":
            return Literal(self.string(), start)
        number = _NUMBER.match(self.text, start)
        if number is not None:
            self.index = number.end()
            literal = number[0]
            is_float = any(c in literal for c in ".eE")
            return Literal(float(literal) if is_float else int(literal), start)
        name = _IDENTIFIER.match(self.text, start)
        if name is None:
            self.fail(f"unexpected {char!r}")
        assert name is not None
        self.index = name.end()
        if name[0] in _KEYWORDS and not self.peek("("):
            return Literal(_KEYWORDS[name[0]], start)
        if not self.peek("("):
            self.fail(f"{name[0]!r} is neither a function call nor true, false or null ('(' missing)")
        self.index += 1
        arguments: list[Node] = []
        if not self.peek(")"):
            while True:
                arguments.append(self.expression())
                if self.peek(","):
                    self.index += 1
                    continue
                if not self.peek(")"):
                    found = repr(self.text[self.index]) if self.index < len(self.text) else "the end"
                    self.fail(f"'(' is not closed: {name[0]}( at position {start} expects ',' or ')', found {found}")
                break
        self.index += 1
        return Call(name[0], tuple(arguments), start)

    def string(self) -> str:
        start = self.index
        self.index += 1
        chars: list[str] = []
        while self.index < len(self.text):
            char = self.text[self.index]
            if char == "'":
                if self.text.startswith("''", self.index):
                    chars.append("'")
                    self.index += 2
                    continue
                self.index += 1
                return "".join(chars)
            chars.append(char)
            self.index += 1
        self.fail(f"a string literal is not closed (the ' at position {start})", position=start)
        return ""
