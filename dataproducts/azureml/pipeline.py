"""``pl_customer_360``: features notebook, Azure ML training job, scoring notebook.

The master pipeline runs this pipeline for the ``customer-360`` product (the other products are one
notebook each). Steps:

1. ``nb_customer_360`` with ``stage=features``;
2. a Web activity PUTs the training job to Azure ML's ARM API (``Jobs - Create Or Update``,
   ``PUT {workspaceId}/jobs/{jobName}``) with its service's managed identity (the workspace's here,
   the factory's in a factory's master), which holds "AzureML Data Scientist" on the Azure ML
   workspace. The workspace has no public network access, yet the call needs no network path to it:
   with ``v1_legacy_mode`` off, job operations of the v2 API go through public ARM (Learn, "Network
   isolation change with our new API platform on Azure Resource Manager",
   machine-learning/how-to-configure-network-isolation-with-v2.md);
3. an Until loop polls ``GET {workspaceId}/jobs/{jobName}`` every minute until the job reaches a
   terminal status (Completed, Failed, Canceled, NotResponding), for at most three hours;
4. a Fail activity stops the run when the job did not complete, with the job's name and status as the
   run's error; otherwise ``nb_customer_360`` runs with ``stage=score``.

The job body is the SDK's REST form of :func:`job.training_job`; its code is the registered code
asset ``renewal-training`` at a version derived from the script's content (:mod:`.code`); the zone's
Azure ML workspace registers exactly that version (``stacks/data_services.py``: the script uploaded
to the workspace's storage, then ``CodeContainer`` and ``CodeVersion``), so a changed script gets a
new version rather than overwriting one. The master pipeline of a zone runs these activities
inlined (``cloudscale.pipelines.inline``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cloudscale.dataproducts.azureml import job as training
from cloudscale.dataproducts.azureml.code import CODE_ASSET, code_version
from cloudscale.dataproducts.contracts import catalog
from cloudscale.dataproducts.notebooks import SPARK_POOL, render

PRODUCT = "customer-360"
NAME = "pl_customer_360"
NOTEBOOK = "nb_customer_360"
WORKSPACE_ID = (
    "/subscriptions/{{ ml.subscriptionId }}/resourceGroups/{{ ml.resourceGroup }}"
    "/providers/Microsoft.MachineLearningServices/workspaces/{{ ml.workspace }}"
)
ARM = "https://management.azure.com"
JOB_URL = (
    f"@{{concat('{ARM}{WORKSPACE_ID}/jobs/lease-renewal-', pipeline().RunId, "
    f"'?api-version={training.JOBS_API_VERSION}')}}"
)
TERMINAL = ("Completed", "Failed", "Canceled", "NotResponding")


def _uri(table_id: str) -> str:
    """A workspace-lake table of the product's contract as the job's ``abfss`` input or output."""
    table = catalog.table(table_id)
    return f"abfss://{table.container}@{{{{ lake.workspace.account }}}}.dfs.core.windows.net/{table.path}"


def job_body() -> dict[str, Any]:
    # The features the notebook writes and the model the scoring stage reads: the contract's paths.
    job = training.training_job(
        compute=f"{WORKSPACE_ID}/computes/{{{{ ml.compute }}}}",
        features_uri=_uri("workspace/customer-360/staging/renewal_features"),
        model_uri=_uri("workspace/customer-360/models/renewal"),
        code=f"{WORKSPACE_ID}/codes/{CODE_ASSET}/versions/{code_version()}",
    )
    return training.rest_body(job)


def _policy(timeout: str, retry: int = 0) -> dict[str, Any]:
    return {
        "timeout": timeout,
        "retry": retry,
        "retryIntervalInSeconds": 60,
        "secureOutput": False,
        "secureInput": False,
    }


def _msi() -> dict[str, str]:
    return {"type": "MSI", "resource": f"{ARM}/"}


def _notebook(name: str, stage: str, after: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": name,
        "type": "SynapseNotebook",
        "dependsOn": after,
        "policy": _policy("0.02:00:00", retry=1),
        "userProperties": [],
        "typeProperties": {
            "notebook": {"referenceName": NOTEBOOK, "type": "NotebookReference"},
            "parameters": {"stage": {"value": stage, "type": "string"}},
            "snapshot": True,
            "sparkPool": {"referenceName": SPARK_POOL, "type": "BigDataPoolReference"},
        },
    }


def _after(activity: str, condition: str = "Succeeded") -> list[dict[str, Any]]:
    return [{"activity": activity, "dependencyConditions": [condition]}]


def _fail_after(step: str) -> dict[str, Any]:
    """A Fail activity run when ``step`` fails, so the run ends Failed with the step named."""
    return {
        "name": f"Fail {step.lower()}",
        "type": "Fail",
        "dependsOn": _after(step, "Failed"),
        "userProperties": [],
        "typeProperties": {"message": f"customer-360: {step.lower()} failed", "errorCode": "DATA_PRODUCT_FAILED"},
    }


def _submit_job() -> dict[str, Any]:
    return {
        "name": "Submit training job",
        "type": "WebActivity",
        "dependsOn": _after("Build features"),
        "policy": _policy("0.00:10:00", retry=2),
        "userProperties": [],
        "typeProperties": {
            "method": "PUT",
            "url": {"value": JOB_URL, "type": "Expression"},
            "headers": {"Content-Type": "application/json"},
            "body": job_body(),
            "authentication": _msi(),
        },
    }


def _wait_for_job() -> dict[str, Any]:
    """Poll the job every minute, keeping its status, until it reaches a terminal one (three hours at most)."""
    status = "@activity('Read training job status').output.properties.status"
    terminal = ", ".join(f"equals(variables('jobStatus'), '{s}')" for s in TERMINAL)
    return {
        "name": "Wait for training job",
        "type": "Until",
        "dependsOn": _after("Submit training job"),
        "userProperties": [],
        "typeProperties": {
            "expression": {"value": f"@or({terminal})", "type": "Expression"},
            "timeout": "0.03:00:00",
            "activities": [
                {
                    "name": "Pause",
                    "type": "Wait",
                    "dependsOn": [],
                    "userProperties": [],
                    "typeProperties": {"waitTimeInSeconds": 60},
                },
                {
                    "name": "Read training job status",
                    "type": "WebActivity",
                    "dependsOn": _after("Pause"),
                    "policy": _policy("0.00:05:00", retry=3),
                    "userProperties": [],
                    "typeProperties": {
                        "method": "GET",
                        "url": {"value": JOB_URL, "type": "Expression"},
                        "authentication": _msi(),
                    },
                },
                {
                    "name": "Keep job status",
                    "type": "SetVariable",
                    "dependsOn": _after("Read training job status"),
                    "userProperties": [],
                    "typeProperties": {
                        "variableName": "jobStatus",
                        "value": {"value": status, "type": "Expression"},
                    },
                },
            ],
        },
    }


def _training_completed() -> dict[str, Any]:
    """Stop the run, naming the job and its status, when the job did not complete."""
    return {
        "name": "Training completed",
        "type": "IfCondition",
        "dependsOn": _after("Wait for training job"),
        "userProperties": [],
        "typeProperties": {
            "expression": {"value": "@equals(variables('jobStatus'), 'Completed')", "type": "Expression"},
            "ifFalseActivities": [
                {
                    "name": "Fail training",
                    "type": "Fail",
                    "dependsOn": [],
                    "userProperties": [],
                    "typeProperties": {
                        "message": {
                            "value": "@concat('Azure ML job lease-renewal-', pipeline().RunId, ' ended ', "
                            "variables('jobStatus'))",
                            "type": "Expression",
                        },
                        "errorCode": "RenewalTrainingFailed",
                    },
                }
            ],
            "ifTrueActivities": [],
        },
    }


def build_pipeline() -> dict[str, Any]:
    # "Training completed" fails only through its own "Fail training"; a generic Fail after it would
    # become the run's failed leaf and its message the run's error (run_paths.masked_failures).
    steps = ("Build features", "Submit training job", "Wait for training job", "Publish renewal predictions")
    return {
        "name": NAME,
        "properties": {
            "description": "Customer 360: renewal features, Azure ML training job, renewal predictions per customer.",
            "folder": {"name": "cloudscale/dataproducts"},
            "variables": {"jobStatus": {"type": "String", "defaultValue": "NotStarted"}},
            "activities": [
                _notebook("Build features", "features", []),
                _submit_job(),
                _wait_for_job(),
                _training_completed(),
                _notebook("Publish renewal predictions", "score", _after("Training completed")),
                *(_fail_after(step) for step in steps),
            ],
            "annotations": ["cloudscale", "data-product", PRODUCT],
        },
    }


def pipeline_path(pipelines_root: str | Path) -> Path:
    return Path(pipelines_root, "customer_360", "pipeline", f"{NAME}.json")


def write_pipeline(pipelines_root: str | Path) -> Path:
    path = pipeline_path(pipelines_root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(build_pipeline()), encoding="utf-8")
    return path
