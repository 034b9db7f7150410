"""The local-fake fixtures (TLS files, credentials, the Synapse fake) shared by every data-plane test."""

from .test_synapse_dataplane import fake, issued_credentials, tls_files

__all__ = ["fake", "issued_credentials", "tls_files"]
