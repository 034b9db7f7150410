"""The expression language, function by function, against Learn's documented examples.

Unless a row says otherwise, each example is from "Expressions and functions in Azure Data Factory and
Azure Synapse Analytics" (data-factory/control-flow-expression-language-functions.md), section of the
function's name. Where the page's printed result is visibly a typo, the row gives the result the
documented rule produces and says so.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from cloudscale.pipelines.expressions import (
    NO_ITEM,
    ExpressionContext,
    ExpressionError,
    evaluate,
    evaluate_value,
    parse,
)
from cloudscale.pipelines.expressions.functions import FUNCTIONS
from cloudscale.pipelines.expressions.syntax import Call, Index, Literal, Member


def context(**overrides) -> ExpressionContext:
    values = {
        "pipeline": {
            "Pipeline": "pl_orders",
            "RunId": "6b6f3c1e-0000-4000-8000-000000000001",
            "TriggerTime": "2026-06-29T00:00:08.0149599Z",
            "parameters": {"myNumber": 42, "myString": "foo", "windowEnd": "2026-06-29T00:00:00Z", "items": [1, 2]},
            "globalParameters": {"env": "dev"},
        },
        "trigger": {"outputs": {"windowStartTime": "2026-06-28T00:00:00Z", "windowEndTime": "2026-06-29T00:00:00Z"}},
        "variables": {"jobStatus": "Completed", "companyName": "Contoso-\nCorporation"},
        "activities": {
            "Web1": {
                "output": {"data": {"rows": [{"id": 7}]}, "properties": {"status": "Running"}},
                "status": "Succeeded",
            }
        },
        "now": datetime(2018, 4, 15, 13, tzinfo=UTC),
    }
    values.update(overrides)
    return ExpressionContext(**values)


# (expression, result): the value form, "@...", unless the row is about text.
DOCUMENTED = [
    # Expressions: JSON values, escapes and string interpolation.
    ("parameters", "parameters"),
    ("parameters[1]", "parameters[1]"),
    ("@@", "@"),
    (" @", " @"),
    ("@pipeline().parameters.myString", "foo"),
    ("@{pipeline().parameters.myString}", "foo"),
    ("@pipeline().parameters.myNumber", 42),
    ("@{pipeline().parameters.myNumber}", "42"),
    ("Answer is: @{pipeline().parameters.myNumber}", "Answer is: 42"),
    ("@concat('Answer is: ', string(pipeline().parameters.myNumber))", "Answer is: 42"),
    ("Answer is: @@{pipeline().parameters.myNumber}", "Answer is: @{pipeline().parameters.myNumber}"),
    ("@concat('Baba', '''s ', 'book store')", "Baba's book store"),
    (
        '{ "type": "@{if(equals(1, 2), \'Blob\', \'Table\' )}", "name": "@{toUpper(\'myData\')}" }',
        '{ "type": "Table", "name": "MYDATA" }',
    ),
    ("@uriComponentToString(replace(uriComponent(variables('companyName')), '%0A', ''))", "Contoso-Corporation"),
    ("@activity('Web1').output.data", {"rows": [{"id": 7}]}),
    # "Complex expression example": [] with an expression inside a path of properties.
    ("@activity('Web1').output.data.rows[sub(pipeline().parameters.items[0], 1)].id", 7),
    # String functions.
    ("@concat('Hello', 'World')", "HelloWorld"),
    ("@endsWith('hello world', 'world')", True),
    ("@endsWith('hello world', 'universe')", False),
    ("@indexOf('hello world', 'world')", 6),
    ("@lastIndexOf('hello world', 'world')", 6),
    ("@replace('the old string', 'old', 'new')", "the new string"),
    ("@split('a_b_c', '_')", ["a", "b", "c"]),
    ("@startsWith('hello world', 'hello')", True),
    ("@startsWith('hello world', 'greetings')", False),
    ("@substring('hello world', 6, 5)", "world"),
    ("@toLower('Hello World')", "hello world"),
    ("@toUpper('Hello World')", "HELLO WORLD"),
    ("@trim(' Hello World  ')", "Hello World"),
    # Collection functions.
    ("@contains('hello world', 'world')", True),
    ("@contains('hello world', 'universe')", False),
    ("@empty('')", True),
    ("@empty('abc')", False),
    ("@first('hello')", "h"),
    ("@first(createArray(0, 1, 2))", 0),
    ("@intersection(createArray(1, 2, 3), createArray(101, 2, 1, 10), createArray(6, 8, 1, 2))", [1, 2]),
    ("@join(createArray('a', 'b', 'c'), '.')", "a.b.c"),
    ("@last('abcd')", "d"),
    ("@last(createArray(0, 1, 2, 3))", 3),
    ("@length('abcd')", 4),
    ("@length(createArray(0, 1, 2, 3))", 4),
    ("@skip(createArray(0, 1, 2, 3), 1)", [1, 2, 3]),
    ("@take('abcde', 3)", "abc"),
    ("@take(createArray(0, 1, 2, 3, 4), 3)", [0, 1, 2]),
    ("@union(createArray(1, 2, 3), createArray(1, 2, 10, 101))", [1, 2, 3, 10, 101]),
    # Logical functions.
    ("@and(true, true)", True),
    ("@and(false, true)", False),
    ("@and(false, false)", False),
    ("@and(equals(1, 1), equals(2, 2))", True),
    ("@and(equals(1, 1), equals(1, 2))", False),
    ("@equals(true, 1)", True),
    ("@equals('abc', 'abcd')", False),
    ("@greater(10, 5)", True),
    ("@greater('apple', 'banana')", False),
    ("@greaterOrEquals(5, 5)", True),
    ("@greaterOrEquals('apple', 'banana')", False),
    ("@if(equals(1, 1), 'yes', 'no')", "yes"),
    ("@less(5, 10)", True),
    ("@less('banana', 'apple')", False),
    ("@lessOrEquals(10, 10)", True),
    ("@lessOrEquals('apply', 'apple')", False),
    ("@not(false)", True),
    ("@not(equals(1, 1))", False),
    ("@or(true, false)", True),
    ("@or(equals(1, 2), equals(1, 3))", False),
    # Conversion functions.
    ("@array('hello')", ["hello"]),
    ("@base64('hello')", "aGVsbG8="),
    ("@base64ToString('aGVsbG8=')", "hello"),
    ("@bool(1)", True),
    ("@bool(0)", False),
    ("@coalesce(null, true, false)", True),
    ("@coalesce(null, 'hello', 'world')", "hello"),
    ("@coalesce(null, null, null)", None),
    ("@createArray('h', 'e', 'l', 'l', 'o')", ["h", "e", "l", "l", "o"]),
    ("@dataUri('hello')", "data:text/plain;charset=utf-8;base64,aGVsbG8="),
    ("@dataUriToString('data:text/plain;charset=utf-8;base64,aGVsbG8=')", "hello"),
    ("@decodeBase64('aGVsbG8=')", "hello"),
    # The page prints "https://contoso.com" for decoding 'http%3A%2F%2Fcontoso.com' and the reverse for
    # encoding: one of each pair lost its "s". The encoding is .NET's Uri.EscapeDataString.
    ("@decodeUriComponent('https%3A%2F%2Fcontoso.com')", "https://contoso.com"),
    ("@encodeUriComponent('https://contoso.com')", "https%3A%2F%2Fcontoso.com"),
    ("@float('10.333')", 10.333),
    ("@int('10')", 10),
    ("@json('[1, 2, 3]')", [1, 2, 3]),
    ('@json(\'{"fullName": "Sophia Owen"}\')', {"fullName": "Sophia Owen"}),
    ("@string(10)", "10"),
    ('@string(json(\'{ "name": "Sophie Owen" }\'))', '{"name":"Sophie Owen"}'),
    ("@uriComponent('https://contoso.com')", "https%3A%2F%2Fcontoso.com"),
    ("@uriComponentToString('https%3A%2F%2Fcontoso.com')", "https://contoso.com"),
    # Math functions.
    ("@add(1, 1.5)", 2.5),
    ("@div(10, 5)", 2),
    ("@div(11, 5)", 2),
    ("@max(1, 2, 3)", 3),
    ("@max(createArray(1, 2, 3))", 3),
    ("@min(1, 2, 3)", 1),
    ("@min(createArray(1, 2, 3))", 1),
    ("@mod(3, 2)", 1),
    ("@mul(1, 2)", 2),
    # The page prints 3 and 10: floats, as .NET writes them (string() gives the same text, below).
    ("@mul(1.5, 2)", 3.0),
    ("@string(mul(1.5, 2))", "3"),
    ("@range(1, 4)", [1, 2, 3, 4]),
    ("@sub(10.3, .3)", 10.0),
    # Date functions. The page prints "2018-03-25T00:00:0000000Z" for the first (time and "." lost);
    # "o" is yyyy-MM-ddTHH:mm:ss.fffffffK.
    ("@addDays('2018-03-15T13:00:00Z', 10)", "2018-03-25T13:00:00.0000000Z"),
    ("@addDays('2018-03-15T00:00:00Z', -5)", "2018-03-10T00:00:00.0000000Z"),
    ("@addHours('2018-03-15T00:00:00Z', 10)", "2018-03-15T10:00:00.0000000Z"),
    ("@addHours('2018-03-15T15:00:00Z', -5)", "2018-03-15T10:00:00.0000000Z"),
    ("@addMinutes('2018-03-15T00:10:00Z', 10)", "2018-03-15T00:20:00.0000000Z"),
    ("@addMinutes('2018-03-15T00:20:00Z', -5)", "2018-03-15T00:15:00.0000000Z"),
    ("@addSeconds('2018-03-15T00:00:00Z', 10)", "2018-03-15T00:00:10.0000000Z"),
    ("@addSeconds('2018-03-15T00:00:30Z', -5)", "2018-03-15T00:00:25.0000000Z"),
    ("@addToTime('2018-01-01T00:00:00Z', 1, 'Day')", "2018-01-02T00:00:00.0000000Z"),
    ("@addToTime('2018-01-01T00:00:00Z', 1, 'Day', 'D')", "Tuesday, January 2, 2018"),
    # The page prints "2018-01-01T00:00:00Z" for convertFromUtc's first example and
    # "2018-01-01T00:00:00.0000000" for the same conversion by convertTimeZone: "o" of a converted time.
    ("@convertFromUtc('2018-01-01T08:00:00.0000000Z', 'Pacific Standard Time')", "2018-01-01T00:00:00.0000000"),
    ("@convertFromUtc('2018-01-01T08:00:00.0000000Z', 'Pacific Standard Time', 'D')", "Monday, January 1, 2018"),
    ("@convertTimeZone('2018-01-01T08:00:00.0000000Z', 'UTC', 'Pacific Standard Time')", "2018-01-01T00:00:00.0000000"),
    ("@convertTimeZone('2018-01-01T08:00:00Z', 'UTC', 'Pacific Standard Time', 'D')", "Monday, January 1, 2018"),
    ("@convertToUtc('01/01/2018 00:00:00', 'Pacific Standard Time')", "2018-01-01T08:00:00.0000000Z"),
    ("@convertToUtc('01/01/2018 00:00:00', 'Pacific Standard Time', 'D')", "Monday, January 1, 2018"),
    ("@dayOfMonth('2018-03-15T13:27:36Z')", 15),
    # The page prints 3; 15 March 2018 was a Thursday, 4 by its own rule "Sunday is 0, Monday is 1".
    ("@dayOfWeek('2018-03-15T13:27:36Z')", 4),
    ("@dayOfYear('2018-03-15T13:27:36Z')", 74),
    ("@formatDateTime('03/15/2018 12:00:00', 'yyyy-MM-ddTHH:mm:ss')", "2018-03-15T12:00:00"),
    ("@getFutureTime(5, 'Day')", "2018-04-20T13:00:00.0000000Z"),
    ("@getPastTime(5, 'Day', 'D')", "Tuesday, April 10, 2018"),
    ("@startOfDay('2018-03-15T13:30:30Z')", "2018-03-15T00:00:00.0000000Z"),
    ("@startOfHour('2018-03-15T13:30:30Z')", "2018-03-15T13:00:00.0000000Z"),
    ("@startOfMonth('2018-03-15T13:30:30Z')", "2018-03-01T00:00:00.0000000Z"),
    ("@subtractFromTime('2018-01-02T00:00:00Z', 1, 'Day')", "2018-01-01T00:00:00.0000000Z"),
    # The page prints "Monday, January, 1, 2018"; "D" in en-US is dddd, MMMM d, yyyy (as in its other examples).
    ("@subtractFromTime('2018-01-02T00:00:00Z', 1, 'Day', 'D')", "Monday, January 1, 2018"),
    # .NET: DateTime(2018, 3, 15, 13, 27, 36).Ticks.
    ("@ticks('2018-03-15T13:27:36Z')", 636567172560000000),
    ("@utcNow()", "2018-04-15T13:00:00.0000000Z"),
    ("@utcNow('D')", "Sunday, April 15, 2018"),
    # System variables (data-factory/control-flow-system-variables.md).
    ("@pipeline().Pipeline", "pl_orders"),
    ("@pipeline()?.TriggeredByPipelineName", None),
    ("@trigger().outputs.windowStartTime", "2026-06-28T00:00:00Z"),
    ("@pipeline().globalParameters.env", "dev"),
]


@pytest.mark.parametrize(("text", "expected"), DOCUMENTED, ids=[text for text, _ in DOCUMENTED])
def test_documented_example(text, expected):
    result = evaluate(text, context())
    assert result == expected
    assert type(result) is type(expected)


def test_every_declared_function_has_a_documented_example_or_says_why_not():
    used = {call.name.lower() for text, _ in DOCUMENTED for call in _calls(text)}
    not_played = {name for name, function in FUNCTIONS.items() if function.run is None}
    # Variable-, item- and lookup-only functions have their own tests below; guid and rand are random.
    elsewhere = {"variables", "item", "dataset", "linkedservice", "guid", "rand", "activity"}
    assert set(FUNCTIONS) - used - not_played - elsewhere == set()


def _calls(text):
    stack = list(parse(text).nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, Call):
            yield node
            stack.extend(node.arguments)
        elif isinstance(node, Member):
            stack.append(node.target)
        elif isinstance(node, Index):
            stack.extend((node.target, node.key))


# -- what the bundled definitions use ------------------------------------------------------------------


def test_the_bundled_windows_folder_and_messages():
    run = context()
    assert evaluate("@formatDateTime(pipeline().parameters.windowEnd, 'yyyy/MM/dd/HHmm')", run) == "2026/06/29/0000"
    assert evaluate("@formatDateTime('2026-06-29T13:45:00Z', 'yyyy-MM-ddTHH:mm:ssZ')", run) == "2026-06-29T13:45:00Z"
    query = "SELECT * FROM [@{item().schema}].[@{item().table}] WHERE [m] >= '@{pipeline().parameters.windowEnd}'"
    assert evaluate(query, context(item={"schema": "Sales", "table": "Orders"})) == (
        "SELECT * FROM [Sales].[Orders] WHERE [m] >= '2026-06-29T00:00:00Z'"
    )
    status = "@or(equals(variables('jobStatus'), 'Completed'), equals(variables('jobStatus'), 'Failed'))"
    assert evaluate(status, run) is True


def test_evaluate_value_walks_a_definition_and_evaluates_expression_objects():
    definition = {
        "folderPath": {"value": "@concat('orders/', pipeline().parameters.myString)", "type": "Expression"},
        "items": ["@pipeline().parameters.myNumber", "plain", 3, None],
        "escaped": "@@literal",
        "nested": {"value": {"value": "@pipeline().RunId", "type": "Expression"}, "type": "string"},
    }
    assert evaluate_value(definition, context()) == {
        "folderPath": "orders/foo",
        "items": [42, "plain", 3, None],
        "escaped": "@literal",
        "nested": {"value": "6b6f3c1e-0000-4000-8000-000000000001", "type": "string"},
    }


def test_item_variables_dataset_and_linked_service():
    assert evaluate("@item()", context(item={"a": 1})) == {"a": 1}
    assert evaluate("@item()", context(item=None)) is None
    assert evaluate("@variables('jobStatus')", context()) == "Completed"
    assert evaluate("@dataset().path", context(dataset={"path": "x/y"})) == "x/y"
    assert evaluate("@{linkedService().database}", context(linked_service={"database": "lw"})) == "lw"


def test_interpolated_values_are_written_as_the_service_writes_them():
    run = context(item={"flag": True, "ratio": 2.5, "whole": 10.0, "list": [1, "a"], "none": None})
    assert evaluate("@{item().flag}|@{item().ratio}|@{item().whole}|@{item().list}|@{item().none}|", run) == (
        'True|2.5|10|[1,"a"]||'
    )


def test_safe_navigation_returns_null_where_a_property_or_index_is_missing():
    run = context()
    assert evaluate("@activity('Web1').output?.filesRead", run) is None
    assert evaluate("@activity('Web1').output?['filesRead']?.count", run) is None
    assert evaluate("@activity('Web1').output.data.rows?[5]", run) is None
    with pytest.raises(ExpressionError, match="property 'filesRead' doesn't exist, available properties are 'data'"):
        evaluate("@activity('Web1').output.filesRead", run)


def test_dot_net_format_strings():
    run = context()
    stamp = "'2026-01-05T07:08:09.1234567Z'"
    cases = {
        "o": "2026-01-05T07:08:09.1234567Z",
        "s": "2026-01-05T07:08:09",
        "u": "2026-01-05 07:08:09Z",
        "R": "Mon, 05 Jan 2026 07:08:09 GMT",
        "d": "1/5/2026",
        "g": "1/5/2026 7:08 AM",
        "t": "7:08 AM",
        "Y": "January 2026",
        "yyyy/MM/dd/HHmm": "2026/01/05/0708",
        "yyyy-MM-ddTHH:mm:ssZ": "2026-01-05T07:08:09Z",
        "ddd d MMM yy, hh:mm:ss.fff tt": "Mon 5 Jan 26, 07:08:09.123 AM",
        "HH:mm:ss.FFFFFFF K zzz": "07:08:09.1234567 Z +00:00",
        "'quoted' \\y %d": "quoted y 5",
    }
    for form, expected in cases.items():
        literal = form.replace("'", "''")
        assert evaluate(f"@formatDateTime({stamp}, '{literal}')", run) == expected, form
    assert evaluate("@formatDateTime('2026-01-05T07:08:09Z', 'HH:mm:ss.FFF')", run) == "07:08:09"
    assert evaluate("@formatDateTime('2026-01-05T09:00:00+02:00')", run) == "2026-01-05T07:00:00.0000000Z"
    assert evaluate("@addToTime('2026-01-31T00:00:00Z', 1, 'Month', 'yyyy-MM-dd')", run) == "2026-02-28"
    assert evaluate("@ticks('0001-01-01T00:00:00.0000001Z')", run) == 1


def test_integer_division_and_remainder_truncate_toward_zero_as_dot_net_does():
    run = context()
    assert evaluate("@div(-7, 2)", run) == -3
    assert evaluate("@mod(-7, 2)", run) == -1
    assert evaluate("@div(7.0, 2)", run) == 3.5


def test_guid_and_rand_are_random_per_call_and_replay_alike_for_a_run():
    first, again = context(), context()
    drawn = [evaluate("@guid()", first), evaluate("@guid()", first), evaluate("@rand(1, 5)", first)]
    assert drawn[0] != drawn[1]
    assert drawn == [evaluate("@guid()", again), evaluate("@guid()", again), evaluate("@rand(1, 5)", again)]
    assert 1 <= drawn[2] < 5
    assert evaluate("@guid('N')", context(rng=random.Random(1))).isalnum()
    assert evaluate("@guid('P')", context()).startswith("(")


# -- errors name the expression, the function and what failed --------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("@formatDateTime(pipeline().parameters.windowEnd, 'yyyy/MM/dd'", "'(' is not closed"),
        ("@concat('orders/, dataset().window)", "a string literal is not closed"),
        ("a @{pipeline().RunId", "@{ is not closed with }"),
        ("@pipeline().parameters.", "expected a property name after '.'"),
        ("@pipeline().parameters['x'", "'[' at position 22 is not closed"),
        ("@pipeline", "'pipeline' is neither a function call nor true, false or null"),
        ("@concat('a') 'b'", 'unexpected "\'" after the expression'),
        ("@", "the expression is empty"),
        ("@#", "unexpected '#'"),
    ],
)
def test_syntax_errors_give_the_position(text, message):
    with pytest.raises(ExpressionError, match=r"at position \d+") as raised:
        parse(text)
    assert message in raised.value.reason
    assert raised.value.text == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("@frobnicate(1)", "frobnicate() is not a function of the expression language"),
        ("@concat('a', 1)", "concat(): argument 2 is integer '1'; it must be an array or a string"),
        ("@substring('abc', 2, 5)", "substring(): start 2 and length 5 reach outside the string"),
        ("@div(1, 0)", "div(): the divisor is 0"),
        ("@int('ten')", "int(): 'ten' is not an integer"),
        ("@json('{')", "json(): not JSON"),
        ("@formatDateTime('yesterday')", "formatDateTime(): 'yesterday' is not a timestamp"),
        ("@formatDateTime('2026-01-01T00:00:00Z', 'Q')", "'Q' is not a standard format specifier"),
        ("@addToTime('2026-01-01T00:00:00Z', 1, 'Fortnight')", "'Fortnight' is not a time unit"),
        ("@convertFromUtc('2026-01-01T00:00:00Z', 'Mars Standard Time')", "not a Windows time zone name"),
        ("@xml('<a/>')", "xml() cannot be evaluated offline"),
        ("@binary('hello')", "binary() cannot be evaluated offline"),
        ("@substring('abc', 1)", "substring() takes 3 arguments, got 2"),
        ("@item()", "item() is defined only inside a ForEach activity"),
        ("@activity('Nope').output", "activity 'Nope' has no result here (activities that ran: Web1)"),
        ("@variables('nope')", "variable 'nope' does not exist"),
        ("@dataset().x", "dataset() is defined only inside a dataset"),
        ("@pipeline().parameters.nope", "property 'nope' doesn't exist"),
        ("@pipeline().Pipeline.x", "property 'x' cannot be read from string 'pl_orders'"),
        ("@createArray(1)[3]", "index 3 is outside the array"),
        ("@if('yes', 1, 2)", "if(): argument 1 is string 'yes'; it must be a boolean"),
        ("@greater(1, 'a')", "greater(): compares two numbers or two strings, not integer and string"),
    ],
)
def test_evaluation_errors_name_the_function_and_what_failed(text, message):
    with pytest.raises(ExpressionError) as raised:
        evaluate(text, context(trigger=None))
    assert message in str(raised.value)
    assert repr(text) in str(raised.value)


def test_item_outside_a_foreach_is_the_sentinel_not_none():
    assert context().item is NO_ITEM
    with pytest.raises(ExpressionError, match="ForEach"):
        evaluate("@item()", context())


def test_utcnow_needs_a_timezone_aware_time():
    with pytest.raises(ExpressionError, match="has no time zone"):
        evaluate("@utcNow()", context(now=datetime(2026, 1, 1)))


def test_function_names_are_matched_without_case():
    assert evaluate("@UTCNOW('yyyy')", context()) == "2018"
    assert evaluate("@adddays('2018-03-15T00:00:00Z', 1, 'yyyy-MM-dd')", context()) == "2018-03-16"


def test_the_syntax_tree():
    parsed = parse("x @{a('b', 1)?.c[0]} y")
    assert not parsed.whole
    assert parsed.parts[0] == "x " and parsed.parts[2] == " y"
    node = parsed.parts[1]
    assert isinstance(node, Index) and node.key == Literal(0, 17)
    assert isinstance(node.target, Member) and node.target.safe and node.target.name == "c"
    assert node.target.target == Call("a", (Literal("b", 6), Literal(1, 11)), 4)
