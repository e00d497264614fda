"""Canonical URLs: the identity of an article."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

# Query parameters that only say where a reader came from.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "msclkid", "yclid", "mc_cid", "mc_eid", "igshid",
        "_ga", "_gl", "ref", "ref_src", "from", "rss", "utm", "spm", "cmpid", "ito",
        "ysclid", "_openstat", "amp",
    }
)
# The mobile and AMP renderings of an article are the article.
_MOBILE_HOSTS = ("m.", "amp.")
TRACKING_PREFIXES = ("utm_", "mtm_", "pk_", "hsa_", "oly_")


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonical_url(url: str, *, force_https: bool = False) -> str:
    """Lower-case scheme and host, drop tracking parameters, fragment and default port,
    the mobile or AMP host and path (m., amp., /amp, ?amp), a session id, empty path
    segments and the trailing slash (kept only for the root path), so that the URL
    variants feeds hand out for one article meet."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower() or "https"
    if force_https and scheme == "http":
        scheme = "https"
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if host.startswith(_MOBILE_HOSTS) and host.count(".") >= 2:
        host = host.split(".", 1)[1]
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    path = unquote(parts.path).split(";jsessionid=", 1)[0]
    path = "/".join(segment for segment in path.split("/") if segment)  # no "//", no trailing "/"
    path = path.removesuffix("/amp") if path != "amp" else ""
    path = "/" + quote(path, safe="/:@!$&'()*+,;=-._~%")
    query = urlencode(
        sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
               if not _is_tracking(k))
    ) if parts.query else ""
    return urlunsplit((scheme, host, path, query, ""))


def url_hash(canonical: str) -> str:
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def on_domains(url: str, domains: list[str]) -> bool:
    """True when the URL's host is one of ``domains`` or a subdomain of one."""
    host = host_of(url).removeprefix("www.")
    return any(host == d or host.endswith("." + d) for d in domains)
