"""Pipeline, dataset, linked-service and trigger definitions for Data Factory and Synapse.

Empty until the pipeline capability lands; the package exists because the layout fixes it and the
distribution ships it.
"""

__all__: list[str] = []
