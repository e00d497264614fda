"""A delivery process for the SIGKILL tests: delivers due alerts to a Slack-like URL
and kills itself with SIGKILL at the point the test names (``before-send`` or
``after-send``), or delivers normally (``none``).

    python -m tests.alerts.kill_worker DB_URL SLACK_URL POINT
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from alerts.channels.slack import SlackChannel
from alerts.message import AlertMessage
from alerts.outbox import deliver_due
from core.config import DeliveryConfig, SlackChannelConfig
from core.db import make_engine

CONFIG = DeliveryConfig(lease_seconds=1.0, backoff_base=1)


class KillingSlack(SlackChannel):
    point = "none"

    async def _send(self, message: AlertMessage) -> object:  # type: ignore[override]
        if self.point == "before-send":
            os.kill(os.getpid(), signal.SIGKILL)  # claimed, not sent
        result = await super()._send(message)
        if self.point == "after-send":
            os.kill(os.getpid(), signal.SIGKILL)  # sent, not marked
        return result


def main() -> None:
    db_url, slack_url, point = sys.argv[1:4]
    KillingSlack.point = point
    channel = KillingSlack("slack", SlackChannelConfig(type="slack", webhook_url=slack_url,
                                                       max_per_second=1000, timeout=5))
    report = asyncio.run(deliver_due(make_engine(db_url), {"slack": channel}, CONFIG))
    print(f"sent={report.sent}")


if __name__ == "__main__":
    main()
