"""Properties of the data products' pure functions on generated dirty data (Hypothesis), on the one Spark
session: blank and whitespace text, nulls, duplicate keys and addresses, overlapping intervals, facts after
the business date, missing optional columns.

Each property runs a fixed, small number of examples, derandomised, so the suite's time and result are
the same on every run; each example is a handful of Spark jobs on a few rows. A failure is reported as
found, not shrunk: shrinking replays Spark jobs for minutes, and the examples are a few rows already.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cloudscale.dataproducts import (
    customer_360,
    customer_dimension,
    customer_service,
    relationship_mesh,
    sales_analytics,
)
from cloudscale.dataproducts.contracts import products
from cloudscale.dataproducts.quality import check_published

from .conftest import frame

AS_OF = date(2026, 6, 30)
FEW = settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=list(HealthCheck),
)
BLANKS = ("", " ", "   ", "\t", "\u00a0", " \n ")
days = st.integers(min_value=-400, max_value=60).map(lambda n: AS_OF + timedelta(days=n))
past_days = st.integers(min_value=-400, max_value=0).map(lambda n: AS_OF + timedelta(days=n))
blank_or_none = st.sampled_from((*BLANKS, None))


def _key(text: str | None) -> str | None:
    """What two records may be matched on: the text without whitespace, in lower case; nothing if blank."""
    squeezed = "".join((text or "").split()).lower()
    return squeezed or None


def _published(product: str, outputs: dict) -> dict:
    """Every output as publishing checks it (one row per declared key, values required, scores in range),
    kept in memory for the assertions that follow."""
    tables = products.outputs(products.PRODUCTS[product])
    kept = {name: df.cache() for name, df in outputs.items()}
    for name, df in kept.items():
        check_published(df, tables[name])
    return kept


def _sorted(df) -> list[tuple]:
    return sorted((tuple(row) for row in df.collect()), key=repr)


# -- Unrelated records never merge ----------------------------------------------------------------------

emails = st.one_of(st.sampled_from(("ann@x.example", " Ann@X.example", "bo@x.example", "cy@y.example")), blank_or_none)


@settings(FEW, max_examples=6)
@given(resident_emails=st.lists(emails, min_size=2, max_size=6), contact_emails=st.lists(emails, max_size=4))
def test_customer_360_merges_only_records_that_share_an_email(spark, resident_emails, contact_emails):
    # Two blank records in every example: the class that merged unrelated people.
    resident_emails = [*resident_emails, "", " \u00a0 "]
    residents = [
        {"cid": f"R{n}", "Email": e, "Created_date": datetime(2020, 1, 1)} for n, e in enumerate(resident_emails)
    ]
    contacts = [{"ContactId": f"K{n}", "Email": e, "ContactType": "Contact"} for n, e in enumerate(contact_emails)]
    profiles = customer_360.unify_profiles(
        frame(spark, "enriched/leasing/residents", residents), frame(spark, "enriched/crm/contacts", contacts)
    ).collect()

    owner = {rid: p["CustomerId"] for p in profiles for rid in (*p["ResidentIds"], *p["ContactIds"])}
    keys = {r["cid"]: _key(r["Email"]) for r in residents} | {c["ContactId"]: _key(c["Email"]) for c in contacts}
    assert set(owner) == set(keys)
    for a in keys:
        for b in keys:
            same_person = keys[a] is not None and keys[a] == keys[b]
            assert (owner[a] == owner[b]) == (same_person or a == b), (a, b, keys[a], keys[b])
    assert len({p["CustomerId"] for p in profiles}) == len(profiles)


def _domain(website: str | None) -> str | None:
    bare = (website or "").strip().lower().split("://")[-1].removeprefix("www.").rstrip("/")
    return _key(bare)


websites = st.one_of(
    st.sampled_from(("https://a.example", "http://WWW.A.example/", "b.example", "https://www.b.example")),
    blank_or_none,
)


def _dimension_inputs(spark, case):
    customers, addresses, orders = case
    erp = [{"ErpCustomerId": str(n), "CustomerId": c["CustomerId"], "Name": c["Name"]} for n, c in enumerate(customers)]
    return {
        "customers": frame(spark, "enriched/crm/customers", customers),
        "addresses": frame(spark, "enriched/crm/addresses", addresses),
        "sales_headers": frame(spark, "enriched/erp/sales_headers", [o[0] for o in orders]),
        "sales_lines": frame(spark, "enriched/erp/sales_lines", [o[1] for o in orders]),
        "erp_customers": frame(spark, "enriched/erp/erp_customers", erp),
    }


@st.composite
def dimension_cases(draw):
    count = draw(st.integers(min_value=2, max_value=5))
    customers = [
        {
            "CustomerId": f"C{n}",
            "Name": f"Company {n}",
            "Website": draw(websites),
            "CreatedDate": draw(st.sampled_from((datetime(2020, 1, 1), datetime(2021, 1, 1)))),
        }
        for n in range(count)
    ]
    addresses = [
        {
            "AddressId": f"A{c}-{n}",
            "CustomerId": f"C{c}",
            "Type": draw(st.sampled_from(("Bill To", "Bill To", "Ship To"))),
            "AddressNumber": draw(st.integers(min_value=1, max_value=3)),
            "City": draw(st.sampled_from(("Austin", "Boston"))),
        }
        for c in range(count)
        for n in range(draw(st.integers(min_value=0, max_value=3)))
    ]
    orders = []
    for n in range(draw(st.integers(min_value=1, max_value=8))):
        order = {
            "OrderId": f"O{n}",
            "CustomerId": f"C{draw(st.integers(min_value=0, max_value=count - 1))}",
            "OrderDate": draw(days),
            "Status": draw(st.sampled_from(("Invoiced", "Invoiced", "Cancelled"))),
        }
        line = {
            "OrderId": f"O{n}",
            "LineNo": 1,
            "ProductCategory": draw(st.sampled_from(("Hardware", "Software", " "))),
            "Amount": float(draw(st.integers(min_value=1, max_value=500))),
        }
        orders.append((order, line))
    # One order on the business date and one after it in every example: the class that scored churn below 0.
    orders.append(
        (
            {"OrderId": "due", "CustomerId": "C0", "OrderDate": AS_OF, "Status": "Invoiced"},
            {"OrderId": "due", "LineNo": 1, "ProductCategory": "Software", "Amount": 20.0},
        )
    )
    orders.append(
        (
            {"OrderId": "late", "CustomerId": "C0", "OrderDate": AS_OF + timedelta(days=30), "Status": "Invoiced"},
            {"OrderId": "late", "LineNo": 1, "ProductCategory": "Hardware", "Amount": 10.0},
        )
    )
    return customers, addresses, orders


@settings(FEW, max_examples=2)
@given(case=dimension_cases())
def test_customer_dimension_one_row_per_customer_merged_only_by_domain_and_a_backfill_reproduces_the_past(spark, case):
    customers, addresses, orders = case
    built = _published("customer-dimension", customer_dimension.build(_dimension_inputs(spark, case), as_of=AS_OF))
    rows = built["Customer"].collect()

    domains = {c["CustomerId"]: _domain(c["Website"]) for c in customers}
    merged_into = {source: row["CustomerId"] for row in rows for source in row["SourceCustomerIds"].split(",")}
    for a in domains:
        for b in domains:
            same = domains[a] is not None and domains[a] == domains[b]
            assert (merged_into[a] == merged_into[b]) == (same or a == b), (a, b)
    assert all(0 <= row["ChurnScore"] <= 100 for row in rows)

    past = (customers, addresses, [o for o in orders if o[0]["OrderDate"] <= AS_OF])
    backfill = customer_dimension.build(_dimension_inputs(spark, past), as_of=AS_OF)
    for name in ("Customer", "CustomerAffinity"):
        assert _sorted(built[name]) == _sorted(backfill[name]), name


# -- Every fact counted once; a backfill reproduces the past ---------------------------------------------


@st.composite
def sales_cases(draw):
    assignments = []
    for n in range(draw(st.integers(min_value=1, max_value=4))):
        start = draw(days)
        length = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=300)))
        end = start + timedelta(days=length) if length else None
        assignments.append(
            {
                "AssignmentId": f"A{n}",
                "CustomerId": draw(st.sampled_from(("C1", "C2"))),
                "Territory": draw(st.sampled_from(("North", "South", "East", " "))),
                "ValidFrom": start,
                "ValidTo": end,
            }
        )
    # An old assignment never closed, and a newer one over it, in every example.
    assignments += [
        {"AssignmentId": "old", "CustomerId": "C1", "Territory": "West", "ValidFrom": AS_OF - timedelta(days=500)},
        {"AssignmentId": "new", "CustomerId": "C1", "Territory": "East", "ValidFrom": AS_OF - timedelta(days=200)},
    ]
    orders, shipments = [], []
    for n in range(draw(st.integers(min_value=1, max_value=8))):
        placed = draw(days)
        orders.append(
            (
                {
                    "OrderId": f"O{n}",
                    "CustomerId": draw(st.sampled_from(("C1", "C2"))),
                    "OrderDate": placed,
                    "Status": draw(st.sampled_from(("Invoiced", "Open", "Cancelled"))),
                },
                {"OrderId": f"O{n}", "LineNo": 1, "Amount": float(draw(st.integers(min_value=1, max_value=900)))},
            )
        )
        if draw(st.booleans()):
            shipped = placed + timedelta(days=draw(st.integers(min_value=0, max_value=10)))
            delivered = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=10)))
            shipments.append(
                {
                    "ShipmentId": f"S{n}",
                    "OrderId": f"O{n}",
                    "ShipDate": shipped,
                    "DeliveredDate": shipped + timedelta(days=delivered) if delivered is not None else None,
                }
            )
    orders.append(
        (
            {"OrderId": "recent", "CustomerId": "C1", "OrderDate": AS_OF - timedelta(days=10), "Status": "Invoiced"},
            {"OrderId": "recent", "LineNo": 1, "Amount": 100.0},
        )
    )
    return assignments, orders, shipments


def _sales_inputs(spark, assignments, orders, shipments):
    customers = [{"CustomerId": "C1", "Name": "One"}, {"CustomerId": "C2", "Name": "Two"}]
    return {
        "customers": frame(spark, "enriched/crm/customers", customers),
        "territory_assignments": frame(spark, "enriched/crm/territory_assignments", assignments),
        "sales_headers": frame(spark, "enriched/erp/sales_headers", [o[0] for o in orders]),
        "sales_lines": frame(spark, "enriched/erp/sales_lines", [o[1] for o in orders]),
        "payments": frame(spark, "enriched/erp/payments", []),
        "shipments": frame(spark, "enriched/erp/shipments", shipments),
    }


@FEW
@given(case=sales_cases())
def test_sales_count_every_order_once_and_a_backfill_reproduces_the_past(spark, case):
    assignments, orders, shipments = case
    built = _published("sales-analytics", sales_analytics.build(_sales_inputs(spark, *case), as_of=AS_OF))

    placed = [o for o in orders if o[0]["OrderDate"] <= AS_OF]
    revenue = sum(line["Amount"] for header, line in placed if header["Status"] != "Cancelled")
    summary = built["sales_summary"].collect()
    assert abs(sum(row["Revenue"] for row in summary) - revenue) < 0.01
    assert sum(row["Orders"] for row in summary) == sum(1 for h, _ in placed if h["Status"] != "Cancelled")
    assert built["order_status"].count() == len(placed)

    # What the window's sources held on the business date.
    past_assignments = [
        {**a, "ValidTo": a["ValidTo"] if a.get("ValidTo") and a["ValidTo"] <= AS_OF else None}
        for a in assignments
        if a["ValidFrom"] <= AS_OF
    ]
    past_shipments = [
        {**s, "DeliveredDate": s["DeliveredDate"] if s["DeliveredDate"] and s["DeliveredDate"] <= AS_OF else None}
        for s in shipments
        if s["ShipDate"] <= AS_OF
    ]
    backfill = sales_analytics.build(_sales_inputs(spark, past_assignments, placed, past_shipments), as_of=AS_OF)
    for name in ("sales_summary", "order_status"):
        assert _sorted(built[name]) == _sorted(backfill[name]), name


# -- Missing optional columns; scores within their declared ranges ---------------------------------------

ADDRESSES = ("sam@us.example", "lee@us.example", "ceo@c1.example", "CEO@c1.example ", "cfo@c1.example", "", "  ")
MESH_CONTACTS = [
    {"ContactId": "E1", "Email": "sam@us.example", "Title": "Director", "ContactType": "Employee"},
    {"ContactId": "E2", "Email": "lee@us.example", "Title": "Vice President", "ContactType": "Employee"},
    {"ContactId": "K1", "CustomerId": "C1", "Email": "ceo@c1.example", "Title": "CEO", "ContactType": "Contact"},
    {"ContactId": "K2", "CustomerId": "C1", "Email": " CEO@c1.example", "Title": "CEO", "ContactType": "Contact"},
    {"ContactId": "K3", "CustomerId": "C2", "Email": "cfo@c1.example", "Title": "CFO", "ContactType": "Contact"},
    {"ContactId": "K4", "CustomerId": "C2", "Email": " ", "Title": "CIO", "ContactType": "Contact"},
]
OPTIONAL_EVENT_COLUMNS = ("IsCancelled", "IsOnlineMeeting", "OnlineMeetingProvider", "Location")


def _mail(address):
    return {"EmailAddress": {"Name": "x", "Address": address}}


@st.composite
def mesh_cases(draw):
    address = st.sampled_from(ADDRESSES)
    messages = [
        {
            "Id": f"E-{n}",
            "Subject": draw(st.sampled_from(("Proposal", "RE: Proposal", None))),
            "SentDateTime": datetime.combine(draw(days), datetime.min.time()),
            "Sender": _mail(draw(address)),
            "ToRecipients": [_mail(a) for a in draw(st.lists(address, min_size=1, max_size=3))],
            "CcRecipients": [_mail(a) for a in draw(st.lists(address, max_size=2))],
        }
        for n in range(draw(st.integers(min_value=1, max_value=6)))
    ]
    events = []
    for n in range(draw(st.integers(min_value=1, max_value=5))):
        start = datetime.combine(draw(days), datetime.min.time()) + timedelta(hours=10)
        events.append(
            {
                "Id": f"M-{n}",
                "Subject": "Review",
                "Start": {"DateTime": start.isoformat(), "TimeZone": "UTC"},
                "End": {
                    "DateTime": (start + timedelta(minutes=draw(st.sampled_from((-30, 0, 30, 90))))).isoformat(),
                    "TimeZone": "UTC",
                },
                "Organizer": _mail(draw(address)),
                "Attendees": [_mail(a) for a in draw(st.lists(address, min_size=1, max_size=3))],
                "IsCancelled": draw(st.sampled_from((True, False, None))),
                "IsOnlineMeeting": draw(st.sampled_from((True, False, None))),
                "OnlineMeetingProvider": draw(st.sampled_from(("teamsForBusiness", "unknown", None))),
                "Location": {"DisplayName": draw(st.sampled_from(("Meeting Room 3", "Zoom call", "")))},
            }
        )
    # A contact in To and in Cc of one message, in every example: one e-mail, counted once.
    messages.append(
        {
            "Id": "twice",
            "Subject": "Proposal",
            "SentDateTime": datetime.combine(AS_OF, datetime.min.time()),
            "Sender": _mail("sam@us.example"),
            "ToRecipients": [_mail("cfo@c1.example")],
            "CcRecipients": [_mail("cfo@c1.example")],
        }
    )
    dropped = draw(st.sets(st.sampled_from(OPTIONAL_EVENT_COLUMNS), min_size=1))
    return messages, events, tuple(sorted(dropped))


@FEW
@given(case=mesh_cases())
def test_relationship_mesh_works_without_optional_columns_counts_once_and_keeps_scores_in_range(spark, case):
    messages, events, dropped = case
    customers = [
        {"CustomerId": "C1", "Name": "One", "Tier": "Tier 1", "PrimaryContactId": "E1"},
        {"CustomerId": "C2", "Name": "Two", "Tier": "Tier 2", "PrimaryContactId": "E2"},
    ]
    inputs = {
        "customers": frame(spark, "enriched/crm/customers", customers),
        "contacts": frame(spark, "enriched/crm/contacts", MESH_CONTACTS),
        "messages": frame(spark, "enriched/m365/messages", messages),
        "events": frame(spark, "enriched/m365/events", events, drop=dropped),
    }
    built = relationship_mesh.build(inputs, as_of=AS_OF)
    built.pop("calendardata")
    built = _published("relationship-mesh", built)
    counted = built["interactions"].collect()
    assert all(row["InteractionDate"] <= AS_OF for row in counted)
    # A blank address is nobody's; an address two contacts share counts for the lowest id.
    assert not {row["ContactId"] for row in counted} & {"K2", "K4"}
    twice = [row for row in counted if row["SourceId"] == "twice"]
    assert [(row["SellerId"], row["ContactId"]) for row in twice] == [("E1", "K3")]


@FEW
@given(answers=st.lists(st.one_of(st.none(), st.integers(min_value=-3, max_value=12)), min_size=1, max_size=8))
def test_customer_service_satisfaction_stays_within_its_declared_range(spark, answers):
    # An answer outside 1-5 in every example (an app that sent 0-10).
    answers = [*answers, 9]
    opened = datetime(2026, 6, 1, 9)
    cases = [
        {
            "id": str(n),
            "customerId": "C1",
            "orderId": "O1",
            "openedAt": opened,
            "closedAt": opened + timedelta(hours=2),
            "status": "Closed",
            "csat": answer,
        }
        for n, answer in enumerate(answers)
    ]
    inputs = {
        "interactions": frame(spark, "enriched/data/customer_service/interactions", cases),
        "sales_headers": frame(
            spark,
            "enriched/erp/sales_headers",
            [{"OrderId": "O1", "CustomerId": "C1", "OrderDate": date(2026, 5, 1), "Status": "Invoiced"}],
        ),
        "sales_lines": frame(spark, "enriched/erp/sales_lines", [{"OrderId": "O1", "LineNo": 1, "Amount": 10.0}]),
    }
    built = _published("customer-service", customer_service.build(inputs, as_of=AS_OF))
    valid = [a for a in answers if a is not None and 1 <= a <= 5]
    (row,) = built["service_to_revenue"].collect()
    assert row["CsatScore"] == (round(sum(valid) / len(valid) * 20, 2) if valid else None)
