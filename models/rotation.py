"""Re-encrypting stored personal data under the newest key.

After prepending a new key to DATA_ENCRYPTION_KEY, ``rotate_all`` rewrites
every encrypted column with the primary key and recomputes lookup hashes, so
the old key can then be dropped from the list.
"""

from __future__ import annotations

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from models import crypto
from models.base import Base, EncryptedJSON, EncryptedText

# Lookup-hash columns and the encrypted column each one hashes.
HASHED = {
    ("residents", "line_key"): "line_user_id",
    ("residents", "phone_key"): "phone",
    ("notice_preferences", "area_key"): "area",
}


def encrypted_columns() -> dict[Table, list[str]]:
    found: dict[Table, list[str]] = {}
    for table in Base.metadata.sorted_tables:
        cols = [c.name for c in table.columns if isinstance(c.type, EncryptedText | EncryptedJSON)]
        if cols:
            found[table] = cols
    return found


def rotate_all(session: Session) -> int:
    """Re-encrypt every value; return how many rows were rewritten.

    Reading through the column type decrypts with any configured key; writing
    the same plain value back encrypts it with the primary key.
    """
    rewritten = 0
    for table, columns in encrypted_columns().items():
        pk = table.primary_key.columns.values()[0]
        rows = session.execute(select(pk, *[table.c[c] for c in columns])).mappings().all()
        for row in rows:
            values = {c: row[c] for c in columns if row[c] is not None}
            for (tname, hash_col), source in HASHED.items():
                if tname == table.name and row.get(source) is not None:
                    values[hash_col] = crypto.lookup_hash(row[source])
            if values:
                session.execute(update(table).where(pk == row[pk.name]).values(**values))
                rewritten += 1
    return rewritten
