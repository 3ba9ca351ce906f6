"""wellbot: a Telegram bot for a pain-management and acupuncture clinic."""

__version__ = "0.1.0"
