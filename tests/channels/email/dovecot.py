"""A real Dovecot IMAP server on loopback for the email tests, started once per test session.

The master runs as the current user from a throw-away config: a passwd-file with two users,
maildirs under a temp dir, plain IMAP with STARTTLS and implicit-TLS IMAPS on free ports, and a
certificate signed by a CA made here, so clients verify TLS for real. As root (CI) Dovecot
insists on unprivileged login and mail users, so the package's ``dovenull`` and ``dovecot``
serve. Import the ``dovecot`` fixture explicitly in the test module that uses it.
"""

from __future__ import annotations

import datetime as dt
import grp
import imaplib
import ipaddress
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DOVECOT = "/usr/sbin/dovecot"
USERS = {"alice": "alice-secret", "bob": "bob-secret"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def write_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for localhost/127.0.0.1 signed by it: (ca, cert, key)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Switchboard test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = (
        directory / "ca.pem",
        directory / "cert.pem",
        directory / "key.pem",
    )
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return ca_path, cert_path, key_path


@dataclass
class DovecotServer:
    """A Dovecot process and what a client needs to reach it; ``restart`` keeps the maildirs."""

    root: Path
    imap_port: int
    imaps_port: int
    ca_path: Path
    users: dict[str, str] = field(default_factory=lambda: dict(USERS))
    host: str = "127.0.0.1"
    process: subprocess.Popen[bytes] | None = None

    @property
    def config_path(self) -> Path:
        return self.root / "dovecot.conf"

    @property
    def log_path(self) -> Path:
        return self.root / "dovecot.log"

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts only this server's test CA."""
        return ssl.create_default_context(cafile=str(self.ca_path))

    def start(self, timeout: float = 10.0) -> None:
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.config_path)],
            stdout=subprocess.DEVNULL,
            stderr=(self.root / "dovecot.stderr").open("ab"),
        )
        deadline = time.monotonic() + timeout
        while not (port_open(self.imap_port) and port_open(self.imaps_port)):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Dovecot did not start; see {self.log_path}:\n{self.log()}")
            time.sleep(0.05)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server and wait until its ports are closed."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        self.process = None
        deadline = time.monotonic() + timeout
        while port_open(self.imap_port) or port_open(self.imaps_port):
            if time.monotonic() > deadline:
                raise RuntimeError("Dovecot's ports stayed open after it stopped")
            time.sleep(0.05)

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        stderr = self.root / "dovecot.stderr"
        parts = [p.read_text(errors="replace") for p in (self.log_path, stderr) if p.exists()]
        return "\n".join(parts)[-4000:]

    def connect(self, user: str) -> imaplib.IMAP4_SSL:
        """A logged-in IMAPS client for test setup (APPEND, CREATE, DELETE)."""
        client = imaplib.IMAP4_SSL(
            self.host, self.imaps_port, ssl_context=self.ssl_context(), timeout=5
        )
        client.login(user, self.users[user])
        return client

    def create_folder(self, user: str, folder: str) -> None:
        client = self.connect(user)
        try:
            client.create(quote(folder))
        finally:
            client.logout()

    def append(self, user: str, folder: str, raw: bytes) -> None:
        """Put one message into ``folder``, as a mail client would."""
        client = self.connect(user)
        try:
            typ, data = client.append(quote(folder), "", None, raw)
            if typ != "OK":
                raise RuntimeError(f"APPEND failed: {data!r}")
        finally:
            client.logout()

    def uids(self, user: str, folder: str, criteria: str = "ALL") -> list[int]:
        """UIDs in ``folder`` matching a SEARCH criterion (``SEEN``, ``UNSEEN``, ``ALL``)."""
        client = self.connect(user)
        try:
            typ, data = client.select(quote(folder), readonly=True)
            if typ != "OK":
                return []
            typ, data = client.uid("SEARCH", criteria)
            return [int(uid) for uid in (data[0] or b"").split()]
        finally:
            client.logout()


def quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unprivileged_users() -> tuple[str, int, int]:
    """(login user, mail uid, mail gid): Dovecot refuses root for both, so as root (CI) use
    the users its Debian package creates; otherwise everything runs as the current user."""
    if os.getuid() != 0:
        return pwd.getpwuid(os.getuid()).pw_name, os.getuid(), os.getgid()
    mail_user = pwd.getpwnam("dovecot")
    return "dovenull", mail_user.pw_uid, mail_user.pw_gid


def write_config(server: DovecotServer, cert_path: Path, key_path: Path) -> None:
    """The whole Dovecot config in one file; nothing from /etc/dovecot is read."""
    root = server.root
    user = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    login_user, mail_uid, mail_gid = unprivileged_users()
    for directory in ("mail", "home"):
        (root / directory).mkdir()
        os.chown(root / directory, mail_uid, mail_gid)
    (root / "users").write_text(
        "".join(
            f"{name}:{{PLAIN}}{password}:{mail_uid}:{mail_gid}::{root / 'home' / name}::\n"
            for name, password in server.users.items()
        )
    )
    server.config_path.write_text(
        f"""\
protocols = imap
listen = 127.0.0.1
base_dir = {root / "run"}
state_dir = {root / "state"}
log_path = {server.log_path}
info_log_path = {server.log_path}
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {login_user}
first_valid_uid = {mail_uid}
first_valid_gid = {mail_gid}
mail_location = maildir:{root / "mail"}/%u
auth_mechanisms = plain login
disable_plaintext_auth = no
ssl = yes
ssl_cert = <{cert_path}
ssl_key = <{key_path}
ssl_min_protocol = TLSv1.2
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root / "users"}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root / "users"}
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {server.imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {server.imaps_port}
    ssl = yes
  }}
}}
service auth {{
  user = {user}
}}
service auth-worker {{
  user = {user}
}}
"""
    )


@pytest.fixture(scope="session")
def dovecot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DovecotServer]:
    """A running Dovecot; skipped where it is not installed, except in CI, where that fails."""
    if not Path(DOVECOT).exists():
        message = f"{DOVECOT} is not installed (apt-get install -y dovecot-imapd; .ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    if os.getuid() == 0:
        # the mail user must reach the maildirs, and pytest's temp root is private to root
        root = Path(tempfile.mkdtemp(prefix="switchboard-dovecot-"))
        root.chmod(0o755)
    else:
        root = tmp_path_factory.mktemp("dovecot")
    ca_path, cert_path, key_path = write_certificates(root)
    server = DovecotServer(
        root=root, imap_port=free_port(), imaps_port=free_port(), ca_path=ca_path
    )
    write_config(server, cert_path, key_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        if os.getuid() == 0:
            shutil.rmtree(root, ignore_errors=True)
