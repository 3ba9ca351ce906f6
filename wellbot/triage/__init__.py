"""Triage: every typed message is read for emergencies before anything else sees it."""
