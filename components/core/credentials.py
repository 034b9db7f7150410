"""Credentials that dynamic providers build per call and must release afterwards."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential


def default_credential() -> TokenCredential:
    """``DefaultAzureCredential``, imported when a provider first needs it: the program that only
    declares resources (every ``pulumi preview`` and ``cloudscale plan``) never loads azure-identity."""
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential()


@contextmanager
def closing_credential(factory: Callable[[], TokenCredential]) -> Iterator[TokenCredential]:
    """A credential from ``factory``, closed on exit when it can be.

    DefaultAzureCredential holds HTTP sessions for its token sources; a bare TokenCredential need
    not be closeable at all.
    """
    credential = factory()
    try:
        yield credential
    finally:
        close = getattr(credential, "close", None)
        if callable(close):
            close()
