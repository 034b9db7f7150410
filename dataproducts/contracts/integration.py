"""Data integration: each source's raw landing and its conformed tables.

Ingestion copies a source's tables unchanged into the raw lake, one folder per window
(``raw/<integration>/<table>/<yyyy>/<MM>/<dd>/<HHmm>/``), so raw always says what the source said. A
conforming step per source then builds the enriched tables the data products read: business names, types,
Choice labels instead of codes, keys the sources share (the CRM account number), and for each key the
latest version across every window up to the run's window, as Delta in the enriched lake.
"""

from __future__ import annotations

from cloudscale.dataproducts.contracts.model import Column, Read, SetContract, Table, columns
from cloudscale.dataproducts.contracts.sources import (
    COSMOS_INTERACTIONS,
    DATAVERSE_TABLES,
    ERP_TABLES,
    LEASING_TABLES,
    MGDC_TABLES,
)

SHARED_CONTAINER = "data"
"""The container every lake has beside the teams' ones, for flows that belong to no integration."""
ERP_ONLY_PREFIX = "ERP-"
"""How the conformed tables key a customer the ERP holds without a CRM account number: ``ERP-<its id>``."""
WINDOW_COLUMN = "_window"
"""Not a column of any table: what the conforming steps call the window folder a raw row came from."""


def raw_folder(source: Table) -> str:
    """The raw folder of a source table: its own name (``account``, ``Sales.SalesOrderHeader``)."""
    name = source.path
    return name.rsplit("/", 1)[-1]


def landed(source: Table, integration: str, fmt: str = "parquet", folder: str = "") -> Table:
    """The raw table an ingestion copy writes for ``source``: its columns, one folder per window.

    Text formats carry no types: a JSON landing keeps timestamps as the ISO strings the source sent.
    """
    kept = tuple(
        Column(c.name, "string" if fmt == "json" and c.type == "timestamp" else c.type, c.nullable, c.description)
        for c in source.columns
    )
    return Table(
        f"raw/{integration}/{folder or raw_folder(source)}",
        kept,
        key=source.key,
        format=fmt,
        layout="windows",
        description=f"{source.id} as copied, one folder per ingestion window",
        watermark=source.watermark,
    )


CRM_RAW = tuple(landed(t, "crm") for t in DATAVERSE_TABLES)
ERP_RAW = tuple(landed(t, "erp") for t in ERP_TABLES)
LEASING_RAW = tuple(landed(t, "leasing") for t in LEASING_TABLES)
M365_RAW = tuple(
    landed(t, "m365", "json", folder) for t, folder in zip(MGDC_TABLES, ("messages", "events"), strict=True)
)


RAW_TABLES: dict[str, Table] = {t.id: t for t in (*CRM_RAW, *ERP_RAW, *LEASING_RAW, *M365_RAW)}
INGESTED: tuple[tuple[Table, Table], ...] = tuple(
    zip(
        (*DATAVERSE_TABLES, *ERP_TABLES, *LEASING_TABLES, *MGDC_TABLES),
        (*CRM_RAW, *ERP_RAW, *LEASING_RAW, *M365_RAW),
        strict=True,
    )
)
"""Each source table and the raw table its ingestion lands it as."""


# -- Enriched (conformed) tables ----------------------------------------------------------------------

CUSTOMERS = Table(
    "enriched/crm/customers",
    columns(
        """CustomerId string not null, CrmAccountId string not null, Name string, Website string, Segment string,
        Industry string, Tier string, PrimaryContactId string, IsActive boolean, CreatedDate timestamp,
        ModifiedOn timestamp""",
        CustomerId="The CRM account number, which the ERP's customers carry too",
        PrimaryContactId="The employee number of the account's owner, its primary caller",
        Segment="Label of the account's customer-size Choice",
        Tier="Label of the account's classification Choice",
    ),
    key=("CustomerId",),
    description="CRM accounts: one row per account number, the latest version",
)
ADDRESSES = Table(
    "enriched/crm/addresses",
    columns(
        """AddressId string not null, CustomerId string, Type string, AddressNumber int, Line1 string, City string,
        Region string, PostalCode string, Country string""",
        Type="Label of the address-type Choice: Bill To, Ship To, Primary, Other",
    ),
    key=("AddressId",),
)
CONTACTS = Table(
    "enriched/crm/contacts",
    columns(
        """ContactId string not null, CustomerId string, FirstName string, LastName string, Name string,
        Email string, Phone string, Title string, ContactType string not null, IsActive boolean""",
        ContactId="A contact's id, or an employee's employee number",
        ContactType="Contact (a customer's person) or Employee (a user of the CRM: sellers)",
    ),
    key=("ContactId",),
    description="Customers' contacts and the organisation's own employees, as the relationship mesh needs both",
)
TERRITORY_ASSIGNMENTS = Table(
    "enriched/crm/territory_assignments",
    columns(
        """AssignmentId string not null, CustomerId string, Territory string, ValidFrom date, ValidTo date""",
        ValidTo="Exclusive; empty while the assignment holds",
    ),
    key=("AssignmentId",),
)
ACTIVITIES = Table(
    "enriched/crm/activities",
    columns(
        """ActivityId string not null, CustomerId string, ContactId string, ActivityType string, Subject string,
        ActivityDate date"""
    ),
    key=("ActivityId",),
    description="Completed CRM activities (calls, e-mails, appointments, tasks) about an account or its contacts",
)
ERP_CUSTOMERS = Table(
    "enriched/erp/erp_customers",
    columns(
        """ErpCustomerId string not null, CustomerId string not null, Name string""",
        ErpCustomerId="The ERP's own customer id",
        CustomerId="The CRM account number the ERP holds for it, or ERP-<ErpCustomerId> where it holds none",
    ),
    key=("ErpCustomerId",),
    description="The ERP's customers, keyed as the orders refer to them",
)
SALES_HEADERS = Table(
    "enriched/erp/sales_headers",
    columns(
        """OrderId string not null, CustomerId string, OrderDate date, Status string, Total double""",
        OrderId="The ERP's sales order number",
        CustomerId="The ordering customer as enriched/erp/erp_customers keys it: the CRM account number where known",
    ),
    key=("OrderId",),
)
SALES_LINES = Table(
    "enriched/erp/sales_lines",
    columns(
        """OrderId string not null, LineNo int not null, ProductId string, ProductCategory string, Qty int,
        UnitPrice double, Amount double"""
    ),
    key=("OrderId", "LineNo"),
)
SHIPMENTS = Table(
    "enriched/erp/shipments",
    columns("""ShipmentId string not null, OrderId string, ShipDate date, DeliveredDate date, Carrier string"""),
    key=("ShipmentId",),
)
PAYMENTS = Table(
    "enriched/erp/payments",
    columns("""PaymentId string not null, OrderId string, PaymentDate date, Method string, Amount double"""),
    key=("PaymentId",),
)
RESIDENTS = Table(
    "enriched/leasing/residents",
    columns(
        """cid string not null, FirstName string, LastName string, Email string, Telephone string, City string,
        PostCode string, DateOfBirth date, Created_date timestamp not null, Source string"""
    ),
    key=("cid", "Created_date"),
    description="Every resident record of the property system (a resident re-entered keeps both records)",
)
LEASES = Table(
    "enriched/leasing/leases",
    columns(
        """lid string not null, cid string, pid string, uid string, Type string, ApplicationDate date,
        StartDate date, EndDate date, LeaseTerm double, SignedDate date, MoveInDate date, MoveOutDate date,
        MonthlyRent double""",
        MonthlyRent="The rent per month the lease agrees",
    ),
    key=("lid",),
)
WORK_ORDERS = Table(
    "enriched/leasing/work_orders",
    columns(
        """wid string not null, cid string, pid string, uid string, workorder_type string,
        ServiceRequestDate date, ServiceCompleteDate date"""
    ),
    key=("wid",),
)
SURVEYS = Table(
    "enriched/leasing/surveys",
    columns(
        """sid string not null, Email string, pid string, surveytype string, surveydate date, question string,
        answer double"""
    ),
    key=("sid",),
)


def _typed(source: Table, table_id: str) -> Table:
    return Table(table_id, source.columns, key=source.key, description=f"{source.id}, typed")


MESSAGES = _typed(MGDC_TABLES[0], "enriched/m365/messages")
EVENTS = _typed(MGDC_TABLES[1], "enriched/m365/events")
INTERACTIONS = Table(
    "enriched/data/customer_service/interactions",
    (*COSMOS_INTERACTIONS.columns, *columns("_snapshot_time timestamp")),
    key=COSMOS_INTERACTIONS.key,
    description="The customer-service container's analytical store, snapshotted through Synapse Link",
)

# -- The sets -----------------------------------------------------------------------------------------


def _ingestion(name: str, sources: tuple[Table, ...], raw: tuple[Table, ...], what: str) -> SetContract:
    return SetContract(set=name, sources=sources, writes=raw, description=what)


def _reads_all(tables: tuple[Table, ...]) -> tuple[Read, ...]:
    return tuple(Read(t.id, t.column_names) for t in tables)


CRM_INGESTION = _ingestion(
    "crm_ingestion", DATAVERSE_TABLES, CRM_RAW, "Dataverse tables, rows modified in the window, into raw/crm"
)
ERP_INGESTION = _ingestion(
    "erp_ingestion", ERP_TABLES, ERP_RAW, "ERP tables, rows modified in the window, into raw/erp"
)
LEASING_INGESTION = _ingestion(
    "leasing_ingestion", LEASING_TABLES, LEASING_RAW, "CSV extracts dropped in the window, into raw/leasing"
)
M365_INGESTION = _ingestion(
    "m365_ingestion", MGDC_TABLES, M365_RAW, "Graph Data Connect messages and events of the window, into raw/m365"
)

CRM_CONFORM = SetContract(
    set="crm_conform",
    reads=_reads_all(CRM_RAW),
    writes=(CUSTOMERS, ADDRESSES, CONTACTS, TERRITORY_ASSIGNMENTS, ACTIVITIES),
    description="raw/crm to enriched/crm: business names, Choice labels, the account number as the customer key",
)
ERP_CONFORM = SetContract(
    set="erp_conform",
    reads=_reads_all(ERP_RAW),
    writes=(ERP_CUSTOMERS, SALES_HEADERS, SALES_LINES, SHIPMENTS, PAYMENTS),
    description="raw/erp to enriched/erp: order numbers, status names, categories, customers by account number",
)
LEASING_CONFORM = SetContract(
    set="leasing_conform",
    reads=_reads_all(LEASING_RAW),
    writes=(RESIDENTS, LEASES, WORK_ORDERS, SURVEYS),
    description="raw/leasing to enriched/leasing: the extracts' text typed",
)
M365_CONFORM = SetContract(
    set="m365_conform",
    reads=_reads_all(M365_RAW),
    writes=(MESSAGES, EVENTS),
    description="raw/m365 to enriched/m365: typed, one row per message and event",
)
CUSTOMER_SERVICE_LINK = SetContract(
    set="customer_service_link",
    sources=(COSMOS_INTERACTIONS,),
    writes=(INTERACTIONS,),
    description="The customer-service container's analytical store into enriched/data/customer_service",
)

INTEGRATION_SETS: tuple[SetContract, ...] = (
    CRM_INGESTION,
    ERP_INGESTION,
    LEASING_INGESTION,
    M365_INGESTION,
    CRM_CONFORM,
    ERP_CONFORM,
    LEASING_CONFORM,
    M365_CONFORM,
    CUSTOMER_SERVICE_LINK,
)
CONFORMS = {
    "crm_ingestion": "crm_conform",
    "erp_ingestion": "erp_conform",
    "leasing_ingestion": "leasing_conform",
    "m365_ingestion": "m365_conform",
}
"""Each ingestion set and the set that conforms what it lands."""
