"""Run a coroutine on Scrapy's asyncio reactor (installed before anything imports
``twisted.internet.reactor``, which is why this module imports Twisted lazily)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

T = TypeVar("T")

ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"


def install_asyncio_reactor() -> None:
    from scrapy.utils.reactor import install_reactor, is_asyncio_reactor_installed

    try:
        install_reactor(ASYNCIO_REACTOR)
    except Exception:
        if not is_asyncio_reactor_installed():
            raise


def run_on_reactor(main: Callable[[], Awaitable[T]]) -> T:
    """Install the reactor, run ``main()`` on its event loop, stop, return its value."""
    install_asyncio_reactor()
    from twisted.internet import reactor as _reactor
    from twisted.internet.defer import Deferred

    reactor: Any = _reactor  # the installed reactor; its interfaces confuse the type checker

    outcome: dict[str, Any] = {}

    async def wrapper() -> None:
        try:
            outcome["value"] = await main()
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            reactor.callLater(0, reactor.stop)

    def start() -> None:
        Deferred.fromFuture(asyncio.ensure_future(wrapper()))

    reactor.callWhenRunning(start)
    # Signals are the daemon's to handle (finish the cycle in flight), not Twisted's.
    reactor.run(installSignalHandlers=False)
    if "error" in outcome:
        raise outcome["error"]
    return cast(T, outcome["value"])
