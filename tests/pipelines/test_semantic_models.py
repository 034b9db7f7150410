"""The semantic models: declared over the serving views, rendered as TMDL, read back, checked and evaluated."""

from __future__ import annotations

import duckdb
import pytest

from cloudscale.dataproducts.contracts import semantic, tmdl
from cloudscale.dataproducts.contracts.products import PRODUCTS
from cloudscale.dataproducts.contracts.serving import views
from cloudscale.pipelines import dax
from cloudscale.pipelines.definitions import bundled_root, load_set
from cloudscale.pipelines.model_check import check_models


def _bundled(product: str) -> tmdl.ModelFiles:
    model = semantic.MODELS[product]
    definitions, problems = load_set(bundled_root() / model.set_name)
    assert problems == []
    (files,) = definitions.semantic_models
    return files


def test_every_data_product_has_a_model_whose_columns_and_types_are_its_views():
    assert set(semantic.MODELS) == set(PRODUCTS)
    for product, model in semantic.MODELS.items():
        published = {v.name: dict(v.typed_columns) for v in views([product])}
        for table in model.model_tables():
            assert table.name in published
            for column in table.columns:
                assert semantic.tmdl_type(published[table.name][column.name]) == column.data_type


def test_direct_lake_reads_delta_only_so_the_cdm_dimension_goes_through_serverless_sql():
    modes = {product: model.storage_mode() for product, model in semantic.MODELS.items()}
    assert modes.pop("customer-dimension") == "directQuery"
    assert set(modes.values()) == {"directLake"}
    customer = _bundled("customer-dimension").files["definition/tables/Customer.tmdl"]
    assert 'Sql.Database("{{ synapse.serverlessEndpoint }}", "curated")' in customer
    assert "mode: directQuery" in customer


def test_nested_columns_stay_out_of_the_models():
    profiles = next(t for t in semantic.CUSTOMER_360.model_tables() if t.name == "profiles")
    assert "ResidentIds" in dict(profiles.view.typed_columns)
    assert "ResidentIds" not in {c.name for c in profiles.columns}


def test_the_bundled_models_read_back_to_what_was_declared():
    for product, model in semantic.MODELS.items():
        resolved = dax.resolve(_bundled(product))
        assert set(resolved.measures) == {m.name for m in model.measures}
        assert {(m.table, m.column, o.table, o.column) for m, o in resolved.relationships} == {
            (r.from_table, r.from_column, r.to_table, r.to_column) for r in model.relationships
        }
        assert {t: r.view for t, r in resolved.tables.items()} == {v.name: v.qualified for v in views([product])}


def test_tmdl_that_cannot_be_read_names_its_line():
    with pytest.raises(tmdl.TmdlError, match="line 3: TMDL indents with tabs"):
        tmdl.parse("table t\n\tcolumn a\n    dataType: string\n")
    with pytest.raises(tmdl.TmdlError, match="line 2: cannot read"):
        tmdl.parse("table t\n\tcolumn a b c\n")
    nodes = tmdl.parse("table 'My ''Table'''\n\tmeasure 'A B' =\n\t\t\tSUM(x[y])\n\tcolumn c\n\t\tdataType: int64\n")
    (table,) = nodes
    assert table.name == "My 'Table'"
    assert [(c.kind, c.name, c.expression) for c in table.children] == [
        ("measure", "A B", "SUM(x[y])"),
        ("column", "c", ""),
    ]


def test_a_team_model_that_reads_an_unpublished_column_fails_with_file_and_path(tmp_path):
    folder = tmp_path / "sales_analytics"
    import shutil

    shutil.copytree(bundled_root() / "sales_analytics", folder)
    table = folder / semantic.SALES.folder / "definition/tables/order_status.tmdl"
    table.write_text(table.read_text().replace("sourceColumn: Outstanding", "sourceColumn: Balance"))
    serving, _ = load_set(bundled_root() / "logical_warehouse")
    sales, problems = load_set(folder)
    assert problems == []
    (problem,) = check_models([serving, sales])
    assert (
        problem.file == "sales_analytics/semanticModel/SalesAnalytics.SemanticModel/definition/tables/order_status.tmdl"
    )
    assert problem.path.startswith("table order_status / column Outstanding / sourceColumn (line ")
    assert "reads column Balance of the view sales_analytics.order_status" in problem.message
    assert check_models([sales]) == [], "a zone that serves no views has no model to check"


def test_dax_outside_the_understood_subset_is_named():
    with pytest.raises(dax.DaxError, match="SUMX is not in the DAX subset"):
        dax.parse("SUMX('t', 't'[a])")
    with pytest.raises(dax.DaxError, match="SUM takes one column"):
        dax.parse("SUM([Revenue])")


def test_measures_evaluate_over_views_as_dax_defines_them():
    model = dax.ResolvedModel(
        tables={
            "f": dax.ResolvedTable("s.f", {"k": "k", "v": "amount", "flag": "flag"}),
            "d": dax.ResolvedTable("s.d", {"k": "k", "group": "grp"}),
        },
        measures={
            "Total": "SUM('f'[v])",
            "Rows": "COUNTROWS('f')",
            "Flagged": "CALCULATE([Total], 'f'[flag] = \"y\")",
            "Share": "DIVIDE([Flagged], [Total])",
        },
        relationships=[(dax.Column("f", "k"), dax.Column("d", "k"))],
    )
    connection = duckdb.connect()
    connection.execute("CREATE SCHEMA s")
    connection.execute(
        "CREATE VIEW s.f AS SELECT * FROM (VALUES (1, 10.0, 'y'), (1, 30.0, 'n'), (2, 5.0, 'n')) t(k, amount, flag)"
    )
    connection.execute("CREATE VIEW s.d AS SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (3, 'c')) t(k, grp)")
    by_group = connection.execute(dax.to_sql(model, "Share", [dax.Column("d", "group")])).fetchall()
    # Blank (no flagged rows, no rows at all) divided stays blank, and a blank row is no row, as in DAX.
    assert by_group == [("a", 0.25)]
    assert connection.execute(dax.to_sql(model, "Flagged")).fetchall() == [(10.0,)]
    rows = connection.execute(dax.to_sql(model, "Rows", [dax.Column("d", "group")])).fetchall()
    assert rows == [("a", 2), ("b", 1)]  # COUNTROWS of no rows is blank, so group c has no row
    filtered = dax.to_sql(model, "Total", filters={dax.Column("d", "group"): "b"})
    assert connection.execute(filtered).fetchall() == [(5.0,)]
