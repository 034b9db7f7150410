"""The conforming steps: each source's raw landing turned into the enriched tables the products read.

Pure functions from the raw tables (every window up to the run's window, each row carrying its window in
``_window``) to the enriched tables of :mod:`cloudscale.dataproducts.contracts.integration`. Each keeps,
per key, the latest version across windows, so a run for an earlier window (a backfill) sees what that
window saw, and a rerun gives the same tables.

* CRM: Choice codes become their labels in the organisation's base language (``stringmap``, which every
  window copies whole, so the latest window's copy is the current one); the account number becomes the
  customer key (the ERP carries it too), with the account's GUID where an account has no number; lookups
  become the related row's business key (a contact's account number, an account owner's employee number);
  employees (``systemuser``) join the customers' contacts as ``Employee``.
* ERP: order and shipment rows take the order number, customers their account number (``ERP-<id>`` where
  the ERP holds none), lines their
  product number and category, order states their names; money becomes the amount in the order currency.
* Leasing: the extracts' text typed; empty text is no value.
* Microsoft 365: Graph Data Connect rows typed, one row per item.
"""

from __future__ import annotations

from collections.abc import Mapping

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from cloudscale.dataproducts.contracts import integration as contracts
from cloudscale.dataproducts.lake import latest_version

BASE_LANGUAGE = 1033

Raw = Mapping[str, DataFrame]


def _latest(raw: Raw, table_id: str) -> DataFrame:
    table = contracts.RAW_TABLES[table_id]
    return latest_version(raw[table_id], table.key, table.watermark or None)


def _text(column: str) -> Column:
    """A text value, with empty or blank text as no value."""
    return F.when(F.trim(F.col(column)) == "", None).otherwise(F.col(column))


# -- CRM -----------------------------------------------------------------------------------------------


def option_labels(raw: Raw, language: int = BASE_LANGUAGE) -> DataFrame:
    """(table, column, value) -> label, from the latest window's copy of ``stringmap``."""
    labels = raw["raw/crm/stringmap"]
    newest = labels.agg(F.max(contracts.WINDOW_COLUMN)).first()
    return labels.where(
        (F.col(contracts.WINDOW_COLUMN) == F.lit(newest[0] if newest else None)) & (F.col("langid") == language)
    ).select("objecttypecode", "attributename", "attributevalue", F.col("value").alias("label"))


def _labelled(df: DataFrame, labels: DataFrame, table: str, column: str, name: str) -> DataFrame:
    choice = labels.where((F.col("objecttypecode") == table) & (F.col("attributename") == column)).select(
        F.col("attributevalue").alias(f"__{column}"), F.col("label").alias(name)
    )
    return df.join(choice, df[column] == choice[f"__{column}"], "left").drop(f"__{column}")


def _crm_customers(raw: Raw, labels: DataFrame, users: DataFrame) -> DataFrame:
    """Accounts keyed by their account number, Choices labelled, the owner as their employee number."""
    accounts = _latest(raw, "raw/crm/account")
    for column, name in (
        ("industrycode", "Industry"),
        ("customersizecode", "Segment"),
        ("accountclassificationcode", "Tier"),
    ):
        accounts = _labelled(accounts, labels, "account", column, name)
    owners = users.select(F.col("systemuserid").alias("ownerid"), F.col("employeeid").alias("PrimaryContactId"))
    return accounts.join(owners, "ownerid", "left").select(
        F.coalesce(_text("accountnumber"), F.col("accountid")).alias("CustomerId"),
        F.col("accountid").alias("CrmAccountId"),
        F.col("name").alias("Name"),
        _text("websiteurl").alias("Website"),
        "Segment",
        "Industry",
        "Tier",
        "PrimaryContactId",
        (F.col("statecode") == 0).alias("IsActive"),
        F.col("createdon").alias("CreatedDate"),
        F.col("modifiedon").alias("ModifiedOn"),
    )


def _by_account(df: DataFrame, lookup: str, account_numbers: DataFrame) -> DataFrame:
    """``df`` with ``__number``, the customer key of the account its ``lookup`` column names."""
    return df.join(account_numbers, df[lookup] == account_numbers["__account"], "left").drop("__account")


def _crm_contacts(raw: Raw, account_numbers: DataFrame) -> DataFrame:
    contacts = _by_account(_latest(raw, "raw/crm/contact"), "parentcustomerid", account_numbers)
    return contacts.select(
        F.col("contactid").alias("ContactId"),
        F.col("__number").alias("CustomerId"),
        F.col("firstname").alias("FirstName"),
        F.col("lastname").alias("LastName"),
        F.col("fullname").alias("Name"),
        F.col("emailaddress1").alias("Email"),
        F.col("telephone1").alias("Phone"),
        F.col("jobtitle").alias("Title"),
        F.lit("Contact").alias("ContactType"),
        (F.col("statecode") == 0).alias("IsActive"),
    )


def _crm_employees(users: DataFrame) -> DataFrame:
    """The organisation's users as contacts of no customer, keyed by their employee number."""
    return users.select(
        F.coalesce(_text("employeeid"), F.col("systemuserid")).alias("ContactId"),
        F.lit(None).cast("string").alias("CustomerId"),
        F.col("firstname").alias("FirstName"),
        F.col("lastname").alias("LastName"),
        F.col("fullname").alias("Name"),
        F.col("internalemailaddress").alias("Email"),
        F.col("mobilephone").alias("Phone"),
        F.col("title").alias("Title"),
        F.lit("Employee").alias("ContactType"),
        (~F.coalesce(F.col("isdisabled"), F.lit(False))).alias("IsActive"),
    )


def _crm_addresses(raw: Raw, labels: DataFrame, account_numbers: DataFrame) -> DataFrame:
    """The accounts' addresses (a customeraddress may also belong to a contact), the type labelled."""
    of_accounts = _latest(raw, "raw/crm/customeraddress").where(F.col("objecttypecode") == "account")
    addresses = _by_account(of_accounts, "parentid", account_numbers)
    return _labelled(addresses, labels, "customeraddress", "addresstypecode", "Type").select(
        F.col("customeraddressid").alias("AddressId"),
        F.col("__number").alias("CustomerId"),
        "Type",
        F.col("addressnumber").alias("AddressNumber"),
        F.col("line1").alias("Line1"),
        F.col("city").alias("City"),
        F.col("stateorprovince").alias("Region"),
        F.col("postalcode").alias("PostalCode"),
        F.col("country").alias("Country"),
    )


def _territory_assignments(raw: Raw, account_numbers: DataFrame) -> DataFrame:
    territories = _latest(raw, "raw/crm/territory").select(
        F.col("territoryid").alias("cs_territoryid"), F.col("name").alias("Territory")
    )
    return (
        _by_account(_latest(raw, "raw/crm/cs_territoryassignment"), "cs_accountid", account_numbers)
        .join(territories, "cs_territoryid", "left")
        .select(
            F.col("cs_territoryassignmentid").alias("AssignmentId"),
            F.col("__number").alias("CustomerId"),
            "Territory",
            F.to_date("cs_validfrom").alias("ValidFrom"),
            F.to_date("cs_validto").alias("ValidTo"),
        )
    )


def conform_crm(raw: Raw, language: int = BASE_LANGUAGE) -> dict[str, DataFrame]:
    labels = option_labels(raw, language)
    users = _latest(raw, "raw/crm/systemuser")
    customers = _crm_customers(raw, labels, users)
    account_numbers = customers.select(F.col("CrmAccountId").alias("__account"), F.col("CustomerId").alias("__number"))
    people = _crm_contacts(raw, account_numbers)
    return {
        contracts.CUSTOMERS.id: customers,
        contracts.CONTACTS.id: people.unionByName(_crm_employees(users)),
        contracts.ADDRESSES.id: _crm_addresses(raw, labels, account_numbers),
        contracts.TERRITORY_ASSIGNMENTS.id: _territory_assignments(raw, account_numbers),
        contracts.ACTIVITIES.id: _activities(raw, people, account_numbers),
    }


def _activities(raw: Raw, people: DataFrame, account_numbers: DataFrame) -> DataFrame:
    """Completed activities with the customer and contact they are about (a contact, or the account)."""
    activities = _latest(raw, "raw/crm/activitypointer").where(F.col("statecode") == 1)
    contacts = people.select(F.col("ContactId").alias("__contact"), F.col("CustomerId").alias("__contact_customer"))
    return (
        activities.join(contacts, activities["regardingobjectid"] == contacts["__contact"], "left")
        .join(account_numbers, activities["regardingobjectid"] == account_numbers["__account"], "left")
        .select(
            F.col("activityid").alias("ActivityId"),
            F.coalesce("__contact_customer", "__number").alias("CustomerId"),
            F.col("__contact").alias("ContactId"),
            F.col("activitytypecode").alias("ActivityType"),
            F.col("subject").alias("Subject"),
            F.to_date("actualend").alias("ActivityDate"),
        )
    )


# -- ERP -----------------------------------------------------------------------------------------------


def _money(column: str) -> Column:
    return F.round(F.col(column).cast("double"), 2)


# Spark resolves names without case, so the ERP's ids (CustomerID, ProductID) and the business keys
# (CustomerId, ProductId) never meet in one frame: lookups carry their ids as __<name>.


def _erp_customers(raw: Raw) -> DataFrame:
    # A customer the ERP holds without a CRM account number keeps a key of its own, so its orders still
    # belong to someone; the customer dimension matches it to the CRM by name where it can.
    return _latest(raw, "raw/erp/Sales.Customer").select(
        F.col("CustomerID").cast("string").alias("ErpCustomerId"),
        F.coalesce(_text("AccountNumber"), F.concat(F.lit(contracts.ERP_ONLY_PREFIX), F.col("CustomerID"))).alias(
            "CustomerId"
        ),
        F.col("CustomerName").alias("Name"),
    )


def _sales_headers(raw: Raw, headers: DataFrame, erp_customers: DataFrame) -> DataFrame:
    """Orders by their order number, with the customer's key and the order state's name."""
    customers = erp_customers.select(F.col("ErpCustomerId").alias("__customer"), "CustomerId")
    statuses = _latest(raw, "raw/erp/Sales.OrderStatus").select(
        F.col("StatusID").alias("__status"), F.col("Name").alias("Status")
    )
    return (
        headers.join(customers, headers["CustomerID"].cast("string") == customers["__customer"], "left")
        .join(statuses, headers["StatusID"] == statuses["__status"], "left")
        .select(
            F.col("SalesOrderNumber").alias("OrderId"),
            customers["CustomerId"],
            F.to_date("OrderDate").alias("OrderDate"),
            "Status",
            _money("TotalDue").alias("Total"),
        )
    )


def _of_order(raw: Raw, table: str, orders: DataFrame) -> DataFrame:
    """The latest rows of an order's child table, with the order's number as ``OrderId``."""
    rows = _latest(raw, table)
    return rows.join(orders, rows["SalesOrderID"] == orders["__order"], "left")


def _sales_lines(raw: Raw, orders: DataFrame) -> DataFrame:
    """Order lines with their product's number and category."""
    categories = _latest(raw, "raw/erp/Production.ProductCategory").select(
        F.col("ProductCategoryID").alias("__category"), F.col("Name").alias("ProductCategory")
    )
    products = (
        _latest(raw, "raw/erp/Production.Product")
        .join(categories, F.col("ProductCategoryID") == F.col("__category"), "left")
        .select(F.col("ProductID").alias("__product"), F.col("ProductNumber").alias("ProductId"), "ProductCategory")
    )
    details = _of_order(raw, "raw/erp/Sales.SalesOrderDetail", orders)
    return details.join(products, details["ProductID"] == products["__product"], "left").select(
        "OrderId",
        F.col("LineNumber").alias("LineNo"),
        products["ProductId"],
        "ProductCategory",
        F.col("OrderQty").alias("Qty"),
        _money("UnitPrice").alias("UnitPrice"),
        _money("LineTotal").alias("Amount"),
    )


def _shipments(raw: Raw, orders: DataFrame) -> DataFrame:
    return _of_order(raw, "raw/erp/Sales.Shipment", orders).select(
        F.col("ShipmentID").cast("string").alias("ShipmentId"),
        "OrderId",
        F.to_date("ShipDate").alias("ShipDate"),
        F.to_date("DeliveredDate").alias("DeliveredDate"),
        "Carrier",
    )


def _payments(raw: Raw, orders: DataFrame) -> DataFrame:
    return _of_order(raw, "raw/erp/Sales.Payment", orders).select(
        F.col("PaymentID").cast("string").alias("PaymentId"),
        "OrderId",
        F.to_date("PaymentDate").alias("PaymentDate"),
        "Method",
        _money("Amount").alias("Amount"),
    )


def conform_erp(raw: Raw) -> dict[str, DataFrame]:
    erp_customers = _erp_customers(raw)
    headers = _latest(raw, "raw/erp/Sales.SalesOrderHeader")
    orders = headers.select(F.col("SalesOrderID").alias("__order"), F.col("SalesOrderNumber").alias("OrderId"))
    return {
        contracts.ERP_CUSTOMERS.id: erp_customers,
        contracts.SALES_HEADERS.id: _sales_headers(raw, headers, erp_customers),
        contracts.SALES_LINES.id: _sales_lines(raw, orders),
        contracts.SHIPMENTS.id: _shipments(raw, orders),
        contracts.PAYMENTS.id: _payments(raw, orders),
    }


# -- Leasing -------------------------------------------------------------------------------------------


def _typed(raw: Raw, raw_id: str, target_columns: Mapping[str, str]) -> DataFrame:
    """A CSV extract's latest rows with each column cast to its enriched type (empty text: no value)."""
    rows = _latest(raw, raw_id)
    return rows.select(*[_text(name).cast(kind).alias(name) for name, kind in target_columns.items()])


def conform_leasing(raw: Raw) -> dict[str, DataFrame]:
    pairs = {
        contracts.RESIDENTS: "raw/leasing/residents",
        contracts.LEASES: "raw/leasing/leases",
        contracts.WORK_ORDERS: "raw/leasing/workorders",
        contracts.SURVEYS: "raw/leasing/surveys",
    }
    return {table.id: _typed(raw, raw_id, {c.name: c.type for c in table.columns}) for table, raw_id in pairs.items()}


# -- Microsoft 365 -------------------------------------------------------------------------------------


def conform_m365(raw: Raw) -> dict[str, DataFrame]:
    def typed(raw_id: str, table_columns: Mapping[str, str]) -> DataFrame:
        rows = _latest(raw, raw_id)
        return rows.select(*[F.col(f"`{name}`").cast(kind).alias(name) for name, kind in table_columns.items()])

    return {
        contracts.MESSAGES.id: typed("raw/m365/messages", {c.name: c.type for c in contracts.MESSAGES.columns}),
        contracts.EVENTS.id: typed("raw/m365/events", {c.name: c.type for c in contracts.EVENTS.columns}),
    }
