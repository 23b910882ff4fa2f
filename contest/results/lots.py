"""The reproducible draw (docs/contracts.md, "Ranking rules", last criterion).

The lot of a person is SHA-256 of ``seed:person`` in hex: the same in Python (``lot_digest``,
which the explanations show) and in SQL (``lot_sql``; SQLite is given the function that
PostgreSQL has), so anyone can recompute a draw from the published seed.
"""

import hashlib

from django.db import connection


def lot_digest(seed: str, person: str) -> str:
    """The lot value anyone can recompute: SHA-256 of ``seed:person`` in hex."""
    return hashlib.sha256(f"{seed}:{person}".encode()).hexdigest()


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """SQLite has no SHA-256: give it the same function PostgreSQL computes natively."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "sha256_hex",
            1,
            lambda text: None if text is None else hashlib.sha256(text.encode()).hexdigest(),
            deterministic=True,
        )


def lot_sql(expression: str) -> str:
    """SQL for the lot of ``expression`` (``seed:person``), as a value that sorts as the hex does.

    PostgreSQL keeps the 32 bytes of the digest (``bytea``, compared byte by byte): two hex
    digits per byte, ``0``–``9`` before ``a``–``f``, so the bytes and their hex sort in the
    same order, and the hex would cost a quarter more for a million people. SQLite compares
    the hex text byte by byte.
    """
    if connection.vendor == "postgresql":
        return f"sha256(convert_to({expression}, 'UTF8'))"
    return f"sha256_hex({expression})"
