"""Errors that carry a message meant for an operator, not a traceback."""


class ConfigError(Exception):
    """A setting, clinic file or template is missing or malformed.

    `where` names the setting or file; the message says what is wrong, so the
    CLI can print one clear line and exit with code 2.
    """

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem
