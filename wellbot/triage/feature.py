"""The triage feature's declaration: a check on every typed text, and its clinic-file settings."""

from __future__ import annotations

from wellbot.bot.features import Feature
from wellbot.triage.handlers import check, screen

FEATURE = Feature(name="triage", text_checks=[screen], checks=[check])
