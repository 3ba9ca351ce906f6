"""The FAQ feature: the clinic's questions and answers, browsed or searched in the patient's words.

`content` reads and validates the clinic's files, `store` keeps them in
SQLite, `search` finds entries (these three never import Telegram),
`loading` ties validation to the database, `handlers` is the thin bot layer
and `cli` adds `wellbot faq reload`.
"""
