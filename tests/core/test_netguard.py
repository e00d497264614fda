from __future__ import annotations

import pytest

from core.netguard import ALLOW_ENV, BlockedAddress, check_url, is_public


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "0.0.0.0", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "224.0.0.1",
])
def test_non_public_addresses(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "185.12.1.1", "2a00:1450:4001:82a::200e"])
def test_public_addresses(address: str) -> None:
    assert is_public(address)


def test_check_url_resolves_and_refuses_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALLOW_ENV, raising=False)
    with pytest.raises(BlockedAddress, match=r"non-public address 127\.0\.0\.1"):
        check_url("http://localhost:8080/admin")
    with pytest.raises(BlockedAddress, match="only http"):
        check_url("file:///etc/passwd")
    monkeypatch.setenv(ALLOW_ENV, "1")
    check_url("http://localhost:8080/admin")
