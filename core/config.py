"""settings.toml → typed, validated settings (validated once, at start-up).

Every default lives in the models below, so the shipped settings.toml only says
what differs. ``${VAR}`` and ``${VAR:-default}`` in any string are replaced from
the environment before validation; secrets therefore never live in the file.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from core.checks import (
    Selector,
    Timezone,
    check_cron,
    check_http_url,
    check_quiet_hours,
    check_regex,
)
from core.errors import ConfigError

DEFAULT_CONFIG = "settings.toml"
DEFAULT_DB_URL = "sqlite:///monitor.db"
BROWSER_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_NAME = r"^[a-z0-9][a-z0-9_\-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StorageConfig(_Strict):
    url: str = DEFAULT_DB_URL


class CrawlerConfig(_Strict):
    """Politeness and safety settings shared by every source."""

    user_agent: str = BROWSER_USER_AGENT
    obey_robots: bool = True
    download_timeout: float = Field(30.0, gt=0)
    download_maxsize: int = Field(10 * 1024 * 1024, gt=0)
    concurrent_requests: int = Field(16, ge=1)
    concurrent_requests_per_domain: int = Field(2, ge=1)
    download_delay: float = Field(0.5, ge=0)
    autothrottle: bool = True
    autothrottle_target_concurrency: float = Field(1.0, gt=0)
    max_redirects: int = Field(5, ge=0)
    retry_times: int = Field(1, ge=0)
    fetch_pages: bool = True
    # Feed text shorter than this is treated as a headline: the article page is fetched.
    min_feed_text: int = Field(400, ge=0)
    max_pages_per_source: int = Field(60, ge=0)
    # Cycles in which an article page that could not be had is asked for again.
    page_retries: int = Field(3, ge=0)


class ServerConfig(_Strict):
    listen: str = "127.0.0.1:8080"

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"expected HOST:PORT, got {value!r}")
        return value


class LoggingConfig(_Strict):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"


class DeliveryConfig(_Strict):
    max_attempts: int = Field(8, ge=1)
    backoff_base: float = Field(30.0, gt=0)
    backoff_max: float = Field(3600.0, gt=0)
    retry_after_max: float = Field(300.0, gt=0)
    batch_size: int = Field(100, ge=1)
    # A claimed alert not marked within this long is claimed again (at-least-once).
    lease_seconds: float = Field(300.0, gt=0)


class ExtractConfig(_Strict):
    """CSS selectors for a source's article pages; each list is tried in order."""

    title: list[Selector] = []
    lead: list[Selector] = []
    body: list[Selector] = []
    drop: list[Selector] = []
    published: list[Selector] = []
    author: list[Selector] = []
    tags: list[Selector] = []
    # Zone of dates printed without one (mid.ru prints Moscow time).
    timezone: Timezone = "UTC"
    date_formats: list[str] = []


class RouteConfig(_Strict):
    """One way to reach a source's items: a feed, an HTML listing or a news sitemap."""

    type: Literal["feed", "listing", "sitemap"] = "feed"
    url: str
    item: Selector = ""
    link: Selector = ""
    title: Selector = ""
    date: Selector = ""
    # A regular expression an article's URL must contain a match of: a listing's section,
    # tag, pagination and document links are not articles.
    link_pattern: str = ""

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_http_url(value)

    @field_validator("link_pattern")
    @classmethod
    def _pattern(cls, value: str) -> str:
        return check_regex(value)

    @model_validator(mode="after")
    def _listing_needs_selectors(self) -> RouteConfig:
        if self.type == "listing" and not (self.item and self.link):
            raise ValueError("a listing route needs 'item' and 'link' selectors")
        return self


class SourceConfig(_Strict):
    name: str = Field(pattern=_NAME)
    language: Literal["en", "ru", "ka"]
    routes: list[RouteConfig] = Field(min_length=1)
    enabled: bool = True
    interval: float = Field(300.0, ge=1)
    jitter: float = Field(30.0, ge=0)
    # No new item for this long marks the source stale.
    stale_after: float = Field(86400.0, gt=0)
    domains: list[str] = []
    force_https: bool = True
    extract: ExtractConfig = ExtractConfig()

    @property
    def allowed_domains(self) -> list[str]:
        """The source's own domains: configured, else the hosts of its routes."""
        if self.domains:
            return list(self.domains)
        hosts = {urlsplit(route.url).hostname or "" for route in self.routes}
        return sorted(h.removeprefix("www.") for h in hosts if h)


class _ChannelBase(_Strict):
    mode: Literal["immediate", "digest"] = "immediate"
    digest_cron: Annotated[str, AfterValidator(check_cron)] = "0 8 * * *"
    timezone: Timezone = "UTC"
    quiet_hours: Annotated[str, AfterValidator(check_quiet_hours)] = ""
    max_per_hour: int = Field(0, ge=0)
    dry_run: bool = False
    timeout: float = Field(10.0, gt=0)

    def disabled_reason(self) -> str | None:
        """Why this channel cannot send (an unset secret), or None."""
        return None


class ConsoleChannelConfig(_ChannelBase):
    type: Literal["console"]


class SlackChannelConfig(_ChannelBase):
    type: Literal["slack"]
    webhook_url: str = ""
    max_per_second: float = Field(1.0, gt=0)

    def disabled_reason(self) -> str | None:
        return None if self.webhook_url else "webhook_url is empty (set SLACK_WEBHOOK_URL)"

    @field_validator("webhook_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_http_url(value) if value else value


class EmailChannelConfig(_ChannelBase):
    type: Literal["email"]
    host: str = ""
    port: int = Field(0, ge=0, le=65535)
    username: str = ""
    password: str = ""
    security: Literal["none", "starttls", "ssl"] = "starttls"
    sender: str = ""
    recipients: list[str] = []

    @field_validator("recipients", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("port", mode="before")
    @classmethod
    def _port(cls, value: Any) -> Any:
        return 0 if value == "" else value

    def disabled_reason(self) -> str | None:
        if not self.host:
            return "host is empty (set SMTP_HOST)"
        if not self.sender or not self.recipients:
            return "sender or recipients empty (set ALERT_EMAIL_FROM and ALERT_EMAIL_TO)"
        if self.username and self.security == "none" and self.host not in LOOPBACK_HOSTS:
            return ("username is set but security = \"none\": the password would cross the "
                    "network unencrypted (use starttls or ssl)")
        return None

    @property
    def effective_port(self) -> int:
        return self.port or {"none": 25, "starttls": 587, "ssl": 465}[self.security]


LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class WebhookChannelConfig(_ChannelBase):
    type: Literal["webhook"]
    url: str = ""
    secret: str = ""

    def disabled_reason(self) -> str | None:
        return None if self.url else "url is empty (set WEBHOOK_URL)"

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_http_url(value) if value else value


ChannelConfig = Annotated[
    ConsoleChannelConfig | SlackChannelConfig | EmailChannelConfig | WebhookChannelConfig,
    Field(discriminator="type"),
]


class RuleConfig(_Strict):
    name: str = Field(pattern=_NAME)
    query: str = Field(min_length=1)
    channels: list[str] = Field(min_length=1)
    min_score: float = 0.0


class OperatorConfig(_Strict):
    """Where source-health transitions are reported."""

    channels: list[str] = ["console"]


class Settings(_Strict):
    storage: StorageConfig = StorageConfig()
    crawler: CrawlerConfig = CrawlerConfig()
    server: ServerConfig = ServerConfig()
    logging: LoggingConfig = LoggingConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    operator: OperatorConfig = OperatorConfig()
    channels: dict[str, ChannelConfig] = {}
    sources: list[SourceConfig] = []
    aliases: dict[str, list[str]] = {}
    rules: list[RuleConfig] = []

    @model_validator(mode="after")
    def _cross_references(self) -> Settings:
        seen: set[str] = set()
        for index, source in enumerate(self.sources):
            if source.name in seen:
                raise _KeyedError(f"sources[{index}].name", f"duplicate source name {source.name!r}")
            seen.add(source.name)
        rule_names: set[str] = set()
        for index, rule in enumerate(self.rules):
            if rule.name in rule_names:
                raise _KeyedError(f"rules[{index}].name", f"duplicate rule name {rule.name!r}")
            rule_names.add(rule.name)
            for channel in rule.channels:
                if channel not in self.channels:
                    known = ", ".join(sorted(self.channels)) or "none"
                    raise _KeyedError(
                        f"rules[{index}].channels",
                        f"unknown channel {channel!r} in rule {rule.name!r} (known: {known})",
                    )
        for channel in self.operator.channels:
            if channel not in self.channels:
                raise _KeyedError("operator.channels", f"unknown channel {channel!r}")
        return self

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(name)

    def disabled_channels(self) -> dict[str, str]:
        """Channels that cannot send, with the reason (start-up reports these)."""
        reasons = {name: ch.disabled_reason() for name, ch in self.channels.items()}
        return {name: reason for name, reason in reasons.items() if reason}


class _KeyedError(ValueError):
    """A cross-reference problem that knows which key it is about."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(problem)
        self.key = key
        self.problem = problem


def _lookup(name: str, default: str, environ: Mapping[str, str]) -> str:
    """``$NAME``, else the contents of the file named by ``$NAME_FILE`` (Docker and
    Kubernetes secrets), else the default."""
    if environ.get(name):
        return environ[name]
    secret_file = environ.get(f"{name}_FILE")
    if secret_file:
        try:
            return Path(secret_file).read_text("utf-8").strip()
        except OSError as exc:
            raise ConfigError(secret_file, f"{name}_FILE", f"cannot read: {exc.strerror}") from None
    return default


def interpolate(value: Any, environ: Mapping[str, str]) -> Any:
    """Replace ``${VAR}`` / ``${VAR:-default}`` in every string of a TOML tree."""
    if isinstance(value, str):
        return _VAR.sub(lambda m: _lookup(m.group(1), m.group(2) or "", environ), value)
    if isinstance(value, list):
        return [interpolate(item, environ) for item in value]
    if isinstance(value, dict):
        return {key: interpolate(item, environ) for key, item in value.items()}
    return value


def _key_path(loc: tuple[int | str, ...]) -> str:
    """Turn a pydantic error location into ``sources[3].routes[0].url`` form."""
    if len(loc) >= 4 and loc[0] == "channels":
        loc = loc[:2] + loc[3:]  # drop the union tag pydantic inserts after the channel name
    parts: list[str] = []
    for item in loc:
        parts.append(f"[{item}]" if isinstance(item, int) else ("." if parts else "") + str(item))
    return "".join(parts)


def _describe(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    if "input" in error and kind not in ("model_type", "dict_type"):
        shown = repr(error["input"])
        if len(shown) > 60:
            shown = shown[:57] + "..."
        return f"{message} (got {shown})"
    return message


def parse_settings(data: Mapping[str, Any], file: str = DEFAULT_CONFIG,
                   environ: Mapping[str, str] | None = None) -> Settings:
    """Validate an already-loaded TOML tree; raise ConfigError naming file, key, problem."""
    env = os.environ if environ is None else environ
    tree = interpolate(dict(data), env)
    db_url = env.get("MONITOR_DB_URL")
    if db_url:
        tree.setdefault("storage", {})
        tree["storage"] = {**tree["storage"], "url": db_url}
    try:
        return Settings.model_validate(tree)
    except ValidationError as exc:
        first = exc.errors()[0]
        ctx_error = first.get("ctx", {}).get("error")
        if isinstance(ctx_error, _KeyedError):
            raise ConfigError(file, ctx_error.key, ctx_error.problem) from None
        raise ConfigError(file, _key_path(first["loc"]), _describe(first)) from None


def load_settings(path: str | os.PathLike[str] | None = None,
                  environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate a settings file (``$MONITOR_CONFIG``, else ./settings.toml)."""
    env = os.environ if environ is None else environ
    file = Path(path or env.get("MONITOR_CONFIG") or DEFAULT_CONFIG)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ConfigError(str(file), "", f"cannot read: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(str(file), "", "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(file), "", f"TOML syntax error: {exc}") from None
    return parse_settings(data, str(file), env)
