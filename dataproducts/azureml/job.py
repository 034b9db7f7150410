"""The renewal-training command job, built with ``azure-ai-ml`` and validated offline.

The job runs ``train_renewal.py`` on the zone's Azure ML compute cluster, reading the
``renewal_features`` table the Customer 360 notebook writes to the product's workspace-lake
container and writing ``model.json`` next to it for the scoring stage. Its environment is Azure ML's
curated scikit-learn environment (it carries scikit-learn, MLflow with ``azureml-mlflow``, and
pyarrow), so the workspace builds no image and needs no PyPI access.

``pl_customer_360`` submits the job from Synapse with a Web activity that PUTs the job's ARM body to
``{workspaceId}/jobs/{name}`` (the Azure ML REST API "Jobs - Create Or Update") under the workspace's
managed identity, then polls it until it ends: Synapse's own Machine Learning activity runs only
published v1 pipelines, not v2 command jobs. The body is the SDK's own REST form of the job, so it
stays what ``MLClient.jobs.create_or_update`` would send.
"""

from __future__ import annotations

import re
from typing import Any

from azure.ai.ml import Input, Output, command
from azure.ai.ml.entities import Command, ManagedIdentityConfiguration

from cloudscale.dataproducts.azureml.code import CODE_ASSET, SCRIPT

__all__ = ["CODE_ASSET", "SCRIPT", "JobDefinitionError", "rest_body", "training_job", "validate"]

EXPERIMENT = "customer-360-renewal"
CURATED_ENVIRONMENT = "azureml://registries/azureml/environments/sklearn-1.5/labels/latest"
JOBS_API_VERSION = "2024-04-01"
COMMAND = f"python {SCRIPT} --features ${{{{inputs.features}}}} --model-output ${{{{outputs.model}}}}"
_REFERENCE = re.compile(r"\$\{\{(inputs|outputs)\.([A-Za-z0-9_]+)\}\}")


class JobDefinitionError(ValueError):
    """The command job would be refused by Azure ML or could not run the script."""


def training_job(
    compute: str,
    features_uri: str,
    model_uri: str,
    code: str,
    environment: str = CURATED_ENVIRONMENT,
) -> Command:
    """The command job; ``code`` is the script folder (local) or a registered code asset's id."""
    return command(
        code=code,
        command=COMMAND,
        inputs={"features": Input(type="uri_folder", path=features_uri, mode="ro_mount")},
        outputs={"model": Output(type="uri_folder", path=model_uri, mode="rw_mount")},
        environment=environment,
        compute=compute,
        # Without an identity the job runs with an AmlToken (Azure ML REST "Jobs - Create Or Update":
        # identity "Defaults to AmlToken if null"); the compute cluster's managed identity is the one
        # the zone grants the product's workspace-lake container, so the job reads and writes as it.
        identity=ManagedIdentityConfiguration(),
        experiment_name=EXPERIMENT,
        display_name="lease-renewal-training",
        description="Train the Customer 360 lease-renewal model and write its coefficients for Spark scoring.",
    )


def validate(job: Command) -> None:
    """The SDK's schema validation plus the checks it leaves out; raises JobDefinitionError."""
    result = job._validate()
    if not result.passed:
        raise JobDefinitionError(f"azure-ai-ml rejects the job: {result.error_messages}")
    declared = {"inputs": set(job.inputs or {}), "outputs": set(job.outputs or {})}
    for kind, name in _REFERENCE.findall(job.command or ""):
        if name not in declared[kind]:
            raise JobDefinitionError(f"command references ${{{{{kind}.{name}}}}}, which the job does not declare")
    if not job.compute:
        raise JobDefinitionError("the job names no compute; it must run on the zone's compute cluster")
    if SCRIPT not in (job.command or ""):
        raise JobDefinitionError(f"the command does not run {SCRIPT}")


def rest_body(job: Command) -> dict[str, Any]:
    """The ARM ``Jobs - Create Or Update`` body of the job, as the SDK would send it."""
    validate(job)
    return job._to_job()._to_rest_object().as_dict()
