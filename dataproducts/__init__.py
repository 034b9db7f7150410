"""The data products' business logic: pure PySpark transformations (DataFrame in, DataFrame out).

Each product has one module; the notebooks under ``pipelines/<product>/notebook/`` are thin I/O shells
that read the lake, check their inputs with :mod:`cloudscale.dataproducts.quality`, call these
functions and write the curated tables. The package imports nothing but ``pyspark`` and the standard
library because it runs on the Synapse Spark 3.5 pool as a workspace package: with data exfiltration
protection on, a pool cannot install from PyPI, so the notebooks import it from an uploaded wheel
(:func:`cloudscale.dataproducts.wheel.build_spark_wheel`). The Azure ML training script lives in
:mod:`cloudscale.dataproducts.azureml`, which runs on Azure ML compute and is left out of that wheel.
"""

from __future__ import annotations

# Data product ids are the workspace-lake container names a landing zone lists in `dataProducts`;
# each maps to its module and to the notebook `nb_<module>`.
PRODUCT_MODULES: dict[str, str] = {
    "sales-analytics": "sales_analytics",
    "customer-360": "customer_360",
    "relationship-mesh": "relationship_mesh",
    "customer-dimension": "customer_dimension",
    "customer-service": "customer_service",
}

__all__ = ["PRODUCT_MODULES"]
