from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from core.config import interpolate, load_settings, parse_settings
from core.errors import ConfigError
from tests.conftest import SETTINGS


def shipped() -> dict:
    return tomllib.loads(SETTINGS.read_text("utf-8"))


def test_shipped_settings_are_valid_with_every_default_source() -> None:
    settings = load_settings(SETTINGS, environ={})
    assert [s.name for s in settings.sources] == [
        "tass_en", "tass_ru", "sputnik_en", "sputnik_ge_ru", "sputnik_ge_ka", "civil_en", "civil_ru",
        "civil_ka",
        "mid_en", "mid_ru", "mfa_ge_en",
    ]
    assert settings.source("mfa_ge_en").routes[0].type == "listing"
    assert settings.source("tass_ru").routes[0].url == "https://tass.ru/rss/v2.xml"
    assert set(settings.disabled_channels()) == {"slack", "email", "webhook"}
    assert settings.rules and all("console" in r.channels for r in settings.rules)


def test_secrets_come_from_the_environment() -> None:
    env = {"SLACK_WEBHOOK_URL": "https://hooks.slack.test/T/B/x", "SMTP_HOST": "mail.test",
           "SMTP_PORT": "2525", "ALERT_EMAIL_FROM": "m@test", "ALERT_EMAIL_TO": "a@test, b@test",
           "SMTP_SECURITY": "ssl"}
    settings = load_settings(SETTINGS, environ=env)
    assert settings.disabled_channels() == {"webhook": "url is empty (set WEBHOOK_URL)"}
    email = settings.channels["email"]
    assert email.recipients == ["a@test", "b@test"] and email.port == 2525  # type: ignore[union-attr]


def test_interpolation_defaults_and_unset() -> None:
    env = {"A": "1"}
    assert interpolate({"x": ["${A}", "${B:-two}", "${B}", "$A"]}, env) == {"x": ["1", "two", "", "$A"]}


def test_db_url_from_environment_overrides_the_file() -> None:
    settings = parse_settings(shipped(), environ={"MONITOR_DB_URL": "sqlite:///elsewhere.db"})
    assert settings.storage.url == "sqlite:///elsewhere.db"


def _break(mutate) -> ConfigError:  # type: ignore[no-untyped-def]
    data = shipped()
    mutate(data)
    with pytest.raises(ConfigError) as caught:
        parse_settings(data, "settings.toml", environ={})
    return caught.value


@pytest.mark.parametrize("mutate, key, problem", [
    (lambda d: d["crawler"].update(speed=3), "crawler.speed", "unknown key"),
    (lambda d: d["crawler"].update(download_timeout="fast"), "crawler.download_timeout",
     "valid number"),
    (lambda d: d["sources"][2]["routes"][0].update(url="htp://x"), "sources[2].routes[0].url",
     "not an http(s) URL"),
    (lambda d: d["rules"][0].update(channels=["pager"]), "rules[0].channels",
     "unknown channel 'pager'"),
    (lambda d: d["sources"][1].update(name="tass_en"), "sources[1].name",
     "duplicate source name 'tass_en'"),
    (lambda d: d["sources"][0].pop("routes"), "sources[0].routes", "required key is missing"),
    (lambda d: d["server"].update(listen="nowhere"), "server.listen", "expected HOST:PORT"),
    (lambda d: d["channels"]["slack"].update(timezone="Mars/Base"), "channels.slack.timezone",
     "unknown time zone 'Mars/Base'"),
    (lambda d: d["sources"][3]["extract"].update(timezone="MSK"), "sources[3].extract.timezone",
     "unknown time zone 'MSK'"),
    (lambda d: d["channels"]["email"].update(quiet_hours="25:00-07:00"),
     "channels.email.quiet_hours", "expected HH:MM-HH:MM"),
    (lambda d: d["channels"]["email"].update(digest_cron="0 25 * * *"),
     "channels.email.digest_cron", "not a crontab line"),
    (lambda d: d["sources"][0]["extract"].update(title=["h1[[[.news"]),
     "sources[0].extract.title[0]", "not a CSS selector"),
    (lambda d: d["channels"]["slack"].update(type="pager"), "channels.slack",
     "does not match any of the expected tags"),
])
def test_invalid_settings_name_key_and_problem(mutate, key: str, problem: str) -> None:  # type: ignore[no-untyped-def]
    error = _break(mutate)
    assert error.file == "settings.toml"
    assert error.key == key
    assert problem in error.problem
    assert str(error).startswith(f"settings.toml: {key}: ")


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(tmp_path / "missing.toml", environ={})
    bad = tmp_path / "bad.toml"
    bad.write_text("[storage\nurl = 1", "utf-8")
    with pytest.raises(ConfigError, match="TOML syntax error"):
        load_settings(bad, environ={})


def test_secrets_from_files(tmp_path: Path) -> None:
    secret = tmp_path / "slack"
    secret.write_text("https://hooks.slack.test/T/B/file\n", "utf-8")
    settings = load_settings(SETTINGS, environ={"SLACK_WEBHOOK_URL_FILE": str(secret)})
    assert settings.channels["slack"].webhook_url == "https://hooks.slack.test/T/B/file"  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match="SLACK_WEBHOOK_URL_FILE: cannot read"):
        load_settings(SETTINGS, environ={"SLACK_WEBHOOK_URL_FILE": str(tmp_path / "none")})
