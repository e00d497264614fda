"""Email over SMTP (plain, STARTTLS or SSL; optional login): multipart text + HTML
from Jinja2 templates with autoescaping, a subject naming the rule and the story,
and a stable Message-ID per alert so a resend is recognisable. Header values are
built by ``email.message.EmailMessage`` from text stripped of line breaks, so a
feed cannot inject headers. SMTP 4xx → retry; 5xx → permanent."""

from __future__ import annotations

import asyncio
import base64
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate
from functools import cache
from typing import TYPE_CHECKING, Any

from alerts.channels.base import Channel, SendResult, highlighted
from alerts.message import AlertMessage, shorten

if TYPE_CHECKING:
    from jinja2 import Environment


@cache
def _templates(html: bool) -> Environment:
    """The HTML templates autoescape, the text ones do not. Loaded with the first email,
    not at start: a cycle that sends none (most of them) never needs Jinja2."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    escape = select_autoescape(["html", "j2"], default=True) if html else False
    return Environment(loader=PackageLoader("alerts", "templates"), autoescape=escape,
                       trim_blocks=True, lstrip_blocks=True)


def _reply_text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def header_text(value: str, limit: int = 200) -> str:
    """One line of text, fit for a header."""
    flat = " ".join(value.replace("\r", " ").replace("\n", " ").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def message_id(alert_id: int | str) -> str:
    return f"<alert-{alert_id}@media-monitor>"


class EmailChannel(Channel):
    def subject(self, message: AlertMessage) -> str:
        if message.kind == "operator":
            return header_text(f"[monitor] {message.title}")
        return header_text(f"[{message.rule}] {message.title}")

    def build(self, messages: Sequence[AlertMessage], digest: bool = False) -> EmailMessage:
        first = messages[0]
        context: dict[str, Any] = {
            "messages": messages, "digest": digest, "timezone": self.config.timezone,
            "shorten": shorten,
            "snippets": [highlighted(m, "\x00b", "\x00/b") for m in messages],
        }
        email = EmailMessage()
        email["Subject"] = (header_text(f"[monitor] Digest: {len(messages)} alert(s)")
                            if digest else self.subject(first))
        email["From"] = header_text(self.config.sender)
        email["To"] = ", ".join(header_text(r) for r in self.config.recipients)
        email["Date"] = formatdate(usegmt=True)
        email["Message-ID"] = message_id(
            f"digest-{first.alert_id}-{len(messages)}" if digest else first.alert_id)
        text = _templates(html=False).get_template("email.txt").render(**context)
        html = _templates(html=True).get_template("email.html.j2").render(**context)
        email.set_content(text.replace("\x00b", "").replace("\x00/b", ""))
        # Bold marks survive escaping as NULs and become tags only afterwards.
        email.add_alternative(html.replace("\x00b", "<b>").replace("\x00/b", "</b>"),
                              subtype="html")
        return email

    def render(self, message: AlertMessage) -> str:
        return self.build([message]).as_string()

    async def _send(self, message: AlertMessage) -> SendResult:
        return await asyncio.to_thread(self._deliver, self.build([message]))

    async def _send_digest(self, messages: Sequence[AlertMessage]) -> SendResult:
        return await asyncio.to_thread(self._deliver, self.build(messages, digest=True))

    def _deliver(self, email: EmailMessage) -> SendResult:
        config = self.config
        try:
            smtp: smtplib.SMTP
            if config.security == "ssl":
                smtp = smtplib.SMTP_SSL(config.host, config.effective_port,
                                        timeout=config.timeout,
                                        context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(config.host, config.effective_port, timeout=config.timeout)
            with smtp:
                if config.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if config.username:
                    smtp.login(config.username, config.password)
                smtp.send_message(email)
        except smtplib.SMTPAuthenticationError as exc:
            # Wrong credentials will not fix themselves: permanent, and `monitor alerts
            # retry --failed` resends once the secret is corrected.
            detail = self._without_secret(_reply_text(exc.smtp_error))
            return SendResult.permanent_failure(
                f"SMTP login refused for user {config.username!r} (check the username and "
                f"password): {exc.smtp_code} {detail}")
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            return self._by_code(min(codes), f"recipients refused: {exc.recipients}")
        except smtplib.SMTPResponseException as exc:
            detail = self._without_secret(_reply_text(exc.smtp_error))
            return self._by_code(exc.smtp_code, f"SMTP {exc.smtp_code} {detail}")
        except (smtplib.SMTPException, OSError) as exc:
            # Connection refused, reset, timeout, TLS failure: try again later.
            return SendResult.transient(self._without_secret(f"{type(exc).__name__}: {exc}"))
        return SendResult.success()

    def _without_secret(self, text: str) -> str:
        """The text with the password, and the base64 forms AUTH PLAIN and LOGIN send,
        replaced: a server may echo what it was sent, and errors are stored and logged."""
        password = self.config.password
        if not password:
            return text
        user = self.config.username
        for form in (f"\0{user}\0{password}", password):
            encoded = base64.b64encode(form.encode()).decode()
            text = text.replace(encoded, "***").replace(encoded.rstrip("="), "***")
        return text.replace(password, "***")

    @staticmethod
    def _by_code(code: int, error: str) -> SendResult:
        if 400 <= code < 500:
            return SendResult.transient(error)
        return SendResult.permanent_failure(error)
