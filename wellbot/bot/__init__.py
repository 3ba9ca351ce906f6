"""Telegram plumbing: routing, messaging, rendering, callbacks, rate limits, webhook, heartbeat."""
