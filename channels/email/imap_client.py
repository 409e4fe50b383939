"""The IMAP side of polling a mailbox: connect, select, list new UIDs, fetch, mark processed.

A thin layer over the standard library's ``imaplib``, which speaks IMAP4rev1 with implicit TLS
and STARTTLS; nothing here knows about tenants or the database. Every server refusal raises
``ImapError``; socket and TLS failures surface as ``OSError`` (``ssl.SSLError`` included).
"""

from __future__ import annotations

import contextlib
import imaplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType

from core.models.mailbox import TransportSecurity


class ImapError(RuntimeError):
    """The IMAP server said NO or BAD, or answered in a way we cannot use."""


@dataclass(frozen=True, slots=True)
class ImapSettings:
    """Where and how to log in; the mailbox's ``imap_*`` columns."""

    host: str
    port: int
    security: TransportSecurity
    username: str
    password: str
    folder: str = "INBOX"
    processed_folder: str | None = None


def quote_mailbox_name(name: str) -> str:
    """An IMAP quoted string; ``imaplib`` sends arguments as given, so names with spaces break.
    (Non-ASCII names would need modified UTF-7, which mailbox settings do not allow yet.)"""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check(response: tuple[str, Sequence[object]], action: str) -> Sequence[object]:
    typ, data = response
    if typ != "OK":
        raise ImapError(f"{action} failed: {typ} {data!r}"[:500])
    return data


class ImapSession:
    """One logged-in connection with one folder selected; use as a context manager."""

    def __init__(
        self, settings: ImapSettings, *, ssl_context: ssl.SSLContext | None, timeout: float
    ) -> None:
        self.settings = settings
        self._ssl_context = ssl_context or ssl.create_default_context()
        self._timeout = timeout
        self._connection: imaplib.IMAP4 | None = None
        self.capabilities: frozenset[str] = frozenset()
        self.uidvalidity = 0

    def __enter__(self) -> ImapSession:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def connection(self) -> imaplib.IMAP4:
        if self._connection is None:
            raise ImapError("not connected")
        return self._connection

    def open(self) -> None:
        """Connect with the configured transport security, log in, select the folder."""
        settings = self.settings
        if settings.security is TransportSecurity.TLS:
            self._connection = imaplib.IMAP4_SSL(
                settings.host, settings.port, ssl_context=self._ssl_context, timeout=self._timeout
            )
        else:
            self._connection = imaplib.IMAP4(settings.host, settings.port, timeout=self._timeout)
            if settings.security is TransportSecurity.STARTTLS:
                self._connection.starttls(ssl_context=self._ssl_context)
        try:
            self._connection.login(settings.username, settings.password)
        except imaplib.IMAP4.error as exc:
            raise ImapError(f"login failed: {exc}") from exc
        capabilities = _check(self._connection.capability(), "CAPABILITY")
        self.capabilities = frozenset(
            word.upper()
            for line in capabilities
            if isinstance(line, bytes)
            for word in line.decode("ascii", "replace").split()
        )
        _check(self._connection.select(quote_mailbox_name(settings.folder)), "SELECT")
        _, uidvalidity = self._connection.response("UIDVALIDITY")
        if not uidvalidity or not isinstance(uidvalidity[0], bytes):
            raise ImapError("the server sent no UIDVALIDITY")
        self.uidvalidity = int(uidvalidity[0])

    def close(self) -> None:
        """Log out; never raises, since the server may already be gone."""
        if self._connection is None:
            return
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            self._connection.logout()
        self._connection = None

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs above ``last_uid``, ascending. ``N:*`` always matches the highest UID even when
        it is below N, so the answer is filtered rather than trusted."""
        data = _check(self.connection.uid("SEARCH", f"UID {last_uid + 1}:*"), "UID SEARCH")
        found = b" ".join(part for part in data if isinstance(part, bytes))
        return sorted(uid for uid in (int(word) for word in found.split()) if uid > last_uid)

    def fetch(self, uid: int) -> bytes | None:
        """The message's bytes exactly as stored, without setting \\Seen; None if it is gone."""
        data = _check(self.connection.uid("FETCH", str(uid), "(BODY.PEEK[])"), "UID FETCH")
        for part in data:
            if isinstance(part, tuple) and len(part) == 2 and b"BODY[]" in part[0]:
                return bytes(part[1])
        return None

    def ensure_folder(self, name: str) -> None:
        """Create and subscribe ``name`` unless it exists."""
        quoted = quote_mailbox_name(name)
        listed = _check(self.connection.list('""', quoted), "LIST")
        if any(item for item in listed):
            return
        _check(self.connection.create(quoted), "CREATE")
        self.connection.subscribe(quoted)

    def mark_processed(self, uid: int) -> None:
        """Move the message to the processed folder if one is set, else flag it \\Seen.

        Uses MOVE where the server offers it; otherwise COPY, flag \\Deleted, and expunge just
        that UID (UID EXPUNGE) when UIDPLUS allows, so others' deleted mail is not touched.
        """
        target = self.settings.processed_folder
        connection = self.connection
        if not target:
            _check(connection.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Seen)"), "UID STORE")
            return
        quoted = quote_mailbox_name(target)
        if "MOVE" in self.capabilities:
            _check(connection.uid("MOVE", str(uid), quoted), "UID MOVE")
            return
        _check(connection.uid("COPY", str(uid), quoted), "UID COPY")
        _check(connection.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Seen \Deleted)"), "UID STORE")
        if "UIDPLUS" in self.capabilities:
            _check(connection.uid("EXPUNGE", str(uid)), "UID EXPUNGE")
        else:
            _check(connection.expunge(), "EXPUNGE")
