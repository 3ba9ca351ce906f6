"""Conversation basics: what a typed message asks for before it is a FAQ question."""
