"""The sample data as each source system holds it: what the ingestion sets copy, and what the local
flow's source emulators serve.

:func:`render` turns the generator's business truth (:mod:`cloudscale.dataproducts.sample_data`, in the
conformed tables' shapes) into the source contracts' tables
(:mod:`cloudscale.dataproducts.contracts.sources`):

* Dataverse rows with GUIDs, lower-case logical names, Choice codes whose labels are ``stringmap`` rows
  (in the organisation's language, 1033, and a second one a multilingual organisation has), lookups as the
  related row's GUID, and ``modifiedon``;
* the ERP's tables with integer keys, code tables for order states and product categories, the CRM
  account number on its customers, money as decimals and ``ModifiedDate``;
* the property system's CSV extracts as text, each file dropped at a known time;
* Graph Data Connect messages and events, and the Cosmos DB documents, as they are.

The conforming steps turn these back into the business truth exactly; the round trip is tested.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from cloudscale.dataproducts import sample_data as truth
from cloudscale.dataproducts.contracts import sources
from cloudscale.dataproducts.contracts.integration import ERP_ONLY_PREFIX
from cloudscale.dataproducts.sample_data import SampleData, record_id

Row = dict[str, Any]

BASE_LANGUAGE = 1033
"""The organisation's base language (English): the labels conformed tables carry."""
OTHER_LANGUAGE = 1031

# The organisation's Choice columns: (table, column) -> labels by value. Standard Dataverse values for
# address types (customeraddress.md: 1 Bill To, 2 Ship To, 3 Primary, 4 Other); the account's size and
# classification Choices are customised to the sales organisation's segments and tiers, its industry
# Choice to the industries it sells to.
CHOICES: dict[tuple[str, str], dict[int, str]] = {
    ("account", "customersizecode"): dict(enumerate(truth.SEGMENTS, start=1)),
    ("account", "accountclassificationcode"): dict(enumerate(truth.TIERS, start=1)),
    ("account", "industrycode"): {100000000 + i: label for i, label in enumerate(truth.INDUSTRIES)},
    ("customeraddress", "addresstypecode"): {1: "Bill To", 2: "Ship To", 3: "Primary", 4: "Other"},
}
_TRANSLATED = {"Bill To": "Rechnungsadresse", "Ship To": "Lieferadresse", "Primary": "Hauptadresse"}
ORDER_STATUS_IDS = {name: number for number, name in enumerate(truth.ORDER_STATUSES, start=1)}
EXTRACT_FILES = {
    truth.RESIDENTS: "residents",
    truth.LEASES: "leases",
    truth.WORK_ORDERS: "workorders",
    truth.SURVEYS: "surveys",
}


@dataclass(frozen=True)
class DroppedFile:
    """One CSV extract as the property system drops it: its name, when, and its text."""

    extract: str
    name: str
    dropped_at: datetime
    text: str


@dataclass
class SourceData:
    """Rows per source table id, and the CSV files of the drop."""

    tables: dict[str, list[Row]]
    files: list[DroppedFile] = field(default_factory=list)
    as_of: date = truth.DEFAULT_AS_OF


def _code(table: str, column: str, label: str | None) -> int | None:
    if label is None:
        return None
    return next(value for value, text in CHOICES[(table, column)].items() if text == label)


def _moment(key: str, low: datetime, high: datetime) -> datetime:
    """A stable time between ``low`` and ``high`` for a record (no randomness: the same key, the same time)."""
    span = max(1, int((high - low).total_seconds() // 60))
    offset = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % span
    return low + timedelta(minutes=offset)


def _at(day: date | datetime, hour: int = 9) -> datetime:
    return day if isinstance(day, datetime) else datetime.combine(day, time(hour))


def _decimal(amount: float) -> Decimal:
    """An amount as the ERP's money columns hold it: a decimal with four places."""
    return Decimal(str(amount)).quantize(Decimal("0.0001"))


class _Renderer:
    def __init__(self, data: SampleData) -> None:
        self.data = data
        self.as_of = data.facts.as_of
        self.end_of_day = datetime.combine(self.as_of, time(18))
        self.tables: dict[str, list[Row]] = {}

    def changed(self, key: str, created: datetime | date) -> datetime:
        return _moment(key, _at(created), max(_at(created) + timedelta(minutes=1), self.end_of_day))

    def rows(self, table: str) -> list[Row]:
        return self.data.tables[table]

    # -- Dataverse
    def dataverse(self) -> None:
        sellers = [c for c in self.rows(truth.CONTACTS) if c["ContactType"] == "Employee"]
        account_of = {c["CustomerId"]: c["CrmAccountId"] for c in self.rows(truth.CUSTOMERS)}
        user_of = {s["ContactId"]: record_id("systemuser", s["ContactId"]) for s in sellers}
        created = {c["CustomerId"]: c["CreatedDate"] for c in self.rows(truth.CUSTOMERS)}
        self._accounts(user_of)
        self._contacts(account_of, created)
        self._system_users(sellers, user_of)
        self._customer_addresses(account_of, created)
        self._territories(account_of)
        self._activities(account_of)
        self._stringmap()

    def _accounts(self, user_of: dict[str, str]) -> None:
        self.tables["dataverse/account"] = [
            {
                "accountid": c["CrmAccountId"],
                "accountnumber": c["CustomerId"],
                "name": c["Name"],
                "websiteurl": c["Website"],
                "industrycode": _code("account", "industrycode", c["Industry"]),
                "customersizecode": _code("account", "customersizecode", c["Segment"]),
                "accountclassificationcode": _code("account", "accountclassificationcode", c["Tier"]),
                "ownerid": user_of.get(c["PrimaryContactId"]),
                "statecode": 0 if c["IsActive"] else 1,
                "createdon": c["CreatedDate"],
                "modifiedon": c["ModifiedOn"],
            }
            for c in self.rows(truth.CUSTOMERS)
        ]

    def _contacts(self, account_of: dict[str, str], created: dict[str, datetime]) -> None:
        self.tables["dataverse/contact"] = [
            {
                "contactid": c["ContactId"],
                "parentcustomerid": account_of.get(c["CustomerId"]),
                "firstname": c["FirstName"],
                "lastname": c["LastName"],
                "fullname": c["Name"],
                "emailaddress1": c["Email"],
                "telephone1": c["Phone"],
                "jobtitle": c["Title"],
                "statecode": 0 if c["IsActive"] else 1,
                "createdon": created[c["CustomerId"]],
                "modifiedon": self.changed(c["ContactId"], created[c["CustomerId"]]),
            }
            for c in self.rows(truth.CONTACTS)
            if c["ContactType"] == "Contact"
        ]

    def _system_users(self, sellers: list[Row], user_of: dict[str, str]) -> None:
        hired = self.end_of_day - timedelta(days=8 * 365)
        self.tables["dataverse/systemuser"] = [
            {
                "systemuserid": user_of[s["ContactId"]],
                "employeeid": s["ContactId"],
                "firstname": s["FirstName"],
                "lastname": s["LastName"],
                "fullname": s["Name"],
                "internalemailaddress": s["Email"],
                "mobilephone": s["Phone"],
                "title": s["Title"],
                "isdisabled": not s["IsActive"],
                "createdon": hired,
                "modifiedon": self.changed(s["ContactId"], hired),
            }
            for s in sellers
        ]

    def _customer_addresses(self, account_of: dict[str, str], created: dict[str, datetime]) -> None:
        self.tables["dataverse/customeraddress"] = [
            {
                "customeraddressid": a["AddressId"],
                "parentid": account_of[a["CustomerId"]],
                "objecttypecode": "account",
                "addressnumber": a["AddressNumber"],
                "addresstypecode": _code("customeraddress", "addresstypecode", a["Type"]),
                "line1": a["Line1"],
                "city": a["City"],
                "stateorprovince": a["Region"],
                "postalcode": a["PostalCode"],
                "country": a["Country"],
                "createdon": created[a["CustomerId"]],
                "modifiedon": self.changed(a["AddressId"], created[a["CustomerId"]]),
            }
            for a in self.rows(truth.ADDRESSES)
        ]

    def _territories(self, account_of: dict[str, str]) -> None:
        opened = self.end_of_day - timedelta(days=6 * 365)
        territory_of = {name: record_id("territory", name) for name in truth.TERRITORIES}
        self.tables["dataverse/territory"] = [
            {"territoryid": key, "name": name, "createdon": opened, "modifiedon": opened}
            for name, key in territory_of.items()
        ]
        self.tables["dataverse/cs_territoryassignment"] = [
            {
                "cs_territoryassignmentid": t["AssignmentId"],
                "cs_accountid": account_of[t["CustomerId"]],
                "cs_territoryid": territory_of[t["Territory"]],
                "cs_validfrom": _at(t["ValidFrom"], 0),
                "cs_validto": _at(t["ValidTo"], 0) if t["ValidTo"] else None,
                "createdon": _at(t["ValidFrom"], 0),
                # An assignment changes when it is closed.
                "modifiedon": _at(t["ValidTo"], 8) if t["ValidTo"] else _at(t["ValidFrom"], 8),
            }
            for t in self.rows(truth.TERRITORY_ASSIGNMENTS)
        ]

    def _activities(self, account_of: dict[str, str]) -> None:
        self.tables["dataverse/activitypointer"] = [
            {
                "activityid": a["ActivityId"],
                "activitytypecode": a["ActivityType"],
                # An activity is about a contact, or about the account itself.
                "regardingobjectid": a["ContactId"] or account_of[a["CustomerId"]],
                "subject": a["Subject"],
                "actualend": _at(a["ActivityDate"], 11),
                "statecode": 1,
                "createdon": _at(a["ActivityDate"], 10),
                "modifiedon": _at(a["ActivityDate"], 12),
            }
            for a in self.rows(truth.ACTIVITIES)
        ]

    def _stringmap(self) -> None:
        self.tables["dataverse/stringmap"] = [
            {
                "stringmapid": record_id("stringmap", f"{table}.{column}.{value}.{language}"),
                "objecttypecode": table,
                "attributename": column,
                "attributevalue": value,
                "value": label if language == BASE_LANGUAGE else _TRANSLATED.get(label, label),
                "langid": language,
                "displayorder": order,
            }
            for (table, column), labels in CHOICES.items()
            for order, (value, label) in enumerate(labels.items(), start=1)
            for language in (BASE_LANGUAGE, OTHER_LANGUAGE)
        ]

    # -- ERP
    def erp(self) -> None:
        opened = self.end_of_day - timedelta(days=10 * 365)
        customer_number = self._erp_customers(opened)
        self.tables["erp/Sales.OrderStatus"] = [
            {"StatusID": number, "Name": name, "ModifiedDate": opened} for name, number in ORDER_STATUS_IDS.items()
        ]
        product_number = self._products(opened)
        order_number = self._order_headers(customer_number)
        self._order_details(order_number, product_number)
        self._shipments(order_number)
        self._payments(order_number)

    def _erp_customers(self, opened: datetime) -> dict[str, int]:
        """Writes the ERP's customers; returns each one's ERP number by its customer key."""
        erp_customers = self.rows(truth.ERP_CUSTOMERS)
        # A customer the ERP holds without an account number has none, or a blank one typed into the form.
        self.tables["erp/Sales.Customer"] = [
            {
                "CustomerID": int(c["ErpCustomerId"]),
                "AccountNumber": (" " * (number % 2) or None)
                if c["CustomerId"].startswith(ERP_ONLY_PREFIX)
                else c["CustomerId"],
                "CustomerName": c["Name"],
                "ModifiedDate": self.changed(f"erp-customer-{c['ErpCustomerId']}", opened),
            }
            for number, c in enumerate(erp_customers)
        ]
        return {c["CustomerId"]: int(c["ErpCustomerId"]) for c in erp_customers}

    def _products(self, opened: datetime) -> dict[str, int]:
        """Writes the categories and products the order lines name; returns each product's ERP number."""
        products = sorted({(line["ProductId"], line["ProductCategory"]) for line in self.rows(truth.SALES_LINES)})
        categories = sorted({category for _, category in products})
        category_number = {name: number for number, name in enumerate(categories, start=1)}
        product_number = {product: number for number, (product, _) in enumerate(products, start=1)}
        self.tables["erp/Production.ProductCategory"] = [
            {"ProductCategoryID": number, "Name": name, "ModifiedDate": opened}
            for name, number in category_number.items()
        ]
        self.tables["erp/Production.Product"] = [
            {
                "ProductID": product_number[product],
                "ProductNumber": product,
                "Name": f"{category} item {product}",
                "ProductCategoryID": category_number[category],
                "ModifiedDate": opened,
            }
            for product, category in products
        ]
        return product_number

    def _order_headers(self, customer_number: dict[str, int]) -> dict[str, int]:
        """Writes the orders; returns each one's ERP number by its order number."""
        headers = self.rows(truth.SALES_HEADERS)
        order_number = {h["OrderId"]: number for number, h in enumerate(headers, start=1)}
        # An order changes when it is invoiced or cancelled, some days after it was placed.
        self.tables["erp/Sales.SalesOrderHeader"] = [
            {
                "SalesOrderID": order_number[h["OrderId"]],
                "SalesOrderNumber": h["OrderId"],
                "CustomerID": customer_number[h["CustomerId"]],
                "OrderDate": _at(h["OrderDate"], 9),
                "StatusID": ORDER_STATUS_IDS[h["Status"]],
                "SubTotal": _decimal(h["Total"]),
                "TotalDue": _decimal(h["Total"]),
                "ModifiedDate": self.changed(h["OrderId"], _at(h["OrderDate"], 9)),
            }
            for h in headers
        ]
        return order_number

    def _order_details(self, order_number: dict[str, int], product_number: dict[str, int]) -> None:
        placed = {h["OrderId"]: _at(h["OrderDate"], 9) for h in self.rows(truth.SALES_HEADERS)}
        self.tables["erp/Sales.SalesOrderDetail"] = [
            {
                "SalesOrderDetailID": number,
                "SalesOrderID": order_number[line["OrderId"]],
                "LineNumber": line["LineNo"],
                "ProductID": product_number[line["ProductId"]],
                "OrderQty": line["Qty"],
                "UnitPrice": _decimal(line["UnitPrice"]),
                "LineTotal": _decimal(line["Amount"]),
                "ModifiedDate": placed[line["OrderId"]],
            }
            for number, line in enumerate(self.rows(truth.SALES_LINES), start=1)
        ]

    def _shipments(self, order_number: dict[str, int]) -> None:
        self.tables["erp/Sales.Shipment"] = [
            {
                "ShipmentID": int(s["ShipmentId"]),
                "SalesOrderID": order_number[s["OrderId"]],
                "ShipDate": _at(s["ShipDate"], 7),
                "DeliveredDate": _at(s["DeliveredDate"], 15) if s["DeliveredDate"] else None,
                "Carrier": s["Carrier"],
                "ModifiedDate": min(_at(s["DeliveredDate"] or s["ShipDate"], 16), self.end_of_day),
            }
            for s in self.rows(truth.SHIPMENTS)
        ]

    def _payments(self, order_number: dict[str, int]) -> None:
        self.tables["erp/Sales.Payment"] = [
            {
                "PaymentID": int(p["PaymentId"]),
                "SalesOrderID": order_number[p["OrderId"]],
                "PaymentDate": _at(p["PaymentDate"], 12),
                "Method": p["Method"],
                "Amount": _decimal(p["Amount"]),
                "ModifiedDate": min(_at(p["PaymentDate"], 12), self.end_of_day),
            }
            for p in self.rows(truth.PAYMENTS)
        ]

    # -- Leasing: each extract one CSV file, dropped in the evening of the data set's day
    def leasing(self) -> list[DroppedFile]:
        dropped = datetime.combine(self.as_of, time(22))
        files = []
        for table, extract in EXTRACT_FILES.items():
            source = f"external/data/leasing/{extract}"
            rows = [{name: csv_text(value) for name, value in row.items()} for row in self.rows(table)]
            self.tables[source] = rows
            files.append(DroppedFile(extract, f"{extract}_{self.as_of:%Y%m%d}.csv", dropped, to_csv(rows)))
        return files

    def render(self) -> SourceData:
        self.dataverse()
        self.erp()
        files = self.leasing()
        self.tables[sources.MGDC_MESSAGES.id] = list(self.rows(truth.MESSAGES))
        self.tables[sources.MGDC_EVENTS.id] = list(self.rows(truth.EVENTS))
        self.tables["cosmos/interactions"] = [
            {k: v for k, v in row.items() if k != "_snapshot_time"} for row in self.rows(truth.INTERACTIONS)
        ]
        return SourceData(self.tables, files, self.as_of)


def render(data: SampleData) -> SourceData:
    """Every source table of the sample data, as its system holds it."""
    return _Renderer(data).render()


def csv_text(value: Any) -> str:
    """A value as a CSV extract writes it: ISO dates and times, plain numbers, empty for nothing."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def to_csv(rows: list[Row]) -> str:
    import csv  # the standard library's writer quotes what needs quoting and escapes quotes by doubling

    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()


def modified_range(sources: SourceData) -> tuple[datetime, datetime]:
    """The earliest and latest change in the sources: what a first window must span to load them all."""
    from cloudscale.dataproducts.contracts.catalog import source_tables

    moments = [
        row[table.watermark]
        for table in source_tables()
        if table.watermark
        for row in sources.tables.get(table.id, [])
        if isinstance(row.get(table.watermark), datetime)
    ]
    moments += [f.dropped_at for f in sources.files]
    return min(moments), max(moments)


def raw_window_folder(window_end: datetime) -> str:
    """The folder of one ingestion window, as the ingestion sets name it from the window's end."""
    return window_end.strftime("%Y/%m/%d/%H%M")


def write_raw_layout(data: SampleData, root: str | Path, window_end: datetime | None = None) -> list[Path]:
    """The raw lake as one ingestion window would land the sample sources:
    ``root/<integration>/<table>/<yyyy>/<MM>/<dd>/<HHmm>/part-00000.parquet``, typed by the raw contracts."""
    from cloudscale.dataproducts.contracts import arrow
    from cloudscale.dataproducts.contracts.integration import INGESTED

    sources = render(data)
    end = window_end or datetime.combine(data.facts.as_of + timedelta(days=1), time(0))
    written = []
    for source, raw in INGESTED:
        rows = sources.tables.get(source.id, [])
        folder = Path(root, raw.container, raw.path, raw_window_folder(end))
        folder.mkdir(parents=True, exist_ok=True)
        written.append(arrow.write_landing(raw, rows, folder, "part-00000"))
    return written
