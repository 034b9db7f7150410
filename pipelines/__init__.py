"""Pipelines as code: definition sets in the Data Factory / Synapse JSON schema, and the code around them.

Each scenario folder (``crm_ingestion/``, ``erp_ingestion/``, ``customer_service_link/``,
``logical_warehouse/`` and the data products' folders) holds Synapse Studio's git layout. The
modules load them (``definitions``), resolve ``{{ key }}`` placeholders (``placeholders``), validate
them offline (``validate``, ``run_paths``), compose a zone's master pipeline (``compose``), and
derive the lake access (``data_access``) and the data flow (``data_flow``) they imply.
"""

__all__: list[str] = []
