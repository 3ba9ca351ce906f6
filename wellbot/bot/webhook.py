"""Webhook mode: where Telegram posts updates, and the secret it must send with them.

Polling stays the default. A host that prefers inbound HTTPS runs
`wellbot run --webhook URL --port N` behind its TLS proxy; every request must
carry the secret in `X-Telegram-Bot-Api-Secret-Token` (PTB's webhook server
answers 403 otherwise), so nobody who guesses the URL can inject updates.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from wellbot.core.errors import ConfigError
from wellbot.core.settings import Settings

SECRET_SETTING = "WELLBOT_WEBHOOK_SECRET"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram's setWebhook accepts
DERIVATION_LABEL = b"wellbot webhook secret v1"
DEFAULT_PORT = 8443
DEFAULT_LISTEN = "127.0.0.1"


@dataclass(frozen=True)
class WebhookConfig:
    """Everything `Application.run_webhook` / `Updater.start_webhook` need from us."""

    url: str
    url_path: str
    listen: str
    port: int
    secret: str

    def options(self) -> dict[str, object]:
        """Keyword arguments for PTB's run_webhook/start_webhook."""
        return {"listen": self.listen, "port": self.port, "url_path": self.url_path, "webhook_url": self.url,
                "secret_token": self.secret}


def webhook_secret(settings: Settings) -> str:
    """The configured secret, or one derived from the token (stable across restarts, never logged)."""
    configured = settings.extra.get(SECRET_SETTING, "")
    if configured:
        if not SECRET_PATTERN.fullmatch(configured):
            raise ConfigError(SECRET_SETTING, "must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return configured
    return hmac.new(settings.require_token().encode(), DERIVATION_LABEL, hashlib.sha256).hexdigest()


def webhook_config(settings: Settings, url: str, port: int, listen: str = DEFAULT_LISTEN) -> WebhookConfig:
    """Validate the public URL and port; the local path served is the URL's path."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ConfigError("--webhook", f"{url!r} must be a public https:// URL (Telegram only posts over HTTPS)")
    if parts.query or parts.fragment:
        raise ConfigError("--webhook", "the URL must not have a query or fragment")
    if not 1 <= port <= 65535:
        raise ConfigError("--port", f"{port} is not a TCP port")
    return WebhookConfig(url=url, url_path=parts.path.strip("/"), listen=listen, port=port,
                         secret=webhook_secret(settings))
