"""Reminders that always arrive, once: visit reminders, confirmations and pain check-ins.

The feature is declared in `feature.py`; `store`, `times` and `dispatcher` hold the logic.
"""
