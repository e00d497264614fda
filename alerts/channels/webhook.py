"""A JSON POST of the alert; with a secret, an HMAC-SHA256 signature of the body in
``X-Monitor-Signature: sha256=<hex>`` so the receiver can check where it came from."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence

from alerts.channels.base import SendResult
from alerts.channels.http import HttpChannel
from alerts.message import AlertMessage

SIGNATURE_HEADER = "X-Monitor-Signature"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class WebhookChannel(HttpChannel):
    def render(self, message: AlertMessage) -> str:
        return json.dumps(message.to_json(), ensure_ascii=False, indent=2)

    async def _send(self, message: AlertMessage) -> SendResult:
        return await self._post({"alerts": [message.to_json()]})

    async def _send_digest(self, messages: Sequence[AlertMessage]) -> SendResult:
        return await self._post({"digest": True, "alerts": [m.to_json() for m in messages]})

    async def _post(self, document: dict[str, object]) -> SendResult:
        body = json.dumps(document, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self.config.secret:
            headers[SIGNATURE_HEADER] = sign(self.config.secret, body)
        return await self.post(self.config.url, content=body, headers=headers)
