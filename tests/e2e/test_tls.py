"""TLS through the real command against a local HTTPS server: a certificate from an
untrusted authority fails the source with a message naming the cause and the remedy,
and the same authority added through SSL_CERT_FILE (how mid.ru's Russian Trusted Root
is trusted in production) makes the source fetch."""

from __future__ import annotations

import datetime
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.e2e.helpers import run_monitor, sources_json

pytestmark = pytest.mark.slow

FEED = ("""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>MID</title>
<item><title>Briefing on relations with Georgia</title><link>https://localhost/en/1</link>
<description>""" + "Comment on Russia-Georgia relations and direct flights. " * 12
        + "</description></item></channel></rss>").encode()


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_authority_and_certificate(directory: Path) -> tuple[Path, Path]:
    """A root CA (ca.pem) and a certificate for localhost it signed (server.pem, with key)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    authority = (
        x509.CertificateBuilder().subject_name(_name("Test Trusted Root CA"))
        .issuer_name(_name("Test Trusted Root CA")).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .sign(ca_key, hashes.SHA256()))
    certificate = (
        x509.CertificateBuilder().subject_name(_name("localhost")).issuer_name(authority.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(ca_key, hashes.SHA256()))
    ca_file, server_file = directory / "ca.pem", directory / "server.pem"
    ca_file.write_bytes(authority.public_bytes(serialization.Encoding.PEM))
    server_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return ca_file, server_file


class _FeedHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("Content-Length", str(len(FEED)))
        self.end_headers()
        self.wfile.write(FEED)


@pytest.fixture
def https_feed(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    ca_file, server_file = make_authority_and_certificate(tmp_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FeedHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(server_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://localhost:{server.server_address[1]}/en/rss.php", ca_file
    finally:
        server.shutdown()
        server.server_close()


def test_an_untrusted_certificate_fails_clearly_and_a_ca_bundle_fixes_it(
        tmp_path: Path, https_feed: tuple[str, Path]) -> None:
    url, ca_file = https_feed
    config = tmp_path / "settings.toml"
    config.write_text(f"""
[crawler]
download_timeout = 5
retry_times = 0
fetch_pages = false

[[sources]]
name = "mid_en"
language = "en"
domains = ["localhost"]
[[sources.routes]]
type = "feed"
url = "{url}"

[channels.console]
type = "console"
""", "utf-8")
    db_url = f"sqlite:///{tmp_path / 'tls.db'}"
    no_such_authority = tmp_path / "empty-bundle.pem"
    no_such_authority.write_text("", "utf-8")
    # Where Scrapy's remote control would write its job file (token included): it is off.
    state = tmp_path / "state"
    loopback = {"MONITOR_ALLOW_PRIVATE_NETWORKS": "1", "XDG_STATE_HOME": str(state)}

    refused = run_monitor(config, db_url, "run-once",
                          env={**loopback, "SSL_CERT_FILE": str(no_such_authority)})
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr  # a network failure is one named line
    health = sources_json(config, db_url)["mid_en"]
    assert health["state"] == "failing"
    assert "certificate verify failed" in health["last_error"]
    assert "SSL_CERT_FILE" in health["last_error"]

    trusted = run_monitor(config, db_url, "run-once", env={**loopback, "SSL_CERT_FILE": str(ca_file)})
    assert trusted.returncode == 0, trusted.stdout + trusted.stderr
    health = sources_json(config, db_url)["mid_en"]
    assert health["state"] == "ok" and health["items_seen"] == 1, health
    assert "1 new" in trusted.stderr
    assert not (state / "scrapy").exists()
