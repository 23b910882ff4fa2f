"""The reproducible draw (docs/contracts.md, "Ranking rules", last criterion).

The lot of a person is SHA-256 of ``seed:person`` in hex: the same in Python (``lot_digest``,
which the explanations show) and in SQL (``sha256_sql``; SQLite is given the function that
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


def sha256_sql(expression: str) -> str:
    if connection.vendor == "postgresql":
        return f"encode(sha256(convert_to({expression}, 'UTF8')), 'hex')"
    return f"sha256_hex({expression})"
