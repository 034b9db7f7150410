"""What can be known about an expression before it runs: every problem the service would meet at run time
that the definition alone already shows.

Checked against the function declarations (``functions.FUNCTIONS``): unknown functions, argument counts,
argument types where they are known (literals, declared parameter and variable types, what a function
returns), literal date formats, time units and time zones, and whole calls on constants, which are
evaluated. Checked against where the expression stands (``Scope``): the system functions of the
definition's kind, ``item()`` only inside a ForEach, ``activity('X')`` only for an activity whose result
exists when the caller runs, declared variables and parameters, a trigger's outputs.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cloudscale.pipelines.expressions.context import ExpressionContext
from cloudscale.pipelines.expressions.functions import (
    FUNCTIONS,
    SCOPED,
    Function,
    FunctionError,
    Kinds,
    check_arguments,
    kinds_text,
    lookup,
)
from cloudscale.pipelines.expressions.syntax import Call, Expression, Index, Literal, Member, Node
from cloudscale.pipelines.expressions.values import ARRAY, BOOLEAN, FLOAT, INTEGER, OBJECT, STRING, to_text, type_of

# Declared parameter and variable types (any case: Studio writes dataset parameters in lower case).
DECLARED_TYPES: dict[str, str] = {
    "string": STRING,
    "securestring": STRING,
    "int": INTEGER,
    "integer": INTEGER,
    "float": FLOAT,
    "bool": BOOLEAN,
    "boolean": BOOLEAN,
    "array": ARRAY,
    "object": OBJECT,
    "secureobject": OBJECT,
}
# pipeline()'s properties (Learn, "System variables supported by Azure Data Factory and Azure Synapse
# Analytics", pipeline scope), with the parameters and the factory's global parameters.
PIPELINE_PROPERTIES = frozenset(
    {
        "DataFactory",
        "Pipeline",
        "RunId",
        "TriggerType",
        "TriggerId",
        "TriggerName",
        "TriggerTime",
        "GroupId",
        "TriggeredByPipelineName",
        "TriggeredByPipelineRunId",
        "parameters",
        "globalParameters",
    }
)
# Functions whose value depends on the run, not only on their arguments: never evaluated offline.
_RUN_DEPENDENT = frozenset(
    {"pipeline", "trigger", "activity", "variables", "item", "dataset", "linkedservice"}
    | {"utcnow", "getfuturetime", "getpasttime", "rand", "guid"}
)
_KIND_NAMES = {"pipeline": "pipeline", "dataset": "dataset", "linkedService": "linked service"}


@dataclass(frozen=True)
class Scope:
    """Where an expression stands: the definition's kind and what it declares, and for a pipeline's
    activity, which activity results and loop item exist when it runs."""

    kind: str
    """The definition's kind: pipeline, dataset, linkedService or trigger."""
    parameters: Mapping[str, Any] = field(default_factory=dict)
    """The definition's declared parameters (a pipeline's, dataset's or linked service's), name -> spec."""
    variables: Mapping[str, Any] = field(default_factory=dict)
    caller: str | None = None
    """The activity the expression belongs to, if any."""
    visible: frozenset[str] = frozenset()
    """Activities whose results exist when the caller runs: upstream of it, or of a container around it."""
    activities: frozenset[str] = frozenset()
    """Every activity of the pipeline."""
    in_foreach: bool = False
    trigger_type: str | None = None
    trigger_outputs: frozenset[str] = frozenset()


def problems(expression: Expression, scope: Scope) -> list[str]:
    """Every problem of one parsed JSON string value in its scope, each once, in order."""
    found: list[str] = []
    checker = _Checker(scope, found)
    for node in expression.nodes:
        checker.visit(node)
    return list(dict.fromkeys(found))


def _declared_kinds(spec: Any) -> Kinds:
    kind = spec.get("type") if isinstance(spec, Mapping) else None
    name = DECLARED_TYPES.get(str(kind).lower()) if kind is not None else None
    return frozenset({name}) if name else None


class _Checker:
    def __init__(self, scope: Scope, found: list[str]) -> None:
        self.scope = scope
        self.found = found
        self.context = ExpressionContext({}, None, {}, {}, now=datetime(2026, 1, 1, tzinfo=UTC))
        self.constants: dict[int, Any] = {}

    def visit(self, node: Node, outermost: bool = True) -> None:
        """Check ``node`` and what it contains; a property path is judged whole, at its outermost step."""
        if isinstance(node, Call):
            for argument in node.arguments:
                self.visit(argument)
            self.call(node)
        elif isinstance(node, Member | Index):
            if outermost:
                self.reference(node)
            self.visit(node.target, outermost=False)
            if isinstance(node, Index):
                self.visit(node.key)

    # -- calls -------------------------------------------------------------------------------------

    def call(self, node: Call) -> None:
        function = lookup(node.name)
        if function is None:
            close = difflib.get_close_matches(node.name.lower(), FUNCTIONS, n=1)
            hint = f"; did you mean {FUNCTIONS[close[0]].name}()?" if close else ""
            self.found.append(f"{node.name}() is not a function of the expression language{hint}")
            return
        count = len(node.arguments)
        if count < function.minimum or (function.maximum is not None and count > function.maximum):
            self.found.append(f"{function.name}() takes {function.arity}, got {count}")
            return
        defined_here = self.scoped(function)
        for position, argument in enumerate(node.arguments):
            kinds, accepted = self.kinds(argument), function.accepts(position)
            if kinds is not None and accepted is not None and not kinds & accepted:
                shown = f" ({to_text(argument.value)!r})" if isinstance(argument, Literal) else ""
                self.found.append(
                    f"{function.name}(): argument {position + 1} is {kinds_text(kinds)}{shown}; "
                    f"it must be {kinds_text(accepted)}"
                )
                return
            check = function.literal(position)
            constant = self.constant(argument)
            if check is not None and constant is not _UNKNOWN:
                try:
                    check(constant)
                except (FunctionError, ValueError) as error:
                    self.found.append(f"{function.name}(): argument {position + 1}: {error}")
                    self.constants[id(node)] = _UNKNOWN  # the call fails for this argument; said once
        name = function.name.lower()
        if name == "item" and defined_here and not self.scope.in_foreach:
            self.found.append("item() is defined only inside a ForEach activity")
        if name in ("activity", "variables") and defined_here and isinstance(node.arguments[0], Literal):
            self.named(name, node.arguments[0].value)
        self.constant(node)

    def scoped(self, function: Function) -> bool:
        """Whether the function is defined where the expression stands; says so when it is not."""
        kind = SCOPED.get(function.name.lower())
        if kind is None or kind == self.scope.kind:
            return True
        if kind == "trigger":
            hint = "only a trigger's pipeline parameters can read @trigger(); pass it as a parameter"
        else:
            hint = f"@{function.name}() is only defined inside a {_KIND_NAMES[kind]}"
        self.found.append(f"{function.name}() cannot be used in a {self.scope.kind}: {hint}")
        return False

    def named(self, function: str, name: Any) -> None:
        scope = self.scope
        if function == "variables":
            if name not in scope.variables:
                self.found.append(f"variable {name!r} is not declared")
        elif name not in scope.activities:
            self.found.append(f"activity {name!r} does not exist in this pipeline")
        elif name not in scope.visible:
            caller = f"{scope.caller!r}" if scope.caller else "this expression"
            self.found.append(
                f"activity {name!r} is not upstream of {caller}: its result exists only for activities that "
                "depend on it (dependsOn), directly or through the container they are in"
            )

    # -- property references -------------------------------------------------------------------------

    def reference(self, node: Member | Index) -> None:
        chain = _chain(node)
        if chain is None:
            return
        root, names = chain
        if root == "pipeline" and self.scope.kind == "pipeline":
            self.pipeline_reference(names)
        elif root in ("dataset", "linkedservice") and SCOPED[root].lower() == self.scope.kind.lower():
            if names[0] not in self.scope.parameters:
                self.found.append(f"@{SCOPED[root]}().{names[0]} is not a declared parameter")
        elif root == "trigger" and self.scope.kind == "trigger" and self.scope.trigger_type:
            path = ".".join(names)
            outputs = self.scope.trigger_outputs
            if not any(path == o or o.startswith(path + ".") or path.startswith(o + ".") for o in outputs):
                self.found.append(
                    f"@trigger().{path} is not defined for a {self.scope.trigger_type}; use one of {sorted(outputs)}"
                )

    def pipeline_reference(self, names: list[str]) -> None:
        if names[0] not in PIPELINE_PROPERTIES:
            known = ", ".join(sorted(PIPELINE_PROPERTIES, key=str.lower))
            self.found.append(f"@pipeline().{names[0]} is not a system variable; use one of {known}")
        elif names[0] == "parameters" and len(names) >= 2 and names[1] not in self.scope.parameters:
            self.found.append(f"@pipeline().parameters.{names[1]} is not a declared parameter")

    # -- what is known before the run ---------------------------------------------------------------

    def kinds(self, node: Node) -> Kinds:
        """The types the value can have, where the definition alone tells; None: not known."""
        constant = self.constant(node)
        if constant is not _UNKNOWN:
            return frozenset({type_of(constant)})
        if isinstance(node, Call):
            function = lookup(node.name)
            if function is None:
                return None
            if function.name == "variables" and isinstance(node.arguments[0], Literal):
                return _declared_kinds(self.scope.variables.get(str(node.arguments[0].value)))
            return function.returns
        chain = _chain(node)
        if chain is not None:
            root, names = chain
            if root == "pipeline" and names[:1] == ["parameters"] and len(names) == 2:
                return _declared_kinds(self.scope.parameters.get(names[1]))
            if root in ("dataset", "linkedservice") and len(names) == 1:
                return _declared_kinds(self.scope.parameters.get(names[0]))
        return None

    def constant(self, node: Node) -> Any:
        """The node's value if it depends on nothing of the run (literals, and functions of constants)."""
        if id(node) not in self.constants:
            self.constants[id(node)] = self._constant(node)
        return self.constants[id(node)]

    def _constant(self, node: Node) -> Any:
        if isinstance(node, Literal):
            return node.value
        if not isinstance(node, Call) or node.name.lower() in _RUN_DEPENDENT:
            return _UNKNOWN
        function = lookup(node.name)
        count = len(node.arguments)
        if (
            function is None
            or function.run is None
            or count < function.minimum
            or (function.maximum is not None and count > function.maximum)
        ):
            return _UNKNOWN
        arguments = [self.constant(argument) for argument in node.arguments]
        if any(argument is _UNKNOWN for argument in arguments):
            return _UNKNOWN
        try:
            check_arguments(function, arguments)
            return function.run(self.context, arguments)
        except FunctionError as error:
            self.found.append(f"{function.name}(): {error}")
            return _UNKNOWN


_UNKNOWN: Any = object()


def _chain(node: Node) -> tuple[str, list[str]] | None:
    """``pipeline().parameters.x`` as ("pipeline", ["parameters", "x"]): a system function and the
    literal property names read from it; None for anything else."""
    names: list[str] = []
    while isinstance(node, Member | Index):
        if isinstance(node, Member):
            names.append(node.name)
        elif isinstance(node.key, Literal) and isinstance(node.key.value, str):
            names.append(node.key.value)
        else:
            return None
        node = node.target
    if not isinstance(node, Call) or node.arguments or not names:
        return None
    return node.name.lower(), names[::-1]
