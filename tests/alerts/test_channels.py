"""Channels against real counterparts: a local server that answers like Slack, a real
SMTP server (aiosmtpd), a signature-checking webhook receiver."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult

from alerts.channels import build_channels
from alerts.channels.email import EmailChannel
from alerts.channels.slack import SlackChannel
from alerts.channels.webhook import SIGNATURE_HEADER, WebhookChannel
from alerts.message import AlertMessage, Outlet
from core.config import EmailChannelConfig, SlackChannelConfig, WebhookChannelConfig
from core.netguard import ALLOW_ENV
from tests.alerts.servers import FakeSlack, Reply, SmtpServer

HOSTILE = "<!channel> Lavrov & Kobakhidze <script>alert(1)</script>"


@pytest.fixture(autouse=True)
def _loopback_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALLOW_ENV, "1")


def message(alert_id: int = 7, title: str = HOSTILE) -> AlertMessage:
    snippet = "Moscow is ready to restore diplomatic relations with Georgia & more"
    return AlertMessage(
        alert_id=alert_id, kind="article", rule="ge-ru-normalisation", channel="slack",
        title=title, url="https://tass.com/politics/1", source="tass_en", language="en",
        published=datetime(2026, 11, 20, 9, 30, tzinfo=UTC), snippet=snippet,
        highlights=[(0, 6), (snippet.index("Georgia"), snippet.index("Georgia") + 7)],
        matched=["Moscow", "Georgia"], story=3, score=4.0,
        others=[Outlet("tass_ru", "ru", "Галузин: Москва готова", "https://tass.ru/politika/2")],
    )


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def slack(url: str, **extra: Any) -> SlackChannel:
    return SlackChannel("slack", SlackChannelConfig(type="slack", webhook_url=url,
                                                    max_per_second=50, timeout=2, **extra))


def test_slack_payload_is_escaped_and_bolds_matches() -> None:
    with FakeSlack() as server:
        channel = slack(server.url)
        result = run(channel.send(message()))
        run(channel.aclose())
    assert result.ok
    payload = server.received[0]
    text = json.dumps(payload, ensure_ascii=False)
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "<script>" not in text
    assert payload["blocks"][0]["text"]["text"] == (
        "*<https://tass.com/politics/1|&lt;!channel&gt; Lavrov &amp; Kobakhidze "
        "&lt;script&gt;alert(1)&lt;/script&gt;>*")
    assert payload["blocks"][2]["text"]["text"] == (
        "*Moscow* is ready to restore diplomatic relations with *Georgia* &amp; more")
    assert "tass.ru/politika/2" in payload["blocks"][3]["text"]["text"]
    assert "tass_en" in payload["blocks"][1]["elements"][0]["text"]


def test_slack_sections_stay_within_the_limit_without_cutting_a_link() -> None:
    from dataclasses import replace

    from alerts.channels.slack import SECTION_LIMIT, alert_blocks

    long = replace(message(title="Грузия & Россия " * 400),  # 6,400 characters, "&" → "&amp;"
                   others=[Outlet("x", "ka", "სათაური " * 40, f"https://outlet{n}.example.ge/{'a' * 400}")
                           for n in range(20)])
    blocks = alert_blocks(long)
    title, others = blocks[0]["text"]["text"], blocks[3]["text"]["text"]
    for text in (title, others):
        assert len(text) <= SECTION_LIMIT
        assert text.count("<") == text.count(">")  # every link whole
    # A feed's 6,400-character title is shortened to what a reader takes in.
    assert title.startswith("*<https://tass.com/politics/1|Грузия &amp; Россия") and \
        title.endswith("…>*") and len(title) < 500
    shown = others.count("• <https://outlet")
    assert 0 < shown < 20 and others.endswith(f"…and {20 - shown} more")


@pytest.mark.parametrize("replies, ok, permanent, retry_after, error", [
    ([Reply(429, "rate_limited", {"Retry-After": "7"})], False, False, 7.0, "429"),
    ([Reply(500, "internal_error")], False, False, None, "500"),
    ([Reply(404, "no_service")], False, True, None, "no_service"),
    ([Reply(400, "invalid_payload")], False, True, None, "invalid_payload"),
    ([Reply(403, "action_prohibited")], False, True, None, "action_prohibited"),
    ([Reply(410, "channel_is_archived")], False, True, None, "channel_is_archived"),
])
def test_slack_answers_are_classified(replies: list[Reply], ok: bool, permanent: bool,
                                      retry_after: float | None, error: str) -> None:
    with FakeSlack() as server:
        server.replies.extend(replies)
        channel = slack(server.url)
        result = run(channel.send(message()))
        run(channel.aclose())
    assert (result.ok, result.permanent, result.retry_after) == (ok, permanent, retry_after)
    assert error in result.error


def test_unreachable_slack_and_private_address_are_classified(
        monkeypatch: pytest.MonkeyPatch) -> None:
    channel = slack("http://127.0.0.1:9/services/x")
    result = run(channel.send(message()))
    assert not result.ok and not result.permanent and "connection failed" in result.error
    monkeypatch.delenv(ALLOW_ENV)
    result = run(channel.send(message()))
    run(channel.aclose())
    assert result.permanent and "non-public address" in result.error


def test_dry_run_renders_without_sending() -> None:
    with FakeSlack() as server:
        channel = slack(server.url, dry_run=True)
        assert run(channel.send(message())).ok
        assert "ge-ru-normalisation" in channel.render(message())
        run(channel.aclose())
    assert server.received == []


def test_webhook_signs_the_body() -> None:
    with FakeSlack() as server:
        channel = WebhookChannel("webhook", WebhookChannelConfig(
            type="webhook", url=server.url, secret="s3cret", timeout=2))
        assert run(channel.send(message())).ok
        run(channel.aclose())
    body = server.raw[0]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert server.headers_seen[0][SIGNATURE_HEADER] == expected
    alert = json.loads(body)["alerts"][0]
    assert alert["title"] == HOSTILE and alert["published"] == "2026-11-20T09:30:00Z"


def email_channel(port: int) -> EmailChannel:
    return EmailChannel("email", EmailChannelConfig(
        type="email", host="127.0.0.1", port=port, security="none", sender="monitor@test",
        recipients=["desk@test", "analyst@test"], timeout=5))


def test_email_arrives_readable_escaped_and_with_a_stable_message_id() -> None:
    with SmtpServer() as smtp:
        channel = email_channel(smtp.port)
        assert run(channel.send(message(title=HOSTILE + "\r\nBcc: victim@evil.test"))).ok
    mail = smtp.handler.messages[0]
    assert mail["Message-ID"] == "<alert-7@media-monitor>"
    assert mail["Subject"].startswith("[ge-ru-normalisation] <!channel> Lavrov")
    # the line break became a space inside the Subject (long headers are folded, which
    # is not a new header): no Bcc header was injected
    assert mail["Bcc"] is None and mail.get_all("Subject") == [mail["Subject"]]
    assert "Kobakhidze <script>alert(1)</script> Bcc: victim" in " ".join(mail["Subject"].split())
    parts = {part.get_content_type(): part.get_payload(decode=True).decode()
             for part in mail.walk() if not part.is_multipart()}
    assert "<script>" not in parts["text/html"]
    assert "&lt;script&gt;" in parts["text/html"]
    assert "<b>Moscow</b>" in parts["text/html"]
    assert "https://tass.com/politics/1" in parts["text/plain"]
    assert "Moscow is ready to restore" in parts["text/plain"]


def test_email_4xx_is_retried_and_5xx_is_permanent() -> None:
    with SmtpServer() as smtp:
        smtp.handler.replies.extend(["451 4.3.0 try again later", "550 5.1.1 no such user"])
        channel = email_channel(smtp.port)
        first, second = run(channel.send(message())), run(channel.send(message()))
        third = run(channel.send(message()))
    assert not first.ok and not first.permanent and "451" in first.error
    assert second.permanent and "550" in second.error
    assert third.ok and len(smtp.handler.messages) == 1


def test_disabled_channels_are_reported_with_their_reason() -> None:
    enabled, disabled = build_channels({
        "slack": SlackChannelConfig(type="slack", webhook_url=""),
        "email": EmailChannelConfig(type="email", host="smtp.test", sender="a@test",
                                    recipients=["b@test"]),
    })
    assert list(enabled) == ["email"]
    assert "SLACK_WEBHOOK_URL" in disabled["slack"]


SECRET = "s3cret-Pa55"


def refuse_login(server: Any, session: Any, envelope: Any, mechanism: str,
                 auth_data: Any) -> AuthResult:
    return AuthResult(success=False, handled=False)


def refuse_login_echoing_it(server: Any, session: Any, envelope: Any, mechanism: str,
                            auth_data: Any) -> AuthResult:
    # A broken or hostile server that quotes the credentials back in its refusal.
    plain = base64.b64encode(f"\0{auth_data.login.decode()}\0{SECRET}".encode()).decode()
    return AuthResult(success=False, handled=False,
                      message=f"535 5.7.8 bad {auth_data.login.decode()}:"
                              f"{auth_data.password.decode()} ({plain})")


@pytest.mark.parametrize("authenticator", [refuse_login, refuse_login_echoing_it])
def test_smtp_login_refused_is_permanent_clear_and_never_shows_the_password(
        authenticator: Any, caplog: pytest.LogCaptureFixture) -> None:
    with SmtpServer(authenticator) as smtp:
        channel = EmailChannel("email", EmailChannelConfig(
            type="email", host="127.0.0.1", port=smtp.port, security="none",
            username="monitor", password=SECRET, sender="monitor@test",
            recipients=["desk@test"], timeout=5))
        result = run(channel.send(message()))
    assert not result.ok and result.permanent
    assert "SMTP login refused for user 'monitor'" in result.error and "535" in result.error
    shown = result.error + repr(result) + caplog.text
    for form in (SECRET, base64.b64encode(SECRET.encode()).decode(),
                 base64.b64encode(f"\0monitor\0{SECRET}".encode()).decode()):
        assert form not in shown
    assert not smtp.handler.messages


def test_a_password_is_not_sent_unencrypted_to_a_remote_server() -> None:
    config = EmailChannelConfig(type="email", host="smtp.example.org", security="none",
                                username="monitor", password=SECRET, sender="a@test",
                                recipients=["b@test"])
    reason = config.disabled_reason()
    assert reason is not None and "unencrypted" in reason
    assert config.model_copy(update={"security": "starttls"}).disabled_reason() is None
