"""The data products' contracts: the conformed columns each reads and the tables each publishes.

Published tables live in the product's container of the workspace lake under ``curated/`` (Delta), which
the serving layer's views read; what a product keeps for itself between its steps (the renewal features
the Azure ML job trains on, the model it writes back) lives beside it, outside ``curated/``.
"""

from __future__ import annotations

from cloudscale.dataproducts.contracts import integration as conformed
from cloudscale.dataproducts.contracts.model import Read, SetContract, Table, columns

CURATED = "curated"
SCORE = (0.0, 100.0)
"""The range of every score a product publishes."""
FINDINGS_COLUMNS = (
    "Rule string not null, Input string not null, RecordKey string not null, Detail string, Resolution string"
)
FINDINGS_KEY = ("Rule", "Input", "RecordKey")


def published(
    product: str,
    name: str,
    spec: str,
    key: tuple[str, ...],
    description: str,
    ranges: dict[str, tuple[float, float]] | None = None,
    **kinds: str,
) -> Table:
    return Table(
        f"workspace/{product}/{CURATED}/{name}",
        columns(spec, ranges, **kinds),
        key=key,
        format="delta",
        description=description,
    )


def quality_findings(product: str) -> Table:
    """The findings a product reports without stopping: what it found in its inputs and what it did."""
    return published(
        product,
        "quality_findings",
        FINDINGS_COLUMNS,
        FINDINGS_KEY,
        "Data-quality findings of the run: rule, input, the record's key, what was found and how it was resolved",
        Rule="The rule that found it, such as OverlappingTerritoryAssignment",
        Input="The input table the record belongs to",
        RecordKey="The record's key in that input",
        Resolution="What the product did: which record won, what it left out",
    )


def _read(table: Table, *names: str, optional: tuple[str, ...] = ()) -> Read:
    return Read(table.id, names, optional)


SALES_ANALYTICS = SetContract(
    set="sales_analytics",
    description="Revenue, orders and payments by customer, territory and month; each order's payment state",
    reads=(
        _read(conformed.CUSTOMERS, "CustomerId", "Name", "Segment"),
        _read(conformed.TERRITORY_ASSIGNMENTS, "AssignmentId", "CustomerId", "Territory", "ValidFrom", "ValidTo"),
        _read(conformed.SALES_HEADERS, "OrderId", "CustomerId", "OrderDate", "Status"),
        _read(conformed.SALES_LINES, "OrderId", "LineNo", "Amount"),
        _read(conformed.PAYMENTS, "PaymentId", "OrderId", "PaymentDate", "Amount"),
        _read(conformed.SHIPMENTS, "ShipmentId", "OrderId", "ShipDate", "DeliveredDate"),
    ),
    writes=(
        published(
            "sales-analytics",
            "sales_summary",
            """CustomerId string not null, CustomerName string, Segment string, Territory string,
            Month string not null, Revenue double, Orders bigint, OpenOrders bigint, OpenOrderValue double,
            AmountPaid double, Outstanding double, OrdersAwaitingPayment bigint, ShippedOrders bigint,
            DeliveredOrders bigint, AvgDaysToDeliver double""",
            ("CustomerId", "Territory", "Month"),
            "Per customer, territory (valid on the order date) and month",
            Month="yyyy-MM of the order date",
            Territory="The assignment valid on the order date; where assignments overlap, the latest ValidFrom",
            Revenue="Order lines of orders not cancelled",
            AvgDaysToDeliver="Order date to delivery, over the month's delivered orders",
        ),
        published(
            "sales-analytics",
            "order_status",
            """OrderId string not null, CustomerId string, OrderDate date, Status string, OrderAmount double,
            AmountPaid double, Outstanding double, IsOpen boolean, PaymentStatus string, ShipDate date,
            DeliveredDate date, DeliveryStatus string, DaysToShip int, DaysToDeliver int""",
            ("OrderId",),
            "One row per order with what is paid and outstanding, and where its delivery stands",
            ShipDate="The order's first shipment",
            DeliveredDate="When its last shipment was delivered, once every shipment is",
            DeliveryStatus="Cancelled, Not shipped, In transit, Partially delivered or Delivered, on the business day",
            DaysToShip="Order date to first shipment",
            DaysToDeliver="Order date to delivery of the last shipment",
        ),
        quality_findings("sales-analytics"),
    ),
)

_FEATURES = Table(
    "workspace/customer-360/staging/renewal_features",
    columns(
        """cid string not null, pid string not null, uid string not null, InitialLeaseTerm double,
        num_renewals bigint, avg_renewal_leaseterm double, min_LeaseBeginDate date, max_LeaseEndDate date,
        max_MoveOutDate date, isRenewed string, isMovedOut string, diffMoveOutDays int, isEarlyMoveOut string,
        CustomerId string"""
    ),
    key=("cid", "pid", "uid"),
    format="parquet",
    description="The renewal model's input per tenancy; plain Parquet, which the Azure ML job reads",
    extends=("WO_", "Movein_", "Renewal_"),
)
_MODEL = Table(
    "workspace/customer-360/models/renewal",
    columns("intercept double, threshold double, coefficients map<string,double>"),
    format="json",
    description="model.json, which the Azure ML training job writes and the scoring stage reads",
)
CUSTOMER_360 = SetContract(
    set="customer_360",
    description="Unified profiles, renewal features, the Azure ML training job, renewal predictions",
    reads=(
        _read(conformed.RESIDENTS, "cid", "FirstName", "LastName", "Email", "Created_date", "Telephone", "City"),
        _read(conformed.CONTACTS, "ContactId", "FirstName", "LastName", "Email", "ContactType", "Phone"),
        _read(
            conformed.LEASES,
            "lid",
            "cid",
            "pid",
            "uid",
            "Type",
            "StartDate",
            "EndDate",
            "LeaseTerm",
            "MoveOutDate",
            optional=("MonthlyRent",),
        ),
        _read(conformed.WORK_ORDERS, "wid", "cid", "pid", "uid", "workorder_type", "ServiceRequestDate"),
        _read(conformed.SURVEYS, "sid", "Email", "pid", "surveytype", "surveydate", "question", "answer"),
    ),
    writes=(
        published(
            "customer-360",
            "profiles",
            """CustomerId string not null, NormalisedEmail string, FirstName string, LastName string, Email string,
            Telephone string, City string, CreatedDate timestamp, ResidentIds array<string>,
            ContactIds array<string>, Sources array<string>, Tenancies bigint, CurrentTenancies bigint,
            LeasesEndingIn90Days bigint, WorkOrders bigint, AirConditioningWorkOrders bigint, CsatScore double,
            LifetimeValue double""",
            ("CustomerId",),
            "One profile per person across the property system and the CRM, with its measures",
            {"CsatScore": SCORE},
            Tenancies="Resident x property x unit tenancies begun by the business date",
            CurrentTenancies="Tenancies not moved out by the business date",
            LeasesEndingIn90Days="Current leases whose end falls within 90 days after the business date",
            CsatScore="Average survey answer (0-5) x 20",
            LifetimeValue="Rent earned to the business date: monthly rent x months occupied, over every lease",
        ),
        published(
            "customer-360",
            "segments",
            """Segment string not null, CustomerId string not null, Email string, FirstName string, LastName string,
            Reason string""",
            ("Segment", "CustomerId"),
            "Target lists: one row per segment and member profile, with a reachable e-mail where the profile has one",
        ),
        _FEATURES,
        _MODEL,
        published(
            "customer-360",
            "renewal_predictions",
            "CustomerId string not null, RenewalPrediction string, RenewalPredictionScore double",
            ("CustomerId",),
            "Per customer: whether every current lease is expected to renew, and the lowest score (0-100)",
            {"RenewalPredictionScore": SCORE},
        ),
        quality_findings("customer-360"),
    ),
)

RELATIONSHIP_MESH = SetContract(
    set="relationship_mesh",
    description="Seller-account relationship strength from Microsoft 365 mail and meetings",
    reads=(
        _read(conformed.CUSTOMERS, "CustomerId", "Name", "Tier", "PrimaryContactId"),
        _read(conformed.CONTACTS, "ContactId", "CustomerId", "Email", "Title", "ContactType"),
        _read(
            conformed.MESSAGES,
            "Id",
            "Subject",
            "SentDateTime",
            "Sender",
            "ToRecipients",
            "CcRecipients",
            "BccRecipients",
        ),
        _read(
            conformed.EVENTS,
            "Id",
            "Subject",
            "Start",
            "End",
            "Organizer",
            "Attendees",
            optional=("IsCancelled", "IsOnlineMeeting", "OnlineMeetingProvider", "Location"),
        ),
    ),
    writes=(
        published(
            "relationship-mesh",
            "interactions",
            """AccountId string, SellerId string not null, ContactId string not null, InteractionType string not null,
            SourceId string not null, InteractionDate date, Duration double, NoOfPeople int, LocationFlag string,
            PrimaryCaller_Flag int, TypeFactor double, LocationFactor double, RecencyFactor double,
            WeightedMinutes double""",
            ("InteractionType", "SourceId", "SellerId", "ContactId"),
            "Every counted e-mail and meeting between a seller and a customer's contact, with its weights",
        ),
        published(
            "relationship-mesh",
            "interactionsdata",
            """SellerId string not null, ContactId string not null, AccountId string, InteractionType string not null,
            InteractionDate date not null, TotalMinutes double, WeightedMinutes double, TotalDays double,
            InteractionCount bigint""",
            ("SellerId", "ContactId", "AccountId", "InteractionType", "InteractionDate"),
            "Per seller, contact, account, type and day",
        ),
        published(
            "relationship-mesh",
            "impactscores",
            """SellerId string not null, AccountId string not null, AdjustedDuration double, LastEmailDate date,
            DaysSinceLastEmail int, LastMeetingDate date, DaysSinceLastMeeting int, email_na_flag int,
            meeting_na_flag int, no_interaction_flag int, ImpactScore double""",
            ("SellerId", "AccountId"),
            "The relationship score per primary caller and account, the strongest scoring 100",
            {"ImpactScore": SCORE},
        ),
        published(
            "relationship-mesh",
            "sellerscores",
            """SellerId string not null, AccountId string not null, PrimaryCaller_Flag int, Contacts bigint,
            Emails bigint, Meetings bigint, AdjustedDuration double, LastInteractionDate date,
            ShareOfAccount double, RankInAccount int, RelationshipScore double""",
            ("SellerId", "AccountId"),
            "Every seller's relationship with every account they interact with, the primary caller's and the others'",
            {"ShareOfAccount": SCORE, "RelationshipScore": SCORE},
            ShareOfAccount="The seller's share of the account's weighted minutes, x 100",
            RankInAccount="1 for the account's strongest seller",
            RelationshipScore="Weighted minutes over the strongest seller-account pair's, x 100",
        ),
        published(
            "relationship-mesh",
            "contactscores",
            """SellerId string not null, ContactId string not null, AccountId string, Tier string, Emails bigint,
            Meetings bigint, InPersonMeetings bigint, OnlineMeetings bigint, AdjustedDuration double,
            LastInteractionDate date, DaysSinceLastInteraction int, ContactScore double""",
            ("SellerId", "ContactId"),
            "Per seller and external contact: how often and how they communicate, and the relationship's strength",
            {"ContactScore": SCORE},
            ContactScore="Weighted minutes over the strongest seller-contact pair's, x 100",
        ),
        published(
            "relationship-mesh",
            "prospectingchecklist",
            "AccountId string not null, Name string, Tier string, ChecklistItem string not null, Flag int",
            ("AccountId", "ChecklistItem"),
            "Per account: met with the CEO, CFO and CIO in the last six months",
        ),
        published(
            "relationship-mesh",
            "calendardata",
            """Date date not null, Year int, Month int, Day int, YearMonth int, DateKey int, WeekdayName string,
            WeekdayNumber int, DayOfYear int, MonthName string, IsoWeek int, Quarter int, YearQuarter string,
            Half int, YearHalf string, MonthYear string, IsWeekday boolean, WeekdayOfMonth bigint""",
            ("Date",),
            "The date dimension the relationship report slices by",
        ),
        quality_findings("relationship-mesh"),
    ),
)


def _cdm(
    name: str, spec: str, key: tuple[str, ...], description: str, ranges: dict[str, tuple[float, float]], **kinds: str
) -> Table:
    return Table(
        f"workspace/customer-dimension/cdm/{name}",
        columns(spec, ranges, **kinds),
        key=key,
        format="cdm",
        description=description,
    )


CUSTOMER_DIMENSION = SetContract(
    set="customer_dimension",
    description="The unified customer with churn score and affinities, as a Common Data Model folder",
    reads=(
        _read(conformed.CUSTOMERS, "CustomerId", "Name", "Website", "Segment", "Industry", "CreatedDate"),
        _read(conformed.ADDRESSES, "AddressId", "CustomerId", "Type", "City", "Region", "Country"),
        _read(conformed.SALES_HEADERS, "OrderId", "CustomerId", "OrderDate", "Status"),
        _read(conformed.SALES_LINES, "OrderId", "LineNo", "ProductCategory", "Amount"),
        _read(conformed.ERP_CUSTOMERS, "ErpCustomerId", "CustomerId", "Name"),
    ),
    writes=(
        _cdm(
            "Customer",
            """CustomerId string not null, Name string, Domain string, Segment string, Industry string, City string,
            Region string, Country string, CreatedDate date, SourceCustomerIds string, Orders int,
            LastOrderDate date, ChurnScore double, TopAffinityCategory string, TopAffinityScore double,
            Sources string, ErpCustomerIds string, LifetimeValue double, AverageOrderValue double,
            ValueSegment string""",
            ("CustomerId",),
            "One row per unified customer, across the CRM and the ERP",
            {"ChurnScore": SCORE, "TopAffinityScore": SCORE},
            City="Of the billing address: Bill To first, then the lowest address number, then the address id",
            SourceCustomerIds="Every CRM account number (or ERP-only key) merged into the customer",
            Sources="CRM, ERP or CRM,ERP: the systems that know the customer",
            ErpCustomerIds="The ERP's customer ids matched to the customer",
            LifetimeValue="Revenue of its orders not cancelled, to the business date",
            ValueSegment="Prospect, Lost, At risk, High value or Active",
        ),
        _cdm(
            "CustomerAffinity",
            """CustomerId string not null, Category string not null, Spend double, AffinityScore double,
            AffinityRank int""",
            ("CustomerId", "Category"),
            "Per unified customer and product category: spend, share of spend and rank",
            {"AffinityScore": SCORE},
        ),
        quality_findings("customer-dimension"),
    ),
)

CUSTOMER_SERVICE = SetContract(
    set="customer_service",
    description="Customer-service cases next to the orders and revenue they concern",
    reads=(
        _read(
            conformed.INTERACTIONS,
            "id",
            "customerId",
            "orderId",
            "channel",
            "category",
            "openedAt",
            "closedAt",
            "status",
            "csat",
        ),
        _read(conformed.SALES_HEADERS, "OrderId", "CustomerId", "OrderDate", "Status"),
        _read(conformed.SALES_LINES, "OrderId", "LineNo", "Amount"),
    ),
    writes=(
        published(
            "customer-service",
            "service_by_order",
            """OrderId string not null, CustomerId string, OrderDate date, Status string, Revenue double,
            Interactions bigint, CsatScore double""",
            ("OrderId",),
            "Every order with the service cases about it",
            {"CsatScore": SCORE},
        ),
        published(
            "customer-service",
            "service_to_revenue",
            """CustomerId string not null, Revenue double, Orders bigint, Interactions bigint, OpenCases bigint,
            OrderRelatedInteractions bigint, AvgResolutionHours double, CsatScore double,
            InteractionsPer1000Revenue double""",
            ("CustomerId",),
            "Per customer: service load next to the revenue it supports",
            {"CsatScore": SCORE},
        ),
        quality_findings("customer-service"),
    ),
)

PRODUCT_SETS: tuple[SetContract, ...] = (
    SALES_ANALYTICS,
    CUSTOMER_360,
    RELATIONSHIP_MESH,
    CUSTOMER_DIMENSION,
    CUSTOMER_SERVICE,
)
PRODUCTS: dict[str, SetContract] = {
    "sales-analytics": SALES_ANALYTICS,
    "customer-360": CUSTOMER_360,
    "relationship-mesh": RELATIONSHIP_MESH,
    "customer-dimension": CUSTOMER_DIMENSION,
    "customer-service": CUSTOMER_SERVICE,
}
"""Each data product (its container name, as zones list it in ``dataProducts``) and its set's contract."""


def inputs(contract: SetContract) -> dict[str, str]:
    """A product's inputs by the name its code uses (the table's last path segment)."""
    return {read.table.rsplit("/", 1)[-1]: read.table for read in contract.reads}


def outputs(contract: SetContract) -> dict[str, Table]:
    """A product's published tables by the name its code uses."""
    return {table.path.rsplit("/", 1)[-1]: table for table in contract.writes}
