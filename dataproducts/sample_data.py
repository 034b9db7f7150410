"""Deterministic sample data with planted facts: the business truth every source is rendered from.

``generate(size, seed=...)`` returns the rows of each conformed table, keyed by its contract id
(``enriched/crm/customers``, ...; :mod:`cloudscale.dataproducts.contracts.integration`), in exactly the
columns and types the contract declares. :mod:`cloudscale.dataproducts.source_data` renders the same rows
as each source system holds them (Dataverse with its logical names, GUIDs and Choice codes, the ERP's
tables, the property system's CSV text, Graph Data Connect rows, Cosmos DB documents), so the conforming
steps are proven by turning those renderings back into these rows, and ``cloudscale flow run`` plays the
whole chain from them.

The same seed and size always give the same rows. The generator plants facts that the tests, the flow's
serving views and a person exploring a seeded lake can check; :class:`PlantedFacts` documents each one.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

Row = dict[str, Any]

SIZES: dict[str, int] = {"small": 30, "medium": 300}
"""Number of CRM customers per named size; residents are eight times as many."""

DEFAULT_AS_OF = date(2026, 6, 30)
MIN_CUSTOMERS = 12
"""The fewest customers that hold every planted fact, each on a customer of its own."""

CUSTOMERS = "enriched/crm/customers"
ADDRESSES = "enriched/crm/addresses"
CONTACTS = "enriched/crm/contacts"
TERRITORY_ASSIGNMENTS = "enriched/crm/territory_assignments"
ACTIVITIES = "enriched/crm/activities"
ERP_CUSTOMERS = "enriched/erp/erp_customers"
SALES_HEADERS = "enriched/erp/sales_headers"
SALES_LINES = "enriched/erp/sales_lines"
SHIPMENTS = "enriched/erp/shipments"
PAYMENTS = "enriched/erp/payments"
INTERACTIONS = "enriched/data/customer_service/interactions"
MESSAGES = "enriched/m365/messages"
EVENTS = "enriched/m365/events"
RESIDENTS = "enriched/leasing/residents"
LEASES = "enriched/leasing/leases"
WORK_ORDERS = "enriched/leasing/work_orders"
SURVEYS = "enriched/leasing/surveys"
TABLES: tuple[str, ...] = (
    CUSTOMERS,
    ADDRESSES,
    CONTACTS,
    TERRITORY_ASSIGNMENTS,
    ACTIVITIES,
    ERP_CUSTOMERS,
    SALES_HEADERS,
    SALES_LINES,
    SHIPMENTS,
    PAYMENTS,
    INTERACTIONS,
    MESSAGES,
    EVENTS,
    RESIDENTS,
    LEASES,
    WORK_ORDERS,
    SURVEYS,
)

SELLER_TITLES = ("Vice President", "Managing Director", "Director", "Senior Director")
EXTERNAL_TITLES = ("CEO", "CTO", "CIO", "CFO", "VP", "Director", "Enterprise Architect", "Associate")
INDUSTRIES = ("Retail", "Manufacturing", "Finance", "Healthcare", "Energy", "Public Sector")
SEGMENTS = ("Enterprise", "Mid-market", "SMB")
TIERS = ("Tier 1", "Tier 2", "Tier 3")
ADDRESS_TYPES = ("Bill To", "Ship To")
TERRITORIES = ("North", "South", "East", "West")
ORDER_STATUSES = ("Open", "Invoiced", "Cancelled")
CATEGORIES = ("Hardware", "Software", "Services", "Training", "Support")
ACTIVITY_TYPES = ("phonecall", "email", "appointment", "task")
WORK_ORDER_TYPES = ("Air Conditioning", "Dishwasher", "Pest Control", "Stove or Oven", "Washer", "Plumbing")
MOVE_IN_QUESTIONS = ("Overall Satisfaction", "Ease of process", "Staff Communication")
RENEWAL_QUESTIONS = ("Overall Satisfaction", "Management Communication", "Condition of Property")
FIRST_NAMES = ("Ada", "Ben", "Cleo", "Dev", "Eva", "Finn", "Gia", "Hugo", "Ines", "Jon", "Kai", "Lena", "Milo", "Nora")
LAST_NAMES = ("Adler", "Berg", "Costa", "Diaz", "Engel", "Fox", "Gray", "Hale", "Ito", "Jung", "Klein", "Lund", "Moss")
COMPANY_WORDS = ("Contoso", "Fabrikam", "Northwind", "Tailspin", "Litware", "Adventure", "Proseware", "Wingtip")
COMPANY_SUFFIXES = ("Ltd", "Group", "Inc", "Partners", "Systems", "Holdings")
OWN_DOMAIN = "cloudscale-sales.example"
MEETING_LOCATIONS = (
    ("Microsoft Teams Meeting", True),
    ("Customer HQ, Room 4", False),
    ("Zoom call", True),
    ("Our office", False),
    ("Conference bridge", True),
)
"""Where a seller and a customer meet, and whether that is online."""
_IDS = uuid.UUID("5d6c0e1f-7a2b-4c3d-9e8f-0a1b2c3d4e5f")


def record_id(kind: str, key: object) -> str:
    """A stable GUID for a record the source system identifies by GUID (Dataverse rows)."""
    return str(uuid.uuid5(_IDS, f"{kind}:{key}"))


@dataclass(frozen=True)
class PlantedFacts:
    """Facts the generator plants, so tests assert on known outcomes rather than re-deriving them.

    - ``as_of``: the reference date of the data set; nothing in it happens later except
      ``future_event_id``.
    - ``duplicate_person_email``: one person who is both a resident (``leasing/residents``, cid
      ``duplicate_person_resident_id``, typed in mixed case) and a CRM contact
      (``crm/contacts``, ``duplicate_person_contact_id``, with surrounding blanks); Customer 360 must
      merge them into one profile. The resident also appears twice in its own source (an older and a
      newer record): the newer ``duplicate_person_first_name`` wins.
    - ``duplicate_customer_ids``: the same company entered twice in the CRM (survivor first, with the
      earlier creation date), websites differing only in scheme, ``www.`` and case; the customer
      dimension must merge them.
    - ``top_seller_id`` / ``top_account_id``: the strongest seller-account relationship (the seller is
      the account's primary caller, with many recent in-person meetings); its impact score is 100.
    - ``top_account_ceo_contact_id``: the CEO the top seller met in the last six months.
    - ``reply_message_id``: a reply ("RE: ...") from a seller to an external contact; not counted.
    - ``future_event_id``: a meeting after ``as_of`` between a seller and a contact; excluded.
    - ``likely_renewer_resident_id`` / ``likely_leaver_resident_id``: two current residents planted at
      the extremes of the renewal signal (satisfied with no repairs vs unhappy with many repairs).
    - ``reassigned_customer_id``: a customer whose territory changes on ``reassignment_date``; its
      revenue splits between ``old_territory`` and ``new_territory``.
    - ``partially_paid_order_id``: an invoiced order paid in part only.
    - ``cancelled_order_id``: a cancelled order, which counts as no revenue.
    - ``service_heavy_customer_id``: the customer with the most service interactions
      (``service_heavy_interactions`` of them).

    Dirty data that real systems hold, which the products must get right:

    - ``overlap_customer_id``: a customer whose old territory assignment ``overlapped_assignment_id`` was
      never closed when ``overlapping_territory`` began on ``overlap_start``; from then on the newer one
      holds, and each order counts once.
    - ``in_transit_order_id``: an invoiced order shipped but not yet delivered.
    - ``two_billing_customer_id``: a customer with two billing addresses; the lower address number,
      ``billing_city``, is the dimension's.
    - ``blank_email_contact_ids``: two customers' contacts whose e-mail is only whitespace: two profiles.
    - ``no_email_resident_id``: a resident without an e-mail: a profile of its own.
    - ``duplicate_contact_ids``: one person entered twice as a contact of one account (same e-mail); the
      relationship mesh counts the first id only.
    - ``meeting_room_event_id``: an in-person meeting in "Meeting Room 3", not online.
    - ``customer_organised_event_id``: a meeting a customer's contact organised with the seller attending.
    - ``no_online_details_event_id``: a meeting whose source gives no online details ("Zoom call"): the
      location's keywords decide.
    - ``out_of_range_case_id``: a case with a satisfaction answer outside 1-5, left out of the scores.
    - ``erp_name_match``: (ERP customer id, CRM account number) of an ERP customer without an account
      number that the dimension matches to the CRM by name; ``erp_only_customer_id``: one the CRM does not
      know (``ERP-<id>``), a customer of its own.
    """

    as_of: date
    duplicate_person_email: str
    duplicate_person_resident_id: str
    duplicate_person_contact_id: str
    duplicate_person_first_name: str
    duplicate_customer_ids: tuple[str, str]
    top_seller_id: str
    top_account_id: str
    top_account_ceo_contact_id: str
    reply_message_id: str
    future_event_id: str
    likely_renewer_resident_id: str
    likely_leaver_resident_id: str
    reassigned_customer_id: str
    reassignment_date: date
    old_territory: str
    new_territory: str
    partially_paid_order_id: str
    cancelled_order_id: str
    service_heavy_customer_id: str
    service_heavy_interactions: int
    overlap_customer_id: str
    overlapped_assignment_id: str
    overlapping_territory: str
    overlap_start: date
    in_transit_order_id: str
    two_billing_customer_id: str
    billing_city: str
    blank_email_contact_ids: tuple[str, str]
    no_email_resident_id: str
    duplicate_contact_ids: tuple[str, str]
    meeting_room_event_id: str
    customer_organised_event_id: str
    no_online_details_event_id: str
    second_seller: tuple[str, str]
    out_of_range_case_id: str
    erp_name_match: tuple[str, str]
    erp_only_customer_id: str


@dataclass
class SampleData:
    """Rows per conformed table (keyed by its contract id) and the facts planted in them."""

    tables: dict[str, list[Row]]
    facts: PlantedFacts
    seed: int
    size: int = field(default=0)


def resolve_size(size: str | int) -> int:
    if isinstance(size, int):
        if size < MIN_CUSTOMERS:
            raise ValueError(f"size must be at least {MIN_CUSTOMERS} customers, got {size}")
        return size
    if size not in SIZES:
        raise ValueError(f"size must be one of {sorted(SIZES)} or a customer count, got {size!r}")
    return SIZES[size]


def generate(size: str | int = "small", seed: int = 7, as_of: date = DEFAULT_AS_OF) -> SampleData:
    """Every scenario's conformed tables for ``size`` customers, reproducible from ``seed``."""
    customers = resolve_size(size)
    builder = _Builder(random.Random(seed), customers, as_of)
    return SampleData(tables=builder.build(), facts=builder.facts(), seed=seed, size=customers)


def _ts(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


def _recipient(name: str, address: str) -> Row:
    return {"EmailAddress": {"Name": name, "Address": address}}


class _Builder:
    def __init__(self, rng: random.Random, customers: int, as_of: date) -> None:
        self.rng = rng
        self.n = customers
        self.as_of = as_of
        self.tables: dict[str, list[Row]] = {name: [] for name in TABLES}
        self.planted: dict[str, Any] = {}

    def build(self) -> dict[str, list[Row]]:
        self._crm()
        self._erp()
        self._service()
        self._m365()
        self._leasing()
        return self.tables

    def facts(self) -> PlantedFacts:
        return PlantedFacts(as_of=self.as_of, **self.planted)

    def _modified(self, created: datetime | date) -> datetime:
        """When a record last changed: after it was created, on or before ``as_of``."""
        start = created if isinstance(created, datetime) else _ts(created)
        span = max(1, (_ts(self.as_of, 18) - start).days)
        return start + timedelta(days=self.rng.randrange(0, span), minutes=self.rng.randrange(0, 600))

    # -- CRM: customers (accounts), addresses, contacts (external and sellers), territories, activities
    def _crm(self) -> None:
        self._sellers()
        self._customers()
        self._plant_duplicate_customer()
        contacts = self._addresses_and_contacts()
        self._territories()
        self._activities(contacts)
        self._plant_dirty_crm()

    def _plant_dirty_crm(self) -> None:
        """What CRM users leave behind: an assignment never closed, a second billing address, e-mails typed
        as blanks, a contact entered twice."""
        customer = self.customers[6]
        assignments = self.tables[TERRITORY_ASSIGNMENTS]
        old = next(a for a in assignments if a["CustomerId"] == customer["CustomerId"])
        start = self.as_of - timedelta(days=200)
        territory = TERRITORIES[(TERRITORIES.index(old["Territory"]) + 2) % len(TERRITORIES)]
        assignments.append(
            {
                **old,
                "AssignmentId": record_id("cs_territoryassignment", "overlapping"),
                "Territory": territory,
                "ValidFrom": start,
            }
        )
        billing = self.customers[7]["CustomerId"]
        first = next(a for a in self.tables[ADDRESSES] if a["CustomerId"] == billing and a["Type"] == "Bill To")
        self.tables[ADDRESSES].append(
            {
                **first,
                "AddressId": record_id("customeraddress", f"{billing}-3"),
                "AddressNumber": 3,
                "Line1": "1 Harbour Way",
                "City": "Portland",
            }
        )
        blank = [self.external_contacts[c["CustomerId"]][2] for c in self.customers[8:10]]
        for contact, text in zip(blank, ("   ", "\u00a0"), strict=True):
            contact["Email"] = text
        twice = self.external_contacts[self.customers[10]["CustomerId"]][1]
        again = {**twice, "ContactId": record_id("contact", "entered-twice"), "Phone": None}
        self.tables[CONTACTS].append(again)
        self.planted.update(
            overlap_customer_id=customer["CustomerId"],
            overlapped_assignment_id=old["AssignmentId"],
            overlapping_territory=territory,
            overlap_start=start,
            two_billing_customer_id=billing,
            billing_city=first["City"],
            blank_email_contact_ids=(blank[0]["ContactId"], blank[1]["ContactId"]),
            duplicate_contact_ids=tuple(sorted((twice["ContactId"], again["ContactId"]))),
        )

    def _sellers(self) -> None:
        rng = self.rng
        self.sellers: list[Row] = []
        for index in range(max(4, self.n // 5)):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            seller = {
                "ContactId": f"E{index + 1:04d}",
                "CustomerId": None,
                "FirstName": first,
                "LastName": last,
                "Name": f"{first} {last}",
                "Email": f"{first}.{last}{index + 1}@{OWN_DOMAIN}".lower(),
                "Phone": f"+1-555-01{index:02d}",
                "Title": SELLER_TITLES[index % len(SELLER_TITLES)],
                "ContactType": "Employee",
                "IsActive": True,
            }
            self.sellers.append(seller)
        # One employee outside the relationship-mesh titles: their e-mails must not count.
        self.sellers.append(
            {
                **self.sellers[0],
                "ContactId": "E9999",
                "FirstName": "Ira",
                "LastName": "Intern",
                "Name": "Ira Intern",
                "Title": "Associate",
                "Email": f"intern@{OWN_DOMAIN}",
            }
        )

    def _customers(self) -> None:
        rng = self.rng
        self.customers: list[Row] = []
        self.external_contacts: dict[str, list[Row]] = {}
        created_base = self.as_of - timedelta(days=6 * 365)
        for index in range(self.n):
            customer_id = f"C{index + 1:04d}"
            word = COMPANY_WORDS[index % len(COMPANY_WORDS)]
            name = f"{word} {COMPANY_SUFFIXES[(index // len(COMPANY_WORDS)) % len(COMPANY_SUFFIXES)]} {index + 1}"
            domain = f"{word.lower()}{index + 1}.example"
            created = _ts(created_base + timedelta(days=rng.randrange(0, 900)), rng.randrange(8, 18))
            customer = {
                "CustomerId": customer_id,
                "CrmAccountId": record_id("account", customer_id),
                "Name": name,
                "Website": f"https://{domain}",
                "Segment": rng.choice(SEGMENTS),
                "Industry": rng.choice(INDUSTRIES),
                "Tier": TIERS[index % 3],
                "PrimaryContactId": self.sellers[index % (len(self.sellers) - 1)]["ContactId"],
                "IsActive": True,
                "CreatedDate": created,
                "ModifiedOn": self._modified(created),
            }
            self.customers.append(customer)
            contacts = []
            for number, title in enumerate(("CEO", rng.choice(EXTERNAL_TITLES[1:]), rng.choice(EXTERNAL_TITLES[1:]))):
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                contacts.append(
                    {
                        "ContactId": record_id("contact", f"{customer_id}-{number}"),
                        "CustomerId": customer_id,
                        "FirstName": first,
                        "LastName": last,
                        "Name": f"{first} {last}",
                        "Email": f"{first}.{last}@{domain}".lower(),
                        "Phone": f"+1-555-{index:03d}{number}",
                        "Title": title,
                        "ContactType": "Contact",
                        "IsActive": True,
                    }
                )
            self.external_contacts[customer_id] = contacts

    def _plant_duplicate_customer(self) -> None:
        # The same company entered twice: a later record with the name in capitals and a differently
        # written website; the earlier record is the survivor.
        original = self.customers[1]
        duplicate_id = f"C{self.n + 1:04d}"
        created = original["CreatedDate"] + timedelta(days=400)
        duplicate = {
            **original,
            "CustomerId": duplicate_id,
            "CrmAccountId": record_id("account", duplicate_id),
            "Name": original["Name"].upper() + ".",
            "Website": original["Website"].replace("https://", "http://WWW.").upper() + "/",
            "CreatedDate": created,
            "ModifiedOn": self._modified(created),
        }
        self.customers.append(duplicate)
        self.external_contacts[duplicate_id] = []
        self.planted["duplicate_customer_ids"] = (original["CustomerId"], duplicate_id)
        self.tables[CUSTOMERS] = self.customers

    def _addresses_and_contacts(self) -> list[Row]:
        rng = self.rng
        for customer in self.customers:
            for number, kind in enumerate(ADDRESS_TYPES, start=1):
                self.tables[ADDRESSES].append(
                    {
                        "AddressId": record_id("customeraddress", f"{customer['CustomerId']}-{number}"),
                        "CustomerId": customer["CustomerId"],
                        "Type": kind,
                        "AddressNumber": number,
                        "Line1": f"{rng.randrange(1, 999)} {rng.choice(LAST_NAMES)} Street",
                        "City": rng.choice(("Seattle", "Austin", "Boston", "Denver", "Chicago")),
                        "Region": rng.choice(("WA", "TX", "MA", "CO", "IL")),
                        "PostalCode": f"{rng.randrange(10000, 99999)}",
                        "Country": "US",
                    }
                )
        contacts = [contact for group in self.external_contacts.values() for contact in group]
        self.tables[CONTACTS] = [*self.sellers, *contacts]
        return contacts

    def _territories(self) -> None:
        history_start = self.as_of - timedelta(days=5 * 365)
        assignments = self.tables[TERRITORY_ASSIGNMENTS]
        for index, customer in enumerate(self.customers):
            assignments.append(
                {
                    "AssignmentId": record_id("cs_territoryassignment", index),
                    "CustomerId": customer["CustomerId"],
                    "Territory": TERRITORIES[index % len(TERRITORIES)],
                    "ValidFrom": history_start,
                    "ValidTo": None,
                }
            )
        # One customer moves territory half way through the order history.
        reassigned = assignments[2]
        reassignment = self.as_of - timedelta(days=365)
        old_territory = reassigned["Territory"]
        new_territory = TERRITORIES[(TERRITORIES.index(old_territory) + 1) % len(TERRITORIES)]
        reassigned["ValidTo"] = reassignment
        assignments.append(
            {
                **reassigned,
                "AssignmentId": record_id("cs_territoryassignment", "reassigned"),
                "Territory": new_territory,
                "ValidFrom": reassignment,
                "ValidTo": None,
            }
        )
        self.planted.update(
            reassigned_customer_id=reassigned["CustomerId"],
            reassignment_date=reassignment,
            old_territory=old_territory,
            new_territory=new_territory,
        )

    def _activities(self, contacts: list[Row]) -> None:
        rng = self.rng
        for number, contact in enumerate(contacts):
            for visit in range(rng.randrange(0, 3)):
                about_contact = rng.random() < 0.7
                self.tables[ACTIVITIES].append(
                    {
                        "ActivityId": record_id("activitypointer", f"{number}-{visit}"),
                        "CustomerId": contact["CustomerId"],
                        "ContactId": contact["ContactId"] if about_contact else None,
                        "ActivityType": rng.choice(ACTIVITY_TYPES),
                        "Subject": rng.choice(("Quarterly review", "Renewal call", "Demo", "Follow-up")),
                        "ActivityDate": self.as_of - timedelta(days=rng.randrange(1, 700)),
                    }
                )

    # -- ERP: sales headers, lines, shipments, payments
    def _erp(self) -> None:
        rng = self.rng
        order_number = 0
        products = [(f"P{number:03d}", CATEGORIES[number % len(CATEGORIES)]) for number in range(1, 21)]
        for index, customer in enumerate(self.customers):
            # Customers late in the list have stopped ordering long ago: the dimension's churn signal.
            last_day = 720 if index % 7 == 6 else 10
            for _ in range(rng.randrange(3, 9)):
                order_number += 1
                order_id = f"SO{order_number:06d}"
                order_date = self.as_of - timedelta(days=rng.randrange(last_day, 730 + last_day))
                # Customers prefer one category, so affinities are visible.
                favourite = index % len(CATEGORIES)
                lines = []
                for line_no in range(1, rng.randrange(2, 5)):
                    product_id, category = rng.choice(products)
                    if rng.random() < 0.6:
                        product_id, category = products[favourite]
                    quantity = rng.randrange(1, 10)
                    unit_price = float(rng.choice((25, 40, 99, 150, 400)))
                    lines.append(
                        {
                            "OrderId": order_id,
                            "LineNo": line_no,
                            "ProductId": product_id,
                            "ProductCategory": category,
                            "Qty": quantity,
                            "UnitPrice": unit_price,
                            "Amount": round(quantity * unit_price, 2),
                        }
                    )
                total = round(sum(line["Amount"] for line in lines), 2)
                status = "Open" if order_date > self.as_of - timedelta(days=20) else "Invoiced"
                self.tables[SALES_HEADERS].append(
                    {
                        "OrderId": order_id,
                        "CustomerId": customer["CustomerId"],
                        "OrderDate": order_date,
                        "Status": status,
                        "Total": total,
                    }
                )
                self.tables[SALES_LINES].extend(lines)
                if status == "Invoiced":
                    self._ship_and_pay(order_number, order_id, order_date, total)
        self._erp_customers(order_number)
        self._plant_order_states()

    def _erp_customers(self, order_number: int) -> None:
        """The ERP's customers: every CRM account by its number, and two it holds without one: the same
        company as a CRM account, its name typed differently, and a customer the CRM does not know."""
        rows = self.tables[ERP_CUSTOMERS]
        for number, customer in enumerate(self.customers, start=1):
            rows.append({"ErpCustomerId": str(number), "CustomerId": customer["CustomerId"], "Name": customer["Name"]})
        crm_twin = self.customers[11]
        for name in (crm_twin["Name"].upper().replace(" ", "  ") + ".", "Woodgrove Traders"):
            erp_id = str(len(rows) + 1)
            rows.append({"ErpCustomerId": erp_id, "CustomerId": f"ERP-{erp_id}", "Name": name})
            for days_ago in (100, 5):
                order_number += 1
                order_id = f"SO{order_number:06d}"
                order_date = self.as_of - timedelta(days=days_ago)
                status = "Open" if days_ago < 20 else "Invoiced"
                line = {
                    "OrderId": order_id,
                    "LineNo": 1,
                    "ProductId": "P005",
                    "ProductCategory": CATEGORIES[0],
                    "Qty": 4,
                    "UnitPrice": 150.0,
                    "Amount": 600.0,
                }
                self.tables[SALES_LINES].append(line)
                self.tables[SALES_HEADERS].append(
                    {
                        "OrderId": order_id,
                        "CustomerId": rows[-1]["CustomerId"],
                        "OrderDate": order_date,
                        "Status": status,
                        "Total": 600.0,
                    }
                )
                if status == "Open":
                    continue
                shipped = order_date + timedelta(days=2)
                self.tables[SHIPMENTS].append(
                    {
                        "ShipmentId": str(order_number),
                        "OrderId": order_id,
                        "ShipDate": shipped,
                        "DeliveredDate": shipped + timedelta(days=3),
                        "Carrier": "Contoso Freight",
                    }
                )
                self.tables[PAYMENTS].append(
                    {
                        "PaymentId": str(order_number),
                        "OrderId": order_id,
                        "PaymentDate": order_date + timedelta(days=20),
                        "Method": "Wire",
                        "Amount": 600.0,
                    }
                )
        self.planted.update(
            erp_name_match=(rows[-2]["ErpCustomerId"], crm_twin["CustomerId"]),
            erp_only_customer_id=rows[-1]["CustomerId"],
        )

    def _ship_and_pay(self, order_number: int, order_id: str, order_date: date, total: float) -> None:
        rng = self.rng
        shipped = order_date + timedelta(days=rng.randrange(1, 6))
        self.tables[SHIPMENTS].append(
            {
                "ShipmentId": str(order_number),
                "OrderId": order_id,
                "ShipDate": shipped,
                # Most deliveries are confirmed a few days later; a recent one may still be under way.
                "DeliveredDate": shipped + timedelta(days=rng.randrange(1, 8)) if rng.random() < 0.95 else None,
                "Carrier": rng.choice(("Contoso Freight", "Fabrikam Logistics")),
            }
        )
        self.tables[PAYMENTS].append(
            {
                "PaymentId": str(order_number),
                "OrderId": order_id,
                "PaymentDate": order_date + timedelta(days=rng.randrange(10, 40)),
                "Method": rng.choice(("Wire", "Card", "ACH")),
                "Amount": total,
            }
        )

    def _plant_order_states(self) -> None:
        headers = self.tables[SALES_HEADERS]
        invoiced = [header for header in headers if header["Status"] == "Invoiced"]
        cancelled, partial = invoiced[0], invoiced[1]
        cancelled["Status"] = "Cancelled"
        self.tables[PAYMENTS] = [p for p in self.tables[PAYMENTS] if p["OrderId"] != cancelled["OrderId"]]
        self.tables[SHIPMENTS] = [s for s in self.tables[SHIPMENTS] if s["OrderId"] != cancelled["OrderId"]]
        for payment in self.tables[PAYMENTS]:
            if payment["OrderId"] == partial["OrderId"]:
                payment["Amount"] = round(partial["Total"] / 2, 2)
        self.planted.update(cancelled_order_id=cancelled["OrderId"], partially_paid_order_id=partial["OrderId"])
        # An invoiced order whose shipment the carrier has not confirmed delivered.
        in_transit = next(
            s for s in self.tables[SHIPMENTS] if s["OrderId"] not in (cancelled["OrderId"], partial["OrderId"])
        )
        in_transit["DeliveredDate"] = None
        self.planted["in_transit_order_id"] = in_transit["OrderId"]
        # The duplicate company record has its own orders in the ERP too.
        self.orders_by_customer: dict[str, list[Row]] = {}
        for header in headers:
            self.orders_by_customer.setdefault(header["CustomerId"], []).append(header)

    # -- Customer service: the Cosmos DB container documents, as the analytical store exposes them
    def _service(self) -> None:
        rng = self.rng
        heavy = self.customers[3]["CustomerId"]
        number = 0
        snapshot = _ts(self.as_of, 23, 0).replace(tzinfo=None)
        for customer in self.customers:
            orders = self.orders_by_customer.get(customer["CustomerId"], [])
            count = 12 if customer["CustomerId"] == heavy else rng.randrange(0, 5)
            for _ in range(count):
                number += 1
                opened = _ts(self.as_of - timedelta(days=rng.randrange(1, 365)), rng.randrange(8, 18))
                closed = opened + timedelta(hours=rng.randrange(1, 96)) if rng.random() < 0.85 else None
                order = rng.choice(orders) if orders and rng.random() < 0.7 else None
                self.tables[INTERACTIONS].append(
                    {
                        "id": f"case-{number:06d}",
                        "customerId": customer["CustomerId"],
                        "orderId": order["OrderId"] if order else None,
                        "channel": rng.choice(("web", "mobile", "phone", "chat")),
                        "category": rng.choice(("Delivery", "Billing", "Product", "Returns")),
                        "openedAt": opened,
                        "closedAt": closed,
                        "status": "Closed" if closed else "Open",
                        "csat": rng.randrange(1, 6) if closed else None,
                        # Cosmos DB system properties carried into the analytical store.
                        "_rid": f"rid{number:08d}",
                        "_etag": f'"{number:08x}-0000"',
                        "_ts": int(opened.replace(tzinfo=UTC).timestamp()),
                        "_snapshot_time": snapshot,
                    }
                )
        # A case whose satisfaction answer is outside the survey's 1-5 (an app that sent 0-10).
        out_of_range = {
            **self.tables[INTERACTIONS][-1],
            "id": f"case-{number + 1:06d}",
            "customerId": self.customers[5]["CustomerId"],
            "orderId": None,
            "status": "Closed",
            "closedAt": self.tables[INTERACTIONS][-1]["openedAt"] + timedelta(hours=3),
            "csat": 9,
            "_rid": f"rid{number + 1:08d}",
        }
        self.tables[INTERACTIONS].append(out_of_range)
        self.planted.update(
            service_heavy_customer_id=heavy, service_heavy_interactions=12, out_of_range_case_id=out_of_range["id"]
        )

    # -- Microsoft 365 through Graph Data Connect: BasicDataSet_v0.Message_v1 and Event_v1 rows
    def _message(self, sender: Row, recipients: list[Row], sent: datetime, subject: str) -> Row:
        number = len(self.tables[MESSAGES]) + 1
        message = {
            "Id": f"AAMk-msg-{number:06d}",
            "ConversationId": f"AAQk-conv-{number:06d}",
            "InternetMessageId": f"<msg-{number:06d}@{OWN_DOMAIN}>",
            "Subject": subject,
            "Importance": "normal",
            "Sender": _recipient(sender["Name"], sender["Email"]),
            "From": _recipient(sender["Name"], sender["Email"]),
            "ToRecipients": [_recipient(r["Name"], r["Email"]) for r in recipients[:1]],
            "CcRecipients": [_recipient(r["Name"], r["Email"]) for r in recipients[1:]],
            # Senders often blind-copy themselves; the copy is a recipient but never an interaction.
            "BccRecipients": [_recipient(sender["Name"], sender["Email"])] if number % 4 == 0 else [],
            "ReplyTo": [],
            "SentDateTime": sent,
            "ReceivedDateTime": sent + timedelta(seconds=30),
            "CreatedDateTime": sent - timedelta(minutes=5),
            "LastModifiedDateTime": sent,
            "IsDraft": False,
            "IsRead": True,
            "HasAttachments": number % 5 == 0,
            "Categories": [],
            "ParentFolderId": "AAMk-sentitems",
        }
        self.tables[MESSAGES].append(message)
        return message

    def _event(
        self, organizer: Row, attendees: list[Row], start: datetime, minutes: int, location: str, online: bool
    ) -> Row:
        number = len(self.tables[EVENTS]) + 1
        end = start + timedelta(minutes=minutes)
        created = min(start - timedelta(days=7), _ts(self.as_of, 8))
        event = {
            "Id": f"AAMk-evt-{number:06d}",
            "iCalUId": f"040000008200E000-{number:06d}",
            "Subject": f"Account review {number}",
            "Start": {"DateTime": start.isoformat(), "TimeZone": "UTC"},
            "End": {"DateTime": end.isoformat(), "TimeZone": "UTC"},
            "OriginalStartTimeZone": "UTC",
            "OriginalEndTimeZone": "UTC",
            "IsAllDay": False,
            "IsCancelled": False,
            "IsOrganizer": True,
            "IsOnlineMeeting": online,
            "OnlineMeetingProvider": "teamsForBusiness" if online else "unknown",
            "Location": {"DisplayName": location},
            "Locations": [{"DisplayName": location}],
            "Organizer": _recipient(organizer["Name"], organizer["Email"]),
            "Attendees": [
                {
                    "Type": "required",
                    "Status": {"Response": "accepted", "Time": start.isoformat()},
                    **_recipient(a["Name"], a["Email"]),
                }
                for a in [organizer, *attendees]
            ],
            "ResponseStatus": {"Response": "organizer", "Time": created.isoformat()},
            "SeriesMasterId": None,
            "Type": "occurrence" if number % 11 == 0 else "singleInstance",
            "ShowAs": "busy",
            "Importance": "normal",
            "Sensitivity": "normal",
            "Categories": [],
            "CreatedDateTime": created,
            "LastModifiedDateTime": created,
        }
        self.tables[EVENTS].append(event)
        return event

    def _m365(self) -> None:
        sellers = {seller["ContactId"]: seller for seller in self.sellers}
        for customer in self.customers[: self.n]:
            self._customer_traffic(customer, sellers[customer["PrimaryContactId"]])
        self._plant_strongest_relationship(sellers)
        self._plant_reply_and_future_meeting(sellers)
        self._plant_meeting_kinds(sellers)
        # The intern's mail to a customer never counts (title outside the seller titles).
        other = self.customers[4]
        self._message(self.sellers[-1], [self.external_contacts[other["CustomerId"]][2]], _ts(self.as_of, 8), "Hello")

    def _customer_traffic(self, customer: Row, seller: Row) -> None:
        """The seller's proposals, the customer's questions and their meetings, over the years."""
        rng = self.rng
        contacts = self.external_contacts[customer["CustomerId"]]
        for _ in range(rng.randrange(1, 5)):
            sent = _ts(self.as_of - timedelta(days=rng.randrange(1, 4 * 365)), rng.randrange(8, 18))
            self._message(seller, rng.sample(contacts, k=rng.randrange(1, 3)), sent, "Proposal follow-up")
        for _ in range(rng.randrange(0, 3)):
            contact = rng.choice(contacts)
            sent = _ts(self.as_of - timedelta(days=rng.randrange(1, 365)), 10)
            self._message(contact, [seller], sent, "Question about the invoice")
        for _ in range(rng.randrange(0, 3)):
            start = _ts(self.as_of - timedelta(days=rng.randrange(1, 3 * 365)), rng.randrange(8, 17))
            location, online = rng.choice(MEETING_LOCATIONS)
            self._event(seller, [rng.choice(contacts)], start, rng.choice((30, 45, 60)), location, online)

    def _plant_strongest_relationship(self, sellers: dict[str, Row]) -> None:
        # The top account's primary caller meets its CEO in person, often, this year (recency factor
        # 1.0), for two hours each time.
        top = self.customers[0]
        top_seller = sellers[top["PrimaryContactId"]]
        ceo = self.external_contacts[top["CustomerId"]][0]
        for week in range(1, 13):
            start = _ts(self.as_of - timedelta(days=7 * week), 10)
            self._event(top_seller, [ceo], start, 120, "Customer HQ, Board room", False)
        self.planted.update(
            top_seller_id=top_seller["ContactId"],
            top_account_id=top["CustomerId"],
            top_account_ceo_contact_id=ceo["ContactId"],
        )

    def _plant_reply_and_future_meeting(self, sellers: dict[str, Row]) -> None:
        other = self.customers[4]
        # A reply is not a new interaction, whatever its length or recency.
        reply = self._message(
            sellers[other["PrimaryContactId"]],
            [self.external_contacts[other["CustomerId"]][1]],
            _ts(self.as_of - timedelta(days=2), 9),
            "RE: Proposal follow-up",
        )
        # A meeting booked for next month has not happened yet.
        future = self._event(
            sellers[other["PrimaryContactId"]],
            [self.external_contacts[other["CustomerId"]][0]],
            _ts(self.as_of + timedelta(days=30), 14),
            600,
            "Customer HQ",
            False,
        )
        self.planted.update(reply_message_id=reply["Id"], future_event_id=future["Id"])

    def _plant_meeting_kinds(self, sellers: dict[str, Row]) -> None:
        """Meetings whose kind (in person or online) or organiser the relationship mesh must read right."""
        account = self.customers[3]
        seller, contact = sellers[account["PrimaryContactId"]], self.external_contacts[account["CustomerId"]][1]
        # The source says in person or online; a room's name says nothing.
        room = self._event(seller, [contact], _ts(self.as_of - timedelta(days=20), 11), 60, "Meeting Room 3", False)
        # A meeting the customer organised, the seller attending.
        invited = self._event(contact, [seller], _ts(self.as_of - timedelta(days=15), 15), 45, "Our office", False)
        # A meeting whose source carries no online details: the location's words decide. Another seller
        # than the account's primary caller holds it: the account has two relationships.
        second = sellers[self.customers[4]["PrimaryContactId"]]
        vague = self._event(second, [contact], _ts(self.as_of - timedelta(days=10), 9), 30, "Zoom call", False)
        vague["IsOnlineMeeting"] = None
        vague["OnlineMeetingProvider"] = None
        self.planted.update(
            meeting_room_event_id=room["Id"],
            customer_organised_event_id=invited["Id"],
            no_online_details_event_id=vague["Id"],
            second_seller=(second["ContactId"], account["CustomerId"]),
        )

    # -- Customer 360 (property management): residents, leases, work orders, surveys
    def _leasing(self) -> None:
        plans = self._residents()
        self._plant_duplicate_person()
        self.lease_number = self.work_number = self.survey_number = 0
        for index, (resident, satisfaction) in enumerate(plans):
            self._tenancy(index, resident, satisfaction)

    def _residents(self) -> list[tuple[Row, float]]:
        """The property system's residents, each with the satisfaction that drives their renewal."""
        rng = self.rng
        residents = self.tables[RESIDENTS]
        count = 8 * self.n
        plans: list[tuple[Row, float]] = []
        for index in range(count):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            resident = {
                "cid": f"R{index + 1:05d}",
                "FirstName": first,
                "LastName": last,
                "Email": f"{first}.{last}.{index + 1}@mail.example".lower(),
                "Telephone": f"+1-555-2{index:04d}",
                "City": rng.choice(("Seattle", "Austin", "Boston")),
                "PostCode": f"{rng.randrange(1000, 99999)}",
                "DateOfBirth": date(1950, 1, 1) + timedelta(days=rng.randrange(0, 18000)),
                "Created_date": _ts(self.as_of - timedelta(days=rng.randrange(400, 3000))),
                "Source": "PropertySystem",
            }
            residents.append(resident)
            # Satisfaction drives renewal: the signal the model must learn.
            plans.append((resident, rng.random()))
        # A resident the property system holds without an e-mail: nothing to match on.
        residents[3]["Email"] = None
        self.planted["no_email_resident_id"] = residents[3]["cid"]
        renewer, leaver = residents[0], residents[1]
        plans[0] = (renewer, 1.0)
        plans[1] = (leaver, 0.0)
        self.planted.update(likely_renewer_resident_id=renewer["cid"], likely_leaver_resident_id=leaver["cid"])
        return plans

    def _plant_duplicate_person(self) -> None:
        residents = self.tables[RESIDENTS]
        # The duplicate person: a CRM contact with the same e-mail, blanks and case aside, and an
        # older record of the same resident in the property system.
        duplicate = residents[2]
        duplicate["Email"] = "Mia.Keller@Mail.Example"
        duplicate["FirstName"] = "Mia"
        residents.append(
            {**duplicate, "FirstName": "Maria", "Created_date": duplicate["Created_date"] - timedelta(days=900)}
        )
        contact = {
            "ContactId": record_id("contact", "duplicate-person"),
            "CustomerId": self.customers[5]["CustomerId"],
            "FirstName": "Mia",
            "LastName": duplicate["LastName"],
            "Name": f"Mia {duplicate['LastName']}",
            "Email": "  mia.keller@mail.example ",
            "Phone": duplicate["Telephone"],
            "Title": "Associate",
            "ContactType": "Contact",
            "IsActive": True,
        }
        self.tables[CONTACTS].append(contact)
        self.planted.update(
            duplicate_person_email="mia.keller@mail.example",
            duplicate_person_resident_id=duplicate["cid"],
            duplicate_person_contact_id=contact["ContactId"],
            duplicate_person_first_name="Mia",
        )

    def _tenancy(self, index: int, resident: Row, satisfaction: float) -> None:
        """One resident's leases (a renewal if they renew), move-out, work orders and surveys."""
        rng = self.rng
        pid, uid = f"PR{index % 9 + 1}", f"U{index:05d}"
        term = rng.choice((6, 12, 18, 24))
        start = self.as_of - timedelta(days=rng.randrange(200, 2200))
        current = index in (0, 1) or rng.random() < 0.3
        repairs = 0 if index == 0 else 6 if index == 1 else rng.choices((0, 1, 2, 3, 4), weights=(4, 3, 2, 1, 1))[0]
        # Renewal odds rise with satisfaction and fall with repairs (a little noise on top).
        renews = satisfaction * 1.6 - repairs * 0.25 + rng.gauss(0, 0.25) > 0.45
        self.lease_number += 1
        end = start + timedelta(days=30 * term)
        self.tables[LEASES].append(
            {
                "lid": f"L{self.lease_number:06d}",
                "cid": resident["cid"],
                "pid": pid,
                "uid": uid,
                "Type": "Application",
                "ApplicationDate": start - timedelta(days=30),
                "StartDate": start,
                "EndDate": end,
                "LeaseTerm": float(term),
                "SignedDate": start - timedelta(days=20),
                "MoveInDate": start,
                "MoveOutDate": None,
                # The unit's rent: by property and term, no randomness (the generator's draws stay as they were).
                "MonthlyRent": float(800 + 75 * (index % 9) + 5 * term),
            }
        )
        leases = [self.tables[LEASES][-1]]
        if renews and not current:
            self.lease_number += 1
            renewal_term = rng.choice((12, 24))
            renewal = {
                **leases[0],
                "lid": f"L{self.lease_number:06d}",
                "Type": "Renewal",
                "ApplicationDate": end - timedelta(days=60),
                "StartDate": end,
                "EndDate": end + timedelta(days=30 * renewal_term),
                "LeaseTerm": float(renewal_term),
                "SignedDate": end - timedelta(days=45),
                "MonthlyRent": round(leases[0]["MonthlyRent"] * 1.03, 2),
            }
            self.tables[LEASES].append(renewal)
            leases.append(renewal)
        if not current:
            last = leases[-1]
            # Some leave more than 30 days early (an early move-out).
            early = rng.random() < 0.15
            last["MoveOutDate"] = last["EndDate"] - timedelta(
                days=rng.randrange(31, 90) if early else rng.randrange(0, 5)
            )
        self._work_orders(resident, pid, uid, start, term, repairs)
        self._surveys(resident, pid, start, satisfaction, leases)

    def _work_orders(self, resident: Row, pid: str, uid: str, start: date, term: int, repairs: int) -> None:
        rng = self.rng
        for _ in range(repairs):
            self.work_number += 1
            requested = start + timedelta(days=rng.randrange(1, 30 * term))
            kind = WORK_ORDER_TYPES[0] if rng.random() < 0.5 else rng.choice(WORK_ORDER_TYPES)
            self.tables[WORK_ORDERS].append(
                {
                    "wid": f"W{self.work_number:06d}",
                    "cid": resident["cid"],
                    "pid": pid,
                    "uid": uid,
                    "workorder_type": kind,
                    "ServiceRequestDate": requested,
                    "ServiceCompleteDate": requested + timedelta(days=rng.randrange(0, 10)),
                }
            )

    def _surveys(self, resident: Row, pid: str, start: date, satisfaction: float, leases: list[Row]) -> None:
        rng = self.rng
        for question in MOVE_IN_QUESTIONS:
            self.survey_number += 1
            answer = max(0, min(5, round(satisfaction * 5 + rng.gauss(0, 0.6))))
            self.tables[SURVEYS].append(
                {
                    "sid": f"Q{self.survey_number:07d}",
                    # Surveys carry the e-mail as typed by the resident.
                    "Email": resident["Email"].upper()
                    if resident["Email"] and self.survey_number % 5 == 0
                    else resident["Email"],
                    "pid": pid,
                    "surveytype": "Move-in",
                    "surveydate": start + timedelta(days=14),
                    "question": question,
                    "answer": float(answer),
                }
            )
        if len(leases) > 1:
            for question in RENEWAL_QUESTIONS:
                self.survey_number += 1
                self.tables[SURVEYS].append(
                    {
                        "sid": f"Q{self.survey_number:07d}",
                        "Email": resident["Email"],
                        "pid": pid,
                        "surveytype": "Renewal",
                        "surveydate": leases[1]["StartDate"] + timedelta(days=14),
                        "question": question,
                        "answer": float(max(0, min(5, round(satisfaction * 5)))),
                    }
                )
