"""The source systems' tables, shaped as the systems publish them.

These are the external contracts: what the ingestion sets read. Columns keep the source's own names and
types as the service's copy lands them in the lake, so the raw layer holds what the source said and the
conforming steps own every rename.

* **Dataverse** (Dynamics 365 Sales): tables by logical name with lower-case column logical names
  (powerapps-docs ``reference/entities/account.md``, ``contact.md``, ``customeraddress.md``,
  ``systemuser.md``, ``activitypointer.md``, ``stringmap.md``). A Choice (picklist) column arrives as
  its integer value; its labels live in ``stringmap`` (one row per table, column, value and language),
  which the CRM ingestion copies whole each window. Lookups (``parentcustomerid``, ``ownerid``) arrive
  as the related row's GUID. ``cs_territoryassignment`` is the sales team's custom table (publisher
  prefix ``cs``) of account-to-territory assignments with their validity.
* **ERP** (the zone's SQL Database Hyperscale): tables by ``<schema>.<table>`` as the ERP ingestion's
  ``sqlReaderQuery`` selects them, each with the ``ModifiedDate`` the window filters on. Money columns
  are ``money`` (``decimal(19,4)`` once copied); order and shipment states are codes with their
  names in lookup tables.
* **Leasing**: the property-management system's CSV extracts dropped in the external lake; every value
  arrives as text, the header row names the columns.
* **Microsoft Graph Data Connect**: the ``BasicDataSet_v0.Message_v1`` and ``Event_v1`` datasets (Graph
  Data Connect "Datasets, regions, and sinks"), nested as the service writes them, with the columns the
  Microsoft 365 ingestion asks for (no bodies, no attachments).
* **Cosmos DB**: the customer-service application's ``interactions`` documents, as the analytical store
  exposes them (system properties ``_rid``, ``_etag``, ``_ts`` included).
"""

from __future__ import annotations

from cloudscale.dataproducts.contracts.model import Table, columns

# -- Dataverse ----------------------------------------------------------------------------------------

DATAVERSE_WATERMARK = "modifiedon"

DATAVERSE_ACCOUNT = Table(
    "dataverse/account",
    columns(
        """accountid string not null, accountnumber string, name string, websiteurl string, industrycode int,
        customersizecode int, accountclassificationcode int, ownerid string, statecode int,
        createdon timestamp, modifiedon timestamp not null""",
        customersizecode="Choice: the organisation's segments (Enterprise, Mid-market, SMB)",
        accountclassificationcode="Choice: the organisation's account tiers (Tier 1 to Tier 3)",
        ownerid="The owning seller (systemuser); the account's primary caller",
    ),
    key=("accountid",),
    format="dataverse",
    system="Dynamics 365 / Dataverse",
    watermark=DATAVERSE_WATERMARK,
)
DATAVERSE_CONTACT = Table(
    "dataverse/contact",
    columns(
        """contactid string not null, parentcustomerid string, firstname string, lastname string,
        fullname string, emailaddress1 string, telephone1 string, jobtitle string, statecode int,
        createdon timestamp, modifiedon timestamp not null"""
    ),
    key=("contactid",),
    format="dataverse",
    system="Dynamics 365 / Dataverse",
    watermark=DATAVERSE_WATERMARK,
)
DATAVERSE_ADDRESS = Table(
    "dataverse/customeraddress",
    columns(
        """customeraddressid string not null, parentid string, objecttypecode string, addressnumber int,
        addresstypecode int, line1 string, city string, stateorprovince string, postalcode string,
        country string, createdon timestamp, modifiedon timestamp not null""",
        addresstypecode="Choice: Bill To, Ship To, Primary, Other",
    ),
    key=("customeraddressid",),
    format="dataverse",
    system="Dynamics 365 / Dataverse",
    watermark=DATAVERSE_WATERMARK,
)
DATAVERSE_USER = Table(
    "dataverse/systemuser",
    columns(
        """systemuserid string not null, employeeid string, firstname string, lastname string, fullname string,
        internalemailaddress string, mobilephone string, title string, isdisabled boolean, createdon timestamp,
        modifiedon timestamp not null""",
        employeeid="The seller's employee number, the id the sales organisation uses",
    ),
    key=("systemuserid",),
    format="dataverse",
    system="Dynamics 365 / Dataverse",
    watermark=DATAVERSE_WATERMARK,
)
DATAVERSE_TERRITORY = Table(
    "dataverse/territory",
    columns("territoryid string not null, name string, createdon timestamp, modifiedon timestamp not null"),
    key=("territoryid",),
    format="dataverse",
    system="Dynamics 365 / Dataverse",
    watermark=DATAVERSE_WATERMARK,
)
DATAVERSE_TERRITORY_ASSIGNMENT = Table(
    "dataverse/cs_territoryassignment",
    columns(
        """cs_territoryassignmentid string not null, cs_accountid string, cs_territoryid string,
        cs_validfrom timestamp, cs_validto timestamp, createdon timestamp, modifiedon timestamp not null""",
        cs_validto="Exclusive end of the assignment; empty while it holds",
    ),
    key=("cs_territoryassignmentid",),
    format="dataverse",
    description="The sales team's custom table of account-to-territory assignments",
    system="Dynamics 365 / Dataverse",
    watermark=DATAVERSE_WATERMARK,
)
DATAVERSE_ACTIVITY = Table(
    "dataverse/activitypointer",
    columns(
        """activityid string not null, activitytypecode string, regardingobjectid string, subject string,
        actualend timestamp, statecode int, createdon timestamp, modifiedon timestamp not null""",
        activitytypecode="The activity's table: phonecall, email, appointment, task",
        regardingobjectid="The account or contact the activity is about",
    ),
    key=("activityid",),
    format="dataverse",
    system="Dynamics 365 / Dataverse",
    watermark=DATAVERSE_WATERMARK,
)
DATAVERSE_OPTION_LABELS = Table(
    "dataverse/stringmap",
    columns(
        """stringmapid string not null, objecttypecode string, attributename string, attributevalue int,
        value string, langid int, displayorder int"""
    ),
    key=("stringmapid",),
    format="dataverse",
    description="Choice labels per table, column, value and language; copied whole each window",
    system="Dynamics 365 / Dataverse",
)

DATAVERSE_TABLES: tuple[Table, ...] = (
    DATAVERSE_ACCOUNT,
    DATAVERSE_CONTACT,
    DATAVERSE_ADDRESS,
    DATAVERSE_USER,
    DATAVERSE_TERRITORY,
    DATAVERSE_TERRITORY_ASSIGNMENT,
    DATAVERSE_ACTIVITY,
    DATAVERSE_OPTION_LABELS,
)

# -- ERP (SQL Database Hyperscale) --------------------------------------------------------------------

ERP_WATERMARK = "ModifiedDate"

ERP_CUSTOMER = Table(
    "erp/Sales.Customer",
    columns(
        """CustomerID int not null, AccountNumber string, CustomerName string, ModifiedDate timestamp not null""",
        AccountNumber="The CRM account number: the key both systems share",
    ),
    key=("CustomerID",),
    format="sql",
    system="ERP database (SQL Hyperscale)",
    watermark=ERP_WATERMARK,
)
ERP_ORDER_STATUS = Table(
    "erp/Sales.OrderStatus",
    columns("StatusID int not null, Name string, ModifiedDate timestamp not null"),
    key=("StatusID",),
    format="sql",
    system="ERP database (SQL Hyperscale)",
    watermark=ERP_WATERMARK,
)
ERP_ORDER_HEADER = Table(
    "erp/Sales.SalesOrderHeader",
    columns(
        """SalesOrderID int not null, SalesOrderNumber string, CustomerID int, OrderDate timestamp,
        StatusID int, SubTotal decimal(19,4), TotalDue decimal(19,4), ModifiedDate timestamp not null"""
    ),
    key=("SalesOrderID",),
    format="sql",
    system="ERP database (SQL Hyperscale)",
    watermark=ERP_WATERMARK,
)
ERP_ORDER_DETAIL = Table(
    "erp/Sales.SalesOrderDetail",
    columns(
        """SalesOrderDetailID int not null, SalesOrderID int not null, LineNumber int, ProductID int,
        OrderQty int, UnitPrice decimal(19,4), LineTotal decimal(19,4), ModifiedDate timestamp not null"""
    ),
    key=("SalesOrderDetailID",),
    format="sql",
    system="ERP database (SQL Hyperscale)",
    watermark=ERP_WATERMARK,
)
ERP_PRODUCT = Table(
    "erp/Production.Product",
    columns(
        """ProductID int not null, ProductNumber string, Name string, ProductCategoryID int,
        ModifiedDate timestamp not null"""
    ),
    key=("ProductID",),
    format="sql",
    system="ERP database (SQL Hyperscale)",
    watermark=ERP_WATERMARK,
)
ERP_PRODUCT_CATEGORY = Table(
    "erp/Production.ProductCategory",
    columns("ProductCategoryID int not null, Name string, ModifiedDate timestamp not null"),
    key=("ProductCategoryID",),
    format="sql",
    system="ERP database (SQL Hyperscale)",
    watermark=ERP_WATERMARK,
)
ERP_SHIPMENT = Table(
    "erp/Sales.Shipment",
    columns(
        """ShipmentID int not null, SalesOrderID int not null, ShipDate timestamp, DeliveredDate timestamp,
        Carrier string, ModifiedDate timestamp not null""",
        DeliveredDate="Empty until the carrier confirms delivery",
    ),
    key=("ShipmentID",),
    format="sql",
    system="ERP database (SQL Hyperscale)",
    watermark=ERP_WATERMARK,
)
ERP_PAYMENT = Table(
    "erp/Sales.Payment",
    columns(
        """PaymentID int not null, SalesOrderID int not null, PaymentDate timestamp, Method string,
        Amount decimal(19,4), ModifiedDate timestamp not null"""
    ),
    key=("PaymentID",),
    format="sql",
    system="ERP database (SQL Hyperscale)",
    watermark=ERP_WATERMARK,
)

ERP_TABLES: tuple[Table, ...] = (
    ERP_CUSTOMER,
    ERP_ORDER_STATUS,
    ERP_ORDER_HEADER,
    ERP_ORDER_DETAIL,
    ERP_PRODUCT,
    ERP_PRODUCT_CATEGORY,
    ERP_SHIPMENT,
    ERP_PAYMENT,
)

# -- Leasing: CSV extracts in the external drop (data/leasing/<extract>/*.csv) ------------------------


def _text(spec: str) -> str:
    """Every column of a CSV extract arrives as text."""
    return ", ".join(f"{name.strip()} string" for name in spec.split(","))


LEASING_RESIDENTS = Table(
    "external/data/leasing/residents",
    columns(_text("cid, FirstName, LastName, Email, Telephone, City, PostCode, DateOfBirth, Created_date, Source")),
    key=("cid", "Created_date"),
    format="csv",
    system="Property-management system (CSV extracts)",
)
LEASING_LEASES = Table(
    "external/data/leasing/leases",
    columns(
        _text(
            "lid, cid, pid, uid, Type, ApplicationDate, StartDate, EndDate, LeaseTerm, SignedDate, "
            "MoveInDate, MoveOutDate, MonthlyRent"
        )
    ),
    key=("lid",),
    format="csv",
    system="Property-management system (CSV extracts)",
)
LEASING_WORK_ORDERS = Table(
    "external/data/leasing/workorders",
    columns(_text("wid, cid, pid, uid, workorder_type, ServiceRequestDate, ServiceCompleteDate")),
    key=("wid",),
    format="csv",
    system="Property-management system (CSV extracts)",
)
LEASING_SURVEYS = Table(
    "external/data/leasing/surveys",
    columns(_text("sid, Email, pid, surveytype, surveydate, question, answer")),
    key=("sid",),
    format="csv",
    system="Property-management system (CSV extracts)",
)
LEASING_TABLES: tuple[Table, ...] = (LEASING_RESIDENTS, LEASING_LEASES, LEASING_WORK_ORDERS, LEASING_SURVEYS)

# -- Microsoft Graph Data Connect ---------------------------------------------------------------------

_ADDRESS = "struct<EmailAddress:struct<Name:string,Address:string>>"
_MOMENT = "struct<DateTime:string,TimeZone:string>"
_ATTENDEE = (
    "struct<Type:string,Status:struct<Response:string,Time:string>,EmailAddress:struct<Name:string,Address:string>>"
)

_LOCATION = "struct<DisplayName:string>"
_STATUS = "struct<Response:string,Time:string>"

MGDC_MESSAGES = Table(
    "mgdc/BasicDataSet_v0.Message_v1",
    columns(
        f"""Id string not null, ConversationId string, InternetMessageId string, Subject string, Importance string,
        Sender {_ADDRESS}, From {_ADDRESS}, ToRecipients array<{_ADDRESS}>, CcRecipients array<{_ADDRESS}>,
        BccRecipients array<{_ADDRESS}>, ReplyTo array<{_ADDRESS}>, SentDateTime timestamp,
        ReceivedDateTime timestamp, CreatedDateTime timestamp, LastModifiedDateTime timestamp, IsDraft boolean,
        IsRead boolean, HasAttachments boolean, Categories array<string>, ParentFolderId string"""
    ),
    key=("Id",),
    format="mgdc",
    description="Mail messages of the allowed groups' mailboxes, without bodies or attachments",
    system="Microsoft 365 (Graph Data Connect)",
    watermark="SentDateTime",
)
MGDC_EVENTS = Table(
    "mgdc/BasicDataSet_v0.Event_v1",
    columns(
        f"""Id string not null, iCalUId string, Subject string, Start {_MOMENT}, End {_MOMENT},
        OriginalStartTimeZone string, OriginalEndTimeZone string, IsAllDay boolean, IsCancelled boolean,
        IsOrganizer boolean, IsOnlineMeeting boolean, OnlineMeetingProvider string, Location {_LOCATION},
        Locations array<{_LOCATION}>, Organizer {_ADDRESS}, Attendees array<{_ATTENDEE}>, ResponseStatus {_STATUS},
        SeriesMasterId string, Type string, ShowAs string, Importance string, Sensitivity string,
        Categories array<string>, CreatedDateTime timestamp, LastModifiedDateTime timestamp""",
        IsOnlineMeeting="Whether the organiser made it an online meeting (Teams or another provider)",
        OnlineMeetingProvider="teamsForBusiness, skypeForBusiness, skypeForConsumer or unknown",
    ),
    key=("Id",),
    format="mgdc",
    description="Calendar events of the allowed groups' mailboxes, without bodies",
    system="Microsoft 365 (Graph Data Connect)",
    watermark="LastModifiedDateTime",
)
MGDC_TABLES: tuple[Table, ...] = (MGDC_MESSAGES, MGDC_EVENTS)

# -- Cosmos DB: the customer-service application's container, read from the analytical store ---------

COSMOS_INTERACTIONS = Table(
    "cosmos/interactions",
    columns(
        """id string not null, customerId string, orderId string, channel string, category string,
        openedAt timestamp, closedAt timestamp, status string, csat int, _rid string, _etag string, _ts bigint""",
        customerId="The CRM account number of the customer the case is about",
    ),
    key=("id",),
    format="cosmos",
    system="Cosmos DB analytical store (Synapse Link)",
)
