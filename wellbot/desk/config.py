"""The desk's operator settings, from WELLBOT_DESK_LISTEN and WELLBOT_DESK_URL. No Telegram here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from wellbot.core.errors import ConfigError
from wellbot.core.settings import Settings

LISTEN, URL = "WELLBOT_DESK_LISTEN", "WELLBOT_DESK_URL"
# How long a Mini App's signed launch data is accepted: a staff member who leaves the
# desk open over lunch keeps working; a leaked request stops working the next day.
MAX_INIT_DATA_AGE = timedelta(hours=12)
MINI_APP_PATH = "/desk/"


@dataclass(frozen=True)
class DeskConfig:
    """Where the worker listens for the desk, and the address staff's Telegram opens."""

    host: str
    port: int
    public_url: str  # without a trailing slash, e.g. https://desk.clinic.example

    def mini_app_url(self, port: int | None = None) -> str:
        """The Mini App's address (with the bound port when listening on port 0)."""
        return self._base(port) + MINI_APP_PATH

    def feed_url(self, token: str, port: int | None = None) -> str:
        """A staff member's secret calendar-feed address."""
        return f"{self._base(port)}/desk/feed/{token}.ics"

    def _base(self, port: int | None) -> str:
        if port is not None and self.port == 0 and self.public_url == f"http://{self.host}:0":
            return f"http://{self.host}:{port}"
        return self.public_url


def desk_config(settings: Settings) -> DeskConfig | None:
    """The desk's settings, None when WELLBOT_DESK_LISTEN is unset; ConfigError when malformed."""
    listen = (settings.extra.get(LISTEN) or "").strip()
    if not listen:
        return None
    host, _, port_text = listen.rpartition(":")
    if not host or not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ConfigError(LISTEN, f"{listen!r} is not host:port (e.g. 127.0.0.1:8081)")
    url = (settings.extra.get(URL) or "").strip().rstrip("/") or f"http://{host}:{port_text}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(URL, f"{url!r} must be an http(s) address with no query (Telegram needs https)")
    return DeskConfig(host, int(port_text), url)
