"""Small hand-computed cases of the dirty data CRM and ERP systems hold every day, one per defect class and
product, and the computations each seed asks for. Each case states its expected answer in full."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from pyspark.sql import functions as F

from cloudscale.dataproducts import (
    customer_360,
    customer_dimension,
    customer_service,
    relationship_mesh,
    sales_analytics,
)
from cloudscale.dataproducts.contracts import products
from cloudscale.dataproducts.quality import DataQualityError, check_published

from .conftest import frame

AS_OF = date(2026, 6, 30)
CRM = "enriched/crm"
ERP = "enriched/erp"


def _rows(df, *columns):
    return sorted(tuple(row[c] for c in columns) for row in df.collect())


def _findings(outputs):
    return _rows(outputs["quality_findings"], "Rule", "Input", "RecordKey")


def _published_ok(product, outputs):
    tables = products.outputs(products.PRODUCTS[product])
    for name, df in outputs.items():
        check_published(df, tables[name])


# -- Sales analytics ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sales(spark):
    customers = [{"CustomerId": "C1", "Name": "Contoso"}, {"CustomerId": "C2", "Name": "Fabrikam"}]
    assignments = [
        # An old assignment never closed when the next one opened: the newer one wins from its start.
        {"AssignmentId": "A1", "CustomerId": "C1", "Territory": "North", "ValidFrom": date(2020, 1, 1)},
        {"AssignmentId": "A2", "CustomerId": "C1", "Territory": "South", "ValidFrom": date(2026, 1, 1)},
        # Closed after the business date: on the business date it still held.
        {
            "AssignmentId": "A3",
            "CustomerId": "C2",
            "Territory": "East",
            "ValidFrom": date(2020, 1, 1),
            "ValidTo": date(2026, 9, 1),
        },
        {"AssignmentId": "A4", "CustomerId": "C2", "Territory": "West", "ValidFrom": date(2026, 9, 1)},
    ]
    headers = [
        {"OrderId": "O1", "CustomerId": "C1", "OrderDate": date(2025, 6, 1), "Status": "Invoiced"},
        {"OrderId": "O2", "CustomerId": "C1", "OrderDate": date(2026, 3, 1), "Status": "Invoiced"},
        {"OrderId": "O3", "CustomerId": "C2", "OrderDate": date(2026, 6, 1), "Status": "Invoiced"},
        {"OrderId": "O4", "CustomerId": "C2", "OrderDate": date(2026, 6, 20), "Status": "Open"},
        # After the business date: not yet placed.
        {"OrderId": "O5", "CustomerId": "C2", "OrderDate": date(2026, 7, 5), "Status": "Open"},
    ]
    lines = [{"OrderId": o, "LineNo": 1, "Amount": a} for o, a in (("O1", 100.0), ("O2", 50.0), ("O3", 80.0))]
    lines += [{"OrderId": "O4", "LineNo": 1, "Amount": 10.0}, {"OrderId": "O5", "LineNo": 1, "Amount": 999.0}]
    shipments = [
        {"ShipmentId": "S1", "OrderId": "O1", "ShipDate": date(2025, 6, 3), "DeliveredDate": date(2025, 6, 8)},
        {"ShipmentId": "S2", "OrderId": "O2", "ShipDate": date(2026, 3, 2), "DeliveredDate": date(2026, 3, 4)},
        {"ShipmentId": "S3", "OrderId": "O2", "ShipDate": date(2026, 3, 5)},
        # Delivered after the business date: on it, still in transit.
        {"ShipmentId": "S4", "OrderId": "O3", "ShipDate": date(2026, 6, 28), "DeliveredDate": date(2026, 7, 2)},
    ]
    inputs = {
        "customers": frame(spark, f"{CRM}/customers", customers),
        "territory_assignments": frame(spark, f"{CRM}/territory_assignments", assignments),
        "sales_headers": frame(spark, f"{ERP}/sales_headers", headers),
        "sales_lines": frame(spark, f"{ERP}/sales_lines", lines),
        "payments": frame(spark, f"{ERP}/payments", []),
        "shipments": frame(spark, f"{ERP}/shipments", shipments),
    }
    return {name: df.cache() for name, df in sales_analytics.build(inputs, as_of=AS_OF).items()}


def test_overlapping_territories_count_each_order_once_in_the_latest_starting_one(sales):
    assert _rows(sales["sales_summary"], "CustomerId", "Territory", "Month", "Revenue") == [
        ("C1", "North", "2025-06", 100.0),
        ("C1", "South", "2026-03", 50.0),
        ("C2", "East", "2026-06", 90.0),
    ]
    assert _findings(sales) == [("OverlappingTerritoryAssignment", "territory_assignments", "A1")]
    _published_ok("sales-analytics", sales)


def test_delivery_status_and_times_come_from_the_shipping_records_as_of_the_business_date(sales):
    assert _rows(sales["order_status"], "OrderId", "DeliveryStatus", "ShipDate", "DeliveredDate", "DaysToDeliver") == [
        ("O1", "Delivered", date(2025, 6, 3), date(2025, 6, 8), 7),
        ("O2", "Partially delivered", date(2026, 3, 2), None, None),
        ("O3", "In transit", date(2026, 6, 28), None, None),
        ("O4", "Not shipped", None, None, None),
    ]
    c1 = _rows(sales["sales_summary"].where("CustomerId = 'C1'"), "Month", "ShippedOrders", "DeliveredOrders")
    assert c1 == [("2025-06", 1, 1), ("2026-03", 1, 0)]


# -- Customer 360 ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def c360(spark):
    residents = [
        {"cid": "R1", "Email": "ann@x.example", "FirstName": "Ann", "Created_date": datetime(2020, 1, 1)},
        {"cid": "R2", "Email": "   ", "FirstName": "Bo", "Created_date": datetime(2020, 1, 1)},
        {"cid": "R3", "Email": "", "FirstName": "Cy", "Created_date": datetime(2020, 1, 1)},
        {"cid": "R4", "Email": None, "FirstName": "Di", "Created_date": datetime(2020, 1, 1)},
    ]
    # Residents with an e-mail, so that three without one stay under the 5% the product tolerates.
    residents += [
        {"cid": f"F{n:02d}", "Email": f"f{n}@x.example", "Created_date": datetime(2020, 1, 1)} for n in range(60)
    ]
    contacts = [
        {"ContactId": "K1", "Email": " ANN@x.example ", "ContactType": "Contact"},
        {"ContactId": "K2", "Email": "\u00a0", "ContactType": "Contact"},
    ]
    leases = [
        # Ann: 12 months at 1,000 from 2025-08-01, ending 2026-07-31 (within 90 days), 11 months occupied.
        {
            "lid": "L1",
            "cid": "R1",
            "pid": "P1",
            "uid": "U1",
            "Type": "Application",
            "StartDate": date(2025, 8, 1),
            "EndDate": date(2026, 7, 31),
            "LeaseTerm": 12.0,
            "MonthlyRent": 1000.0,
        },
        # Bo: moved out after 6 months at 500.
        {
            "lid": "L2",
            "cid": "R2",
            "pid": "P1",
            "uid": "U2",
            "Type": "Application",
            "StartDate": date(2024, 1, 1),
            "EndDate": date(2025, 1, 1),
            "LeaseTerm": 12.0,
            "MoveOutDate": date(2024, 7, 1),
            "MonthlyRent": 500.0,
        },
        # Starts after the business date: not a tenancy yet.
        {
            "lid": "L3",
            "cid": "R3",
            "pid": "P2",
            "uid": "U3",
            "Type": "Application",
            "StartDate": date(2026, 8, 1),
            "EndDate": date(2027, 8, 1),
            "LeaseTerm": 12.0,
            "MonthlyRent": 700.0,
        },
    ]
    work_orders = [
        {"wid": "W1", "cid": "R1", "pid": "P1", "uid": "U1", "workorder_type": "Air Conditioning"},
        {"wid": "W2", "cid": "R1", "pid": "P1", "uid": "U1", "workorder_type": "Plumbing"},
    ]
    work_orders = [{**w, "ServiceRequestDate": date(2026, 2, 1)} for w in work_orders]
    surveys = [
        {"sid": "S1", "Email": "ann@x.example", "pid": "P1", "answer": 1.0},
        {"sid": "S2", "Email": "Ann@X.example", "pid": "P1", "answer": 2.0},
        # A 0-10 answer in a 0-5 survey: left out.
        {"sid": "S3", "Email": "ann@x.example", "pid": "P1", "answer": 9.0},
    ]
    surveys = [{**s, "surveytype": "Move-in", "question": "Overall", "surveydate": date(2025, 8, 15)} for s in surveys]
    inputs = {
        "residents": frame(spark, "enriched/leasing/residents", residents),
        "contacts": frame(spark, f"{CRM}/contacts", contacts),
        "leases": frame(spark, "enriched/leasing/leases", leases),
        "work_orders": frame(spark, "enriched/leasing/work_orders", work_orders),
        "surveys": frame(spark, "enriched/leasing/surveys", surveys),
    }
    return {name: df.cache() for name, df in customer_360.build_features(inputs, as_of=AS_OF).items()}


def test_blank_emails_never_merge_records_into_one_profile(c360):
    fillers = F.exists("ResidentIds", lambda cid: cid.startswith("F"))
    profiles = _rows(c360["profiles"].where(~fillers), "ResidentIds", "ContactIds")
    assert profiles == sorted(
        [(["R1"], ["K1"]), (["R2"], []), (["R3"], []), (["R4"], []), ([], ["K2"])], key=lambda p: (p[0], p[1])
    )
    assert [r for r in _findings(c360) if r[0] == "NoEmailToMatch"] == [
        ("NoEmailToMatch", "contacts", "K2"),
        ("NoEmailToMatch", "residents", "R2"),
        ("NoEmailToMatch", "residents", "R3"),
        ("NoEmailToMatch", "residents", "R4"),
    ]


def test_profiles_carry_tenancies_work_orders_satisfaction_and_lifetime_value(c360):
    measures = "Tenancies", "CurrentTenancies", "LeasesEndingIn90Days", "WorkOrders", "AirConditioningWorkOrders"
    by_resident = {tuple(r["ResidentIds"]): r for r in c360["profiles"].collect()}
    ann, bo, cy = by_resident[("R1",)], by_resident[("R2",)], by_resident[("R3",)]
    assert [ann[m] for m in measures] == [1, 1, 1, 2, 1]
    assert (ann["CsatScore"], ann["LifetimeValue"]) == (30.0, 11_000.0)
    assert [bo[m] for m in measures] == [1, 0, 0, 0, 0] and bo["LifetimeValue"] == 3000.0
    assert [cy[m] for m in measures] == [0, 0, 0, 0, 0]
    assert ("SurveyAnswerOutOfRange", "surveys", "S3") in _findings(c360)
    _published_ok("customer-360", {k: v for k, v in c360.items() if k != "renewal_features"})


def test_segments_list_the_profiles_a_marketer_can_target(c360):
    ann = c360["profiles"].where(F.array_contains("ResidentIds", "R1")).first()["CustomerId"]
    members = _rows(c360["segments"], "Segment", "CustomerId", "Email")
    assert members == [
        ("HighValueResidents", ann, "ann@x.example"),
        ("LeaseEndingSoon", ann, "ann@x.example"),
        ("LeaseEndingSoonWithAirConditioningIssues", ann, "ann@x.example"),
        ("UnhappyCurrentResidents", ann, "ann@x.example"),
    ]


# -- Customer dimension ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dimension(spark):
    created = datetime(2020, 1, 1)
    customers = [
        {"CustomerId": "C1", "Name": "Contoso Ltd", "Website": "https://contoso.example", "CreatedDate": created},
        {"CustomerId": "C2", "Name": "Blank One", "Website": "  ", "CreatedDate": created},
        {"CustomerId": "C3", "Name": "Blank Two", "Website": "", "CreatedDate": created},
        {"CustomerId": "C4", "Name": "Fabrikam, Inc.", "Website": None, "CreatedDate": created},
        # Created after the business date: not a customer yet.
        {"CustomerId": "C5", "Name": "Later", "Website": None, "CreatedDate": datetime(2026, 8, 1)},
    ]
    addresses = [
        {"AddressId": "B2", "CustomerId": "C1", "Type": "Bill To", "AddressNumber": 2, "City": "Austin"},
        {"AddressId": "B1", "CustomerId": "C1", "Type": "Bill To", "AddressNumber": 1, "City": "Boston"},
        {"AddressId": "S1", "CustomerId": "C1", "Type": "Ship To", "AddressNumber": 0, "City": "Denver"},
    ]
    erp_customers = [
        {"ErpCustomerId": "1", "CustomerId": "C1", "Name": "Contoso Ltd"},
        {"ErpCustomerId": "2", "CustomerId": "ERP-2", "Name": "FABRIKAM INC"},
        {"ErpCustomerId": "3", "CustomerId": "ERP-3", "Name": "Woodgrove"},
    ]
    headers = [
        {"OrderId": "O1", "CustomerId": "C1", "OrderDate": date(2026, 6, 20), "Status": "Invoiced"},
        {"OrderId": "O2", "CustomerId": "C1", "OrderDate": date(2026, 7, 10), "Status": "Invoiced"},
        {"OrderId": "O3", "CustomerId": "ERP-2", "OrderDate": date(2026, 1, 1), "Status": "Invoiced"},
        {"OrderId": "O4", "CustomerId": "ERP-3", "OrderDate": date(2025, 1, 1), "Status": "Invoiced"},
    ]
    lines = [
        {"OrderId": "O1", "LineNo": 1, "ProductCategory": "Software", "Amount": 300.0},
        {"OrderId": "O2", "LineNo": 1, "ProductCategory": "Hardware", "Amount": 5000.0},
        {"OrderId": "O3", "LineNo": 1, "ProductCategory": "Hardware", "Amount": 40.0},
        {"OrderId": "O4", "LineNo": 1, "ProductCategory": "Training", "Amount": 60.0},
    ]
    inputs = {
        "customers": frame(spark, f"{CRM}/customers", customers),
        "addresses": frame(spark, f"{CRM}/addresses", addresses),
        "sales_headers": frame(spark, f"{ERP}/sales_headers", headers),
        "sales_lines": frame(spark, f"{ERP}/sales_lines", lines),
        "erp_customers": frame(spark, f"{ERP}/erp_customers", erp_customers),
    }
    return {name: df.cache() for name, df in customer_dimension.build(inputs, as_of=AS_OF).items()}


def test_blank_websites_never_merge_and_the_billing_address_is_one_chosen_deterministically(dimension):
    rows = _rows(dimension["Customer"], "CustomerId", "SourceCustomerIds", "City")
    assert rows == [
        ("C1", "C1", "Boston"),
        ("C2", "C2", None),
        ("C3", "C3", None),
        ("C4", "C4,ERP-2", None),
        ("ERP-3", "ERP-3", None),
    ]
    assert _findings(dimension) == [
        ("ErpCustomerWithoutCrmAccount", "erp_customers", "3"),
        ("MultipleBillingAddresses", "addresses", "C1"),
    ]
    _published_ok("customer-dimension", dimension)


def test_crm_and_erp_customers_unify_with_value_segment_and_churn_as_of_the_business_date(dimension):
    columns = "CustomerId", "Sources", "ErpCustomerIds", "Orders", "LifetimeValue", "ChurnScore", "ValueSegment"
    assert _rows(dimension["Customer"], *columns) == [
        ("C1", "CRM,ERP", "1", 1, 300.0, 2.74, "High value"),
        ("C2", "CRM", None, 0, 0.0, 100.0, "Prospect"),
        ("C3", "CRM", None, 0, 0.0, 100.0, "Prospect"),
        ("C4", "CRM,ERP", "2", 1, 40.0, 49.32, "Active"),
        ("ERP-3", "ERP", "3", 1, 60.0, 100.0, "Lost"),
    ]


# -- Relationship mesh ----------------------------------------------------------------------------------


def _mail(address):
    return {"EmailAddress": {"Name": address, "Address": address}}


def _event(event_id, organizer, attendees, **online):
    start = datetime(2026, 6, 1, 10)
    return {
        "Id": event_id,
        "Subject": "Review",
        "Start": {"DateTime": start.isoformat(), "TimeZone": "UTC"},
        "End": {"DateTime": start.replace(hour=11).isoformat(), "TimeZone": "UTC"},
        "Organizer": _mail(organizer),
        "Attendees": [{"Type": "required", **_mail(a)} for a in attendees],
        **online,
    }


MESH_CONTACTS = [
    {"ContactId": "E1", "Email": "sam@us.example", "Title": "Director", "ContactType": "Employee"},
    {"ContactId": "E2", "Email": "lee@us.example", "Title": "Vice President", "ContactType": "Employee"},
    {"ContactId": "K1", "CustomerId": "C1", "Email": "ceo@c1.example", "Title": "CEO", "ContactType": "Contact"},
    # The same person entered twice: counted for K2 only.
    {"ContactId": "K3", "CustomerId": "C1", "Email": "cfo@c1.example", "Title": "CFO", "ContactType": "Contact"},
    {"ContactId": "K2", "CustomerId": "C1", "Email": "CFO@c1.example ", "Title": "CFO", "ContactType": "Contact"},
    # Blank addresses match nothing, not even each other.
    {"ContactId": "K4", "CustomerId": "C1", "Email": "  ", "Title": "CIO", "ContactType": "Contact"},
]
MESH_EVENTS = [
    # The customer organised it, the seller attended: counted.
    _event("M1", "ceo@c1.example", ["sam@us.example"], IsOnlineMeeting=False, OnlineMeetingProvider="unknown"),
    # A room named "Meeting Room 3" that the source says is in person.
    {
        **_event("M2", "sam@us.example", ["ceo@c1.example"], IsOnlineMeeting=False),
        "Location": {"DisplayName": "Meeting Room 3"},
    },
    # Online by the source although its location names an office.
    {
        **_event("M3", "lee@us.example", ["cfo@c1.example"], OnlineMeetingProvider="teamsForBusiness"),
        "Location": {"DisplayName": "Customer HQ"},
    },
    # Nothing from the source: the location's keywords decide.
    {**_event("M4", "lee@us.example", ["cfo@c1.example"]), "Location": {"DisplayName": "Zoom call"}},
]
MESH_MESSAGES = [
    # The contact in To and Cc: one e-mail, counted once.
    {
        "Id": "E-1",
        "Subject": "Proposal",
        "SentDateTime": datetime(2026, 6, 2, 9),
        "Sender": _mail("sam@us.example"),
        "ToRecipients": [_mail("ceo@c1.example")],
        "CcRecipients": [_mail("ceo@c1.example"), _mail(" ")],
    },
    {
        "Id": "E-2",
        "Subject": "Blank",
        "SentDateTime": datetime(2026, 6, 3, 9),
        "Sender": _mail("lee@us.example"),
        "ToRecipients": [_mail("")],
    },
]


def _mesh_inputs(spark, drop=()):
    customers = [{"CustomerId": "C1", "Name": "Contoso", "Tier": "Tier 1", "PrimaryContactId": "E1"}]
    return {
        "customers": frame(spark, f"{CRM}/customers", customers),
        "contacts": frame(spark, f"{CRM}/contacts", MESH_CONTACTS),
        "messages": frame(spark, "enriched/m365/messages", MESH_MESSAGES),
        "events": frame(spark, "enriched/m365/events", MESH_EVENTS, drop=drop),
    }


@pytest.fixture(scope="module")
def mesh(spark):
    built = relationship_mesh.build(_mesh_inputs(spark), as_of=AS_OF)
    return {name: df.cache() for name, df in built.items() if name != "calendardata"}


def test_meetings_count_in_both_directions_in_person_or_online_as_the_source_says(mesh):
    rows = _rows(mesh["interactions"], "InteractionType", "SourceId", "SellerId", "ContactId", "LocationFlag")
    assert rows == [
        ("Email", "E-1", "E1", "K1", "NotApplicable"),
        ("Meeting", "M1", "E1", "K1", "InPerson"),
        ("Meeting", "M2", "E1", "K1", "InPerson"),
        ("Meeting", "M3", "E2", "K2", "Remote"),
        ("Meeting", "M4", "E2", "K2", "Remote"),
    ]
    assert _findings(mesh) == [
        ("AmbiguousContactAddress", "contacts", "K3"),
        ("OnlineDetailsMissing", "events", "M4"),
    ]
    _published_ok("relationship-mesh", mesh)


def test_every_sellers_relationship_within_an_account_is_scored(mesh):
    # E1: 30 min x 0.5 (e-mail) + 60 + 60 in person; E2: two remote hours at half weight.
    columns = "SellerId", "AccountId", "PrimaryCaller_Flag", "AdjustedDuration", "ShareOfAccount", "RankInAccount"
    assert _rows(mesh["sellerscores"], *columns) == [
        ("E1", "C1", 1, 135.0, 69.23, 1),
        ("E2", "C1", 0, 60.0, 30.77, 2),
    ]
    contacts = _rows(mesh["contactscores"], "SellerId", "ContactId", "Emails", "InPersonMeetings", "OnlineMeetings")
    assert contacts == [("E1", "K1", 1, 2, 0), ("E2", "K2", 0, 0, 2)]
    assert _rows(mesh["impactscores"], "SellerId", "ImpactScore") == [("E1", 100.0)]


def test_events_without_the_optional_columns_are_still_counted(spark):
    optional = ("IsCancelled", "IsOnlineMeeting", "OnlineMeetingProvider", "Location")
    built = relationship_mesh.build(_mesh_inputs(spark, drop=optional), as_of=AS_OF)
    flags = _rows(built["interactions"].where("InteractionType = 'Meeting'"), "SourceId", "LocationFlag")
    assert flags == [("M1", "InPerson"), ("M2", "InPerson"), ("M3", "InPerson"), ("M4", "InPerson")]


def test_an_event_without_a_required_column_is_refused_naming_input_and_column(spark):
    with pytest.raises(DataQualityError, match=r"events: missing required column\(s\) Organizer; it has "):
        relationship_mesh.build(_mesh_inputs(spark, drop=("Organizer",)), as_of=AS_OF)


# -- Customer service -----------------------------------------------------------------------------------


def test_satisfaction_outside_its_scale_and_closings_after_the_business_date_are_not_counted(spark):
    opened = datetime(2026, 6, 1, 9)
    cases = [
        {"id": "1", "customerId": "C1", "orderId": "O1", "openedAt": opened, "status": "Closed", "csat": 4},
        {"id": "2", "customerId": "C1", "orderId": "O1", "openedAt": opened, "status": "Closed", "csat": 9},
        {"id": "3", "customerId": "C1", "orderId": "O9", "openedAt": opened, "status": "Closed", "csat": 0},
        # Closed the day after the business date: on it, still open and unanswered.
        {"id": "4", "customerId": "C1", "orderId": "O1", "openedAt": opened, "status": "Closed", "csat": 1},
    ]
    closed = {"1": datetime(2026, 6, 2, 9), "2": datetime(2026, 6, 2, 9), "3": datetime(2026, 6, 2, 9)}
    cases = [{**c, "closedAt": closed.get(c["id"], datetime(2026, 7, 1, 9) if c["id"] == "4" else None)} for c in cases]
    inputs = {
        "interactions": frame(spark, "enriched/data/customer_service/interactions", cases),
        "sales_headers": frame(
            spark,
            f"{ERP}/sales_headers",
            [{"OrderId": "O1", "CustomerId": "C1", "OrderDate": date(2026, 5, 1), "Status": "Invoiced"}],
        ),
        "sales_lines": frame(spark, f"{ERP}/sales_lines", [{"OrderId": "O1", "LineNo": 1, "Amount": 10.0}]),
    }
    built = customer_service.build(inputs, as_of=AS_OF)
    assert _rows(built["service_to_revenue"], "CustomerId", "Interactions", "OpenCases", "CsatScore") == [
        ("C1", 4, 1, 80.0)
    ]
    assert _rows(built["service_by_order"], "OrderId", "Interactions", "CsatScore") == [("O1", 3, 80.0)]
    assert _findings(built) == [
        ("CaseOfUnknownOrder", "interactions", "3"),
        ("CsatOutOfRange", "interactions", "2"),
        ("CsatOutOfRange", "interactions", "3"),
    ]
    _published_ok("customer-service", built)


def test_a_score_outside_its_declared_range_is_refused_before_publishing(spark):
    table = products.outputs(products.CUSTOMER_SERVICE)["service_by_order"]
    df = frame(spark, table.id, [{"OrderId": "O1", "CsatScore": 180.0}])
    with pytest.raises(DataQualityError, match=r"column CsatScore is outside its range 0 to 100 in 1 of 1 rows"):
        check_published(df, table)
