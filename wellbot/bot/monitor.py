"""Serving what operators watch: /metrics (Prometheus text format) and /healthz, in polling and webhook mode.

`WELLBOT_METRICS_ADDRESS=127.0.0.1:9464` starts a small HTTP server in a
thread of its own when the worker starts (off when unset). Its answers come
from wellbot.core.monitor's registry and last health snapshot, which a
repeating job refreshes on the event loop. In webhook mode a second job asks
Telegram (getWebhookInfo) how many updates wait and whether delivery fails:
a broken proxy in front of the webhook then shows as unhealthy.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import make_wsgi_app
from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from wellbot.bot.deps import DEPS_KEY, Deps, WellbotContext
from wellbot.bot.features import Feature
from wellbot.core.deps import WEBHOOK
from wellbot.core.errors import ConfigError
from wellbot.core.monitor import REFRESH_SECONDS, Monitor, WebhookView

log = logging.getLogger(__name__)

ADDRESS_SETTING = "WELLBOT_METRICS_ADDRESS"
REFRESH_JOB = "wellbot-monitor-refresh"
WEBHOOK_INFO_JOB = "wellbot-webhook-info"
WEBHOOK_INFO_SECONDS = 60.0  # Telegram's view changes slowly; once a minute costs nothing
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
SERVER_KEY = "monitor_server"
SEND_PREFIXES = ("send", "copyMessage", "forwardMessage")  # Bot API methods that deliver a message


@dataclass(frozen=True)
class Address:
    """Where the metrics server listens."""

    host: str
    port: int


def metrics_address(extra: dict[str, str] | Any) -> Address | None:
    """WELLBOT_METRICS_ADDRESS as host:port (or just a port, on 127.0.0.1); None when unset."""
    text = (extra.get(ADDRESS_SETTING) or "").strip()
    if not text:
        return None
    host, _, port = text.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ConfigError(ADDRESS_SETTING, f"{text!r} is not host:port (for example 127.0.0.1:9464)")
    return Address(host, int(port))


def send_outcome(error: BaseException | None) -> str:
    """A send's outcome label: ok, 429, 403, 400, 5xx (Telegram's side) or network (ours)."""
    if error is None:
        return "ok"
    if isinstance(error, RetryAfter):
        return "429"
    if isinstance(error, Forbidden):
        return "403"
    if isinstance(error, TimedOut):
        return "network"
    if isinstance(error, NetworkError) and type(error) is NetworkError:
        # PTB raises a bare NetworkError for 5xx answers ("Bad Gateway") and for failed connections.
        return "network" if "HTTP implementation" in str(error) else "5xx"
    if isinstance(error, TelegramError):
        return "400"
    return "network"


def observe_send(endpoint: str, callback: Callable[..., Any], monitor: Monitor) -> Callable[..., Any]:
    """`callback` (one Bot API request), counting its outcome if `endpoint` sends a message."""
    if not endpoint.startswith(SEND_PREFIXES):
        return callback

    async def counted(*args: Any, **kwargs: Any) -> Any:
        try:
            result = await callback(*args, **kwargs)
        except BaseException as exc:
            monitor.sent(send_outcome(exc))
            raise
        monitor.sent("ok")
        return result

    return counted


def push_outcome(outcome: str, error: str) -> str:
    """The send label for a bulk push on the wire (wellbot.newsletter.wire), from its Outcome value and error."""
    if outcome == "sent":
        return "ok"
    if outcome == "retry_after":
        return "429"
    if outcome == "blocked":
        return "403" if error.startswith("Forbidden") else "400"  # else 400 "chat not found": gone too
    if outcome == "transient":
        # Timeouts and socket errors are ours; anything else transient is Telegram's 5xx.
        return "network" if ("timed out" in error.lower() or "timeout" in error.lower() or ": " in error) else "5xx"
    return "400"


class CountedMessenger:
    """A bulk messenger whose pushes are counted by outcome (the wire path bypasses the rate limiter)."""

    def __init__(self, inner: Any, monitor: Monitor) -> None:
        self.inner = inner
        self.monitor = monitor

    async def push(self, delivery: Any) -> Any:
        """Push through the inner messenger; count what it came to."""
        result = await self.inner.push(delivery)
        self.monitor.sent(push_outcome(result.outcome.value, result.error))
        return result


class _QuietHandler(WSGIRequestHandler):
    """No access log on standard error: scrapes every few seconds would drown the worker's own lines."""

    def log_message(self, format: str, *args: Any) -> None:
        """Say nothing."""


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def wsgi_app(monitor: Monitor) -> Callable[..., Iterable[bytes]]:
    """/metrics from the registry, /healthz from the last snapshot (200 or 503 with reasons), else 404."""
    metrics = make_wsgi_app(monitor.registry)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == METRICS_PATH:
            return metrics(environ, start_response)  # type: ignore[no-any-return]
        if path == HEALTH_PATH:
            body = monitor.health()
            status = "200 OK" if body["healthy"] else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json")])
            return [json.dumps(body).encode()]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found: try /metrics or /healthz\n"]

    return app


def serve(monitor: Monitor, address: Address) -> WSGIServer:
    """Start the HTTP server in a daemon thread; ConfigError if the address cannot be bound."""
    try:
        server = make_server(address.host, address.port, wsgi_app(monitor), _ThreadingServer, _QuietHandler)
    except OSError as exc:
        raise ConfigError(ADDRESS_SETTING, f"cannot listen on {address.host}:{address.port}: "
                                           f"{exc.strerror or exc}") from None
    threading.Thread(target=server.serve_forever, name="wellbot-metrics", daemon=True).start()
    return server


async def refresh(context: WellbotContext) -> None:
    """Re-read gauges and health on the loop (a job: it stops when the loop does, and health goes stale)."""
    refresh_now(context.application, context.deps)


def refresh_now(application: Application, deps: Deps) -> None:
    """One refresh: is the receiver running, what waits in the queues, who holds the lease."""
    monitor = deps.monitor
    updater = application.updater
    monitor.view.receiving = bool(updater is not None and updater.running)
    monitor.view.mode = deps.worker_mode
    monitor.view.worker_id = getattr(deps, "worker_id", None)  # the lease id (issue 15), when it exists
    monitor.refresh(deps.db, deps.clock.now(), {"updates": application.update_queue.qsize()})


async def ask_webhook_info(context: WellbotContext) -> None:
    """Telegram's view of the webhook: pending updates and the last delivery error."""
    try:
        info = await context.bot.get_webhook_info()
    except TelegramError as exc:
        log.warning("getWebhookInfo failed error=%s", type(exc).__name__)
        return
    error_date = info.last_error_date
    context.deps.monitor.webhook_info(WebhookView(
        url=info.url, pending_update_count=info.pending_update_count,
        last_error_date=int(error_date.timestamp()) if error_date else None,
        last_error_message=info.last_error_message))


async def start_monitor(application: Application) -> None:
    """Schedule the refreshes and start the metrics server when an address is configured."""
    deps: Deps = application.bot_data[DEPS_KEY]
    address = metrics_address(deps.settings.extra)
    if address is not None:
        application.bot_data[SERVER_KEY] = serve(deps.monitor, address)
        log.info("metrics serving address=%s:%s paths=%s,%s", address.host, address.port, METRICS_PATH, HEALTH_PATH)
    if application.job_queue is None:
        return
    application.job_queue.run_repeating(refresh, interval=REFRESH_SECONDS, first=0.1, name=REFRESH_JOB)
    if deps.worker_mode == WEBHOOK:
        application.job_queue.run_repeating(ask_webhook_info, interval=WEBHOOK_INFO_SECONDS, first=1.0,
                                            name=WEBHOOK_INFO_JOB)


async def stop_monitor(application: Application) -> None:
    """Stop the metrics server (its port is free again for the next start)."""
    server = application.bot_data.pop(SERVER_KEY, None)
    if server is not None:
        server.shutdown()
        server.server_close()


def check_address(deps: Deps) -> None:
    """`wellbot check` and start-up: the address must parse."""
    metrics_address(deps.settings.extra)


FEATURE = Feature(name="monitor", startup=[start_monitor], shutdown=[stop_monitor], checks=[check_address])
