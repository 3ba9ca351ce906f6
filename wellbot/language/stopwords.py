"""Words that never decide what a question is about, per language other than English (no Telegram imports).

FAQ search (wellbot.faq.search) keeps the English lists beside its tuning;
each other language's live here, so adding a language does not touch the search.
"""

from __future__ import annotations

# Spanish function words and "kind of question" words, as patients type them (with and without accents).
SPANISH_STOPWORDS = frozenset(
    """
    a al algo alguien algun alguna alguno ante antes aqui aquí asi así aun aún bien buenas buenos cada como cómo
    con cual cuál cuales cuando cuándo cuanto cuánto cuanta cuánta de del desde donde dónde el él ella ellas ellos
    en entre era es esa ese eso esta está estas este esto estoy estan están fue gracias ha hace han hay hola
    la las le les lo los me mi mis mucho muy nada ni no nos nosotros o otra otro para pero poco por porque qué que
    quien quién se ser si sí sin sobre son soy su sus también tambien tan tengo tiene tienen todo todos tu tú
    un una uno unos usted ustedes va vez y ya yo puedo puede pueden quiero quisiera saber favor pf xfa
    """.split()  # noqa: SIM905 - a word list reads and diffs better as text
)
SPANISH_GENERIC = frozenset(
    """
    tratan tratamiento tratamientos ofrecen ofrece hacen dan usan sirve sirven funciona bueno mejor nuevo
    cosa cosas persona significa llama explicar explica decir pregunta preguntas informacion información
    """.split()  # noqa: SIM905 - a word list reads and diffs better as text
)
