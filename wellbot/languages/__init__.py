"""The patient's language: /language and the "Language" menu item (see wellbot.core.i18n for how it is used)."""
