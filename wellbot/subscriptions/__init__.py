"""Health-news consent: opt in and out, topics, pause; every change an event.

The feature is declared in `feature.py`; `logic` holds the consent rules, `actions` the changes.
"""
