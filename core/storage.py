"""Where attachment and raw-message bytes live: outside the database, behind one interface.

The database keeps only a storage key. The default is a local folder; an object store
(S3-compatible) can implement the same two methods for a multi-machine deployment.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from pathlib import Path
from typing import Protocol

from core.ids import new_id

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class BlobStore(Protocol):
    def put(self, *, tenant_id: uuid.UUID, filename: str, data: bytes) -> str:
        """Store bytes; returns the key to find them again."""
        ...

    def get(self, key: str) -> bytes:
        """The bytes under a key; KeyError if there are none."""
        ...


class LocalFolderStore:
    """Blobs as files under ``root/<tenant>/<yyyy-id>``; writes are atomic."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, *, tenant_id: uuid.UUID, filename: str, data: bytes) -> str:
        safe_name = _UNSAFE.sub("_", filename)[-100:] or "blob"
        key = f"{tenant_id}/{new_id()}-{safe_name}"
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)
        return key

    def get(self, key: str) -> bytes:
        path = self._path(key)
        if not path.is_file():
            raise KeyError(key)
        return path.read_bytes()

    def _path(self, key: str) -> Path:
        resolved = (self.root / key).resolve()
        if not resolved.is_relative_to(self.root.resolve()):
            raise KeyError(key)
        return resolved


def content_digest(data: bytes) -> str:
    """A SHA-256 hex digest, kept beside stored blobs so duplicates can be recognised."""
    return hashlib.sha256(data).hexdigest()
