"""``cloudscale flow run``: a zone's composed pipelines played on this machine, from source-shaped
extracts to the serving views.

The flow plays the definitions the stack deploys (the composition the program uses, never a second
description): the master pipeline's activities in ``dependsOn`` order with their conditions, retries and
``Fail`` steps, the ingestion pipelines it executes, the notebooks on a local Spark 3.5, the Azure ML
training job as a local run of the bundled script, and the serving views in an embedded SQL engine
rendered from the same declaration as the serverless T-SQL. Sources are emulated from the sample data's
source renderings: Dataverse answers FetchXML, the ERP database runs the pipeline's own T-SQL, the
property system drops CSV files, Graph Data Connect filters by its date column, Cosmos DB's analytical
store is a folder. An activity the flow cannot play stops the run with the activity's name.
"""
