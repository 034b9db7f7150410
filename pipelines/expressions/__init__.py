"""The Data Factory / Synapse pipeline expression language: parsing, evaluation and static checks.

``parse`` reads a JSON string value as the service does; ``evaluate`` and ``evaluate_value`` give its
value in an ``ExpressionContext`` (what ``cloudscale flow run`` plays); ``analysis`` checks expressions
offline for the validator (``cloudscale pipelines validate`` and ``cloudscale plan``). Every function
is declared once, in ``functions``, with its arguments, its result type and its implementation.
"""

from cloudscale.pipelines.expressions.context import NO_ITEM, ExpressionContext
from cloudscale.pipelines.expressions.evaluate import evaluate, evaluate_parsed, evaluate_value
from cloudscale.pipelines.expressions.syntax import Expression, ExpressionError, is_expression, parse

__all__ = [
    "NO_ITEM",
    "Expression",
    "ExpressionContext",
    "ExpressionError",
    "evaluate",
    "evaluate_parsed",
    "evaluate_value",
    "is_expression",
    "parse",
]
