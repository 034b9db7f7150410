"""The lake's data plane: folders, POSIX ACLs and seed data on the zone's ADLS Gen2 accounts.

The control plane (``pulumi up``) creates the accounts and their containers; this package reads the
stack's outputs and, with ``azure-storage-file-datalake``, lays out the folders inside them, grants
the teams and the platform's identities access by ACL, and uploads sample data.
"""
