"""Evaluating expressions as the service does when an activity runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cloudscale.pipelines.expressions.context import ExpressionContext
from cloudscale.pipelines.expressions.functions import FunctionError, check_arguments, lookup
from cloudscale.pipelines.expressions.syntax import (
    Call,
    Expression,
    ExpressionError,
    Index,
    Literal,
    Member,
    Node,
    parse,
)
from cloudscale.pipelines.expressions.values import ARRAY, INTEGER, to_text, type_of


def evaluate(text: str, context: ExpressionContext) -> Any:
    """A JSON string value as the service treats it: ``'@x'`` is x's value, ``'@@x'`` is ``'@x'``, text with
    ``@{...}`` is a string with each expression's value written in, and other text is itself."""
    return evaluate_parsed(parse(text), context)


def evaluate_parsed(expression: Expression, context: ExpressionContext) -> Any:
    evaluator = _Evaluator(expression.text, context)
    if expression.whole:
        node = expression.parts[0]
        assert not isinstance(node, str)
        return evaluator.value(node)
    return "".join(part if isinstance(part, str) else to_text(evaluator.value(part)) for part in expression.parts)


def evaluate_value(value: Any, context: ExpressionContext) -> Any:
    """A definition's value with every expression in it evaluated: dicts and lists recursively,
    ``{"value": ..., "type": "Expression"}`` as its expression, strings as ``evaluate``."""
    if isinstance(value, Mapping):
        if value.get("type") == "Expression" and set(value) == {"value", "type"}:
            return evaluate_value(value["value"], context)
        return {key: evaluate_value(item, context) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [evaluate_value(item, context) for item in value]
    if isinstance(value, str):
        return evaluate(value, context)
    return value


class _Evaluator:
    def __init__(self, text: str, context: ExpressionContext) -> None:
        self.text = text
        self.context = context

    def fail(self, node: Node, reason: str) -> ExpressionError:
        return ExpressionError(self.text, reason, node.position)

    def value(self, node: Node) -> Any:
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Call):
            return self.call(node)
        target = self.value(node.target)
        if isinstance(node, Member):
            return self.member(node, target, node.name)
        return self.index(node, target, self.value(node.key))

    def call(self, node: Call) -> Any:
        function = lookup(node.name)
        if function is None:
            raise self.fail(node, f"{node.name}() is not a function of the expression language")
        count = len(node.arguments)
        if count < function.minimum or (function.maximum is not None and count > function.maximum):
            raise self.fail(node, f"{function.name}() takes {function.arity}, got {count}")
        if function.run is None:
            raise self.fail(node, f"{function.name}() cannot be evaluated offline: {function.offline}")
        arguments = [self.value(argument) for argument in node.arguments]
        try:
            check_arguments(function, arguments)
            return function.run(self.context, arguments)
        except FunctionError as error:
            raise self.fail(node, f"{function.name}(): {error}") from None

    def member(self, node: Member | Index, target: Any, name: Any) -> Any:
        if target is None:
            if node.safe:
                return None
            raise self.fail(node, f"property {name!r} cannot be read from null (use ?. where it may be missing)")
        if not isinstance(target, Mapping):
            shown = f"{type_of(target).lower()} {to_text(target)!r}"
            raise self.fail(node, f"property {name!r} cannot be read from {shown}")
        if name in target:
            return target[name]
        if node.safe:
            return None
        available = ", ".join(repr(key) for key in target) or "none"
        raise self.fail(node, f"property {name!r} doesn't exist, available properties are {available}")

    def index(self, node: Index, target: Any, key: Any) -> Any:
        if type_of(key) == INTEGER and type_of(target) == ARRAY:
            if 0 <= key < len(target):
                return target[key]
            if node.safe:
                return None
            raise self.fail(node, f"index {key} is outside the array (its length is {len(target)})")
        if isinstance(key, str):
            return self.member(node, target, key)
        if target is None and node.safe:
            return None
        raise self.fail(node, f"{type_of(target).lower()} cannot be indexed with {type_of(key).lower()} {key!r}")
