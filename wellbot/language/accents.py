"""Text without accents, for reading what patients type: "menú" and "menu", "sí" and "si" are the same word."""

from __future__ import annotations

import unicodedata


def without_accents(text: str) -> str:
    """`text` with combining marks dropped ("¿Cuánto?" -> "¿Cuanto?", "mañana" -> "manana")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c))
