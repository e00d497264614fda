"""Refuse to fetch from, or post to, loopback, private, link-local, CGNAT and other
non-public addresses (checked on the resolved address), unless the operator
allows it with MONITOR_ALLOW_PRIVATE_NETWORKS=1. A feed cannot make the monitor
probe the network it runs in (169.254.169.254, the database, the admin panel)."""

from __future__ import annotations

import ipaddress
import os
import socket
from urllib.parse import urlsplit

ALLOW_ENV = "MONITOR_ALLOW_PRIVATE_NETWORKS"


class BlockedAddress(Exception):
    """The URL's host resolves to an address the monitor must not contact."""


def private_networks_allowed() -> bool:
    return os.environ.get(ALLOW_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    # is_global excludes private, loopback, link-local, CGNAT (100.64/10), reserved, ...
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> None:
    """Raise BlockedAddress unless every address of the URL's host is public."""
    if private_networks_allowed():
        return
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        raise BlockedAddress(f"{url}: only http(s) URLs are fetched")
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise BlockedAddress(f"{host}: cannot be resolved ({exc.strerror})") from None
    for info in infos:
        address = str(info[4][0])
        if not is_public(address):
            raise BlockedAddress(f"{host} resolves to non-public address {address}")
