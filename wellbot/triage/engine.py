"""The triage engine: reads one message with one language's tables (a Lexicon). No Telegram imports.

English (wellbot.triage.logic) and Spanish (wellbot.triage.spanish) are two
lexicons of this one engine; their modules hold the words and describe the
reading a clinician does. The steps, for any language:

1. prepare: the message is folded, cut into clauses at punctuation and at
   the lexicon's turning words, and each clause's misspelt words repaired
   towards the concepts' words (at most MAX_WORDS words in all).
2. rules: each clause is matched against the concepts in order; a finding
   marked as past, hypothetical or habit (or in a message that says it is
   over, or feared in a message about a coming visit) is a MENTION, any
   other is URGENT. A symptom said to be happening now that no concept
   recognised is a mention (the safety net).
3. combine: the learned model (wellbot.triage.model) weighs in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path

from wellbot.language.words import fold, tokens
from wellbot.triage import model

MAX_WORDS = 120  # a pasted essay is read by its first words only
NEGATION_WINDOW = 3  # words before a finding that can negate it ("no chest pain", "no tengo dolor de pecho")
FINDING = "FINDING"  # stands in for the finding itself while its clause is checked for markers (never in folded text)
CRISIS_CONCEPTS = frozenset({"suicidal", "self_harm"})  # concepts whose urgent reply also gives the crisis line
SAFETY_NET = "symptom_now"  # the concept name of a net finding
MODEL_CONCEPT = "sounds_urgent"  # the concept name of an emergency only the learned model recognised
# The model's probability from which a message the rules did not recognise
# is urgent, and below which the rules' urgent finding is only a mention.
# Chosen on held-out sets 5-9 as they first met the code (benchmarks/README.md):
# about 90% of emergencies urgent with 1% false urgent there.
MODEL_URGENT = 0.8
MODEL_CONFIRMS = 0.5
# Fewer words say too little for the model: a name at the booking's name
# step ("Ivy Black" scored 0.87) or "Thursday" must never be urgent.
MODEL_MIN_WORDS = 4

Pattern = re.Pattern[str]
Pairs = tuple[tuple[Pattern, Pattern], ...]
# A compiled concept: key, patterns, pairs, together, topic.
Compiled = tuple[str, tuple[Pattern, ...], Pairs, Pairs, Pattern | None]

_ = r"(?:\s+\S+){0,%d}\s+"  # a gap of up to N words between two parts of a pattern


def gap(n: int) -> str:
    """A regex gap of up to `n` words."""
    return _ % n


def near(a: str, b: str, n: int = 4) -> str:
    """`a` and `b` within `n` words of each other, in either order."""
    return rf"\b(?:{a})\w*{gap(n)}(?:{b})|\b(?:{b})\w*{gap(n)}(?:{a})"


class Level(Enum):
    """How the bot must answer."""

    NONE = "none"  # nothing of concern
    MENTION = "mention"  # a past, hypothetical or someone else's mention: normal answer plus a safety line
    URGENT = "urgent"  # happening now: the emergency number first


@dataclass(frozen=True)
class Finding:
    """What triage made of one message."""

    level: Level
    concept: str | None = None  # the concept behind an urgent reply or a mention

    @property
    def crisis(self) -> bool:
        """Whether the reply must also give the crisis line."""
        return self.level is Level.URGENT and self.concept in CRISIS_CONCEPTS


@dataclass(frozen=True)
class Concept:
    """An emergency a clinician listens for, in one language's words."""

    key: str
    patterns: tuple[str, ...] = ()  # any one, inside one clause
    pairs: tuple[tuple[str, str], ...] = ()  # a finding AND its context anywhere in the message
    together: tuple[tuple[str, str], ...] = ()  # two word classes anywhere in the same clause
    topic: str = ""  # words that only ever make a mention on their own ("stroke", "overdose")


@dataclass(frozen=True, eq=False)  # hashed by identity: the caches below keep one entry per lexicon
class Lexicon:
    """One language's tables and folding: everything the engine needs to read a message in it."""

    concepts: tuple[Concept, ...]  # checked in order: the first urgent one names the reply
    fold: Callable[[str], str]  # the whole message folded (lower case, no apostrophes, figures of speech read)
    words: Callable[[str], list[str]]  # one folded clause as typo-repaired words (uses `vocabulary(lexicon)`)
    clause_break: Pattern  # where a folded message is cut into clauses
    mention_markers: Pattern  # past, hypothetical or habit: a finding in such a clause is a mention
    resolved: Pattern  # "...but I'm fine now" anywhere: the whole message is a past mention
    negations: frozenset[str]  # words that negate a finding a few words after them
    symptom: Pattern  # the safety net's symptoms ...
    happening_now: Pattern  # ... said to be happening now,
    question_start: Pattern  # ... or stated about someone in a message that is not a question
    person: Pattern
    crisis: Callable[[str], bool]  # whether an emergency only the model recognised also needs the crisis line
    model_file: Path  # the shipped learned model for this language
    extra_vocabulary: tuple[str, ...] = ()  # whole forms of words the patterns match by prefix, as repair targets
    flat: Callable[[str], str] | None = None  # where `resolved` is read; None: in the prepared clauses
    habit_markers: Pattern | None = None  # habits: a mention, except for suicidal thoughts and self-harm
    complaint_after_no: frozenset[str] = frozenset()  # "no" before these is the complaint itself ("no siento")
    general_question: Pattern | None = None  # "is it common?": a general question unless happening now
    rules_stand: Pattern | None = None  # words that keep the rules' urgent finding whatever the model says
    figurative: Pattern | None = None  # figures of speech: the model alone does not make them urgent
    model_applies: Callable[[str], bool] | None = None  # whether the model may weigh in; None: always
    model_confirms: float = MODEL_CONFIRMS  # the rules' urgent finding stands from this probability
    # A fear of a finding ("my biggest fear is FINDING") is hypothetical in a
    # message that names a coming visit and says nothing is happening now.
    feared: Pattern | None = None  # read on the clause with the finding as FINDING
    coming_visit: Pattern | None = None  # a procedure or visit named anywhere in the message
    # "is it normal to have FINDING? its happening right now": a message that insists the finding is going on
    # now is not asking in general, so these question markers do not make it a mention (past ones still do).
    insisted_now: Pattern | None = None  # read on the whole prepared message
    asked: Pattern | None = None  # the question markers it overrides (a part of `mention_markers`)


@cache
def vocabulary(lexicon: Lexicon) -> frozenset[str]:
    """Every word the lexicon's concepts spell out: what a misspelt token may be repaired towards."""
    parts = [p for c in lexicon.concepts
             for p in (*c.patterns, *(x for pair in (*c.pairs, *c.together) for x in pair), c.topic)]
    source = " ".join(parts) + " " + lexicon.mention_markers.pattern + " " + " ".join(lexicon.extra_vocabulary)
    return frozenset(re.findall(r"[a-z]{4,}", re.sub(r"\\[a-zA-Z]", " ", source)))  # "\\bchest" is "chest"


@cache
def compiled(lexicon: Lexicon) -> tuple[Compiled, ...]:
    """The lexicon's concept regexes, compiled once."""
    return tuple(
        (c.key, tuple(re.compile(p) for p in c.patterns),
         tuple((re.compile(a), re.compile(b)) for a, b in c.pairs),
         tuple((re.compile(a), re.compile(b)) for a, b in c.together), re.compile(c.topic) if c.topic else None)
        for c in lexicon.concepts)


def prepare(lexicon: Lexicon, text: str) -> list[str]:
    """The message as clauses of folded, typo-repaired words (at most MAX_WORDS words)."""
    clauses: list[str] = []
    count = 0
    for part in lexicon.clause_break.split(lexicon.fold(text)):
        words = " ".join(lexicon.words(part)).split()[: MAX_WORDS - count]
        if words:
            clauses.append(" ".join(words))
            count += len(words)
        if count >= MAX_WORDS:
            break
    return clauses


def _negated(lexicon: Lexicon, clause: str, start: int) -> bool:
    """Whether one of the few words before a finding negates it (but not "no" before a complaint word)."""
    before = clause[:start].split()
    window = range(max(0, len(before) - NEGATION_WINDOW), len(before))
    return any(before[i] in lexicon.negations and not (before[i] == "no" and i + 1 < len(before)
                                                       and before[i + 1] in lexicon.complaint_after_no)
               for i in window)


def _find(lexicon: Lexicon, pattern: Pattern, clause: str) -> re.Match[str] | None:
    """Where a pattern matches the clause without being negated, or None."""
    first = pattern.search(clause)  # most patterns miss most clauses: no iterator to build for them
    if first is None:
        return None
    if not _negated(lexicon, clause, first.start()):
        return first
    return next((m for m in pattern.finditer(clause) if not _negated(lexicon, clause, m.start())), None)


def _in_clause(lexicon: Lexicon, patterns: tuple[Pattern, ...], together: Pairs,
               clause: str) -> Iterator[tuple[int, int]]:
    """The span of each finding in a clause: a pattern, or two word classes anywhere in it (both words and between)."""
    for pattern in patterns:
        match = _find(lexicon, pattern, clause)
        if match is not None:
            yield match.span()
    for first, second in together:
        one, two = _find(lexicon, first, clause), _find(lexicon, second, clause)
        if one is not None and two is not None:
            yield min(one.start(), two.start()), max(one.end(), two.end())


def _marked(lexicon: Lexicon, clause: str, span: tuple[int, int], key: str, anticipating: bool = False,
            insisted: bool = False) -> bool:
    """Whether the clause, apart from the finding, says past, hypothetical, or (but for a crisis) habit or fear.

    The finding is replaced by a placeholder first: "better off if i was
    gone" must not count its own "if i" as a "what if", while "is fainting
    common" still reads as a question about fainting.
    """
    rest = clause[: span[0]] + FINDING + clause[span[1]:]
    if insisted and lexicon.asked is not None:
        rest = lexicon.asked.sub(" ", rest)
    habit = (lexicon.habit_markers is not None and key not in CRISIS_CONCEPTS
             and lexicon.habit_markers.search(rest) is not None)
    # "im scared of killing myself" is a disclosure, never a fear of a procedure
    feared = (anticipating and lexicon.feared is not None and key not in CRISIS_CONCEPTS
              and lexicon.feared.search(rest) is not None)
    return habit or feared or lexicon.mention_markers.search(rest) is not None


def _reports_symptom(lexicon: Lexicon, text: str, clauses: list[str]) -> bool:
    """The safety net: a symptom said to be happening now, or stated about someone (not asked about in general)."""
    question = "?" in text or lexicon.question_start.match(clauses[0]) is not None
    return any(lexicon.symptom.search(c) and (lexicon.happening_now.search(c)
                                              or (not question and lexicon.person.search(c)))
               for c in clauses)


def _anticipating(lexicon: Lexicon, whole: str) -> bool:
    """Whether the message names a coming procedure or visit and says nothing is happening now (fears count then)."""
    return (lexicon.coming_visit is not None and lexicon.coming_visit.search(whole) is not None
            and lexicon.happening_now.search(whole) is None)


def _resolved(lexicon: Lexicon, clauses: list[str], text: str) -> bool:
    """Whether the message says it is over ("...but I'm fine now")."""
    where = lexicon.flat(text) if lexicon.flat is not None else " ".join(clauses)
    return lexicon.resolved.search(where) is not None


def rules(lexicon: Lexicon, clauses: list[str], text: str) -> tuple[Finding, bool]:
    """The concept rules alone: urgent (with its concept), a mention, or nothing; and whether a finding was marked."""
    whole = " ".join(clauses)
    resolved = _resolved(lexicon, clauses, text)
    # "is fainting common after a session?": asking in general, nothing said to be happening now
    general = (lexicon.general_question is not None and lexicon.general_question.search(whole) is not None
               and lexicon.happening_now.search(whole) is None)
    # "my biggest fear is passing out ... can i lie down for the injection?": afraid of it, not having it
    anticipating = _anticipating(lexicon, whole)
    insisted = lexicon.insisted_now is not None and lexicon.insisted_now.search(whole) is not None
    mention: str | None = None
    marked = False
    for key, patterns, pairs, together, topic in compiled(lexicon):
        findings = (*patterns, *(finding for finding, context in pairs if _find(lexicon, context, whole)))
        for clause in clauses:
            for span in _in_clause(lexicon, findings, together, clause):
                if (not resolved and not _marked(lexicon, clause, span, key, anticipating, insisted)
                        and not (general and key not in CRISIS_CONCEPTS)):
                    return Finding(Level.URGENT, key), False
                mention, marked = mention or key, True
        if mention is None and topic is not None and any(topic.search(clause) for clause in clauses):
            mention = key
    if mention is None and _reports_symptom(lexicon, text, clauses):
        mention = SAFETY_NET
    return (Finding(Level.MENTION, mention) if mention else Finding(Level.NONE)), marked


def rules_reading(lexicon: Lexicon, text: str) -> tuple[Finding, bool]:
    """The concept rules alone, and whether they found an emergency but read it as past, hypothetical or over."""
    clauses = prepare(lexicon, text)
    return rules(lexicon, clauses, text) if clauses else (Finding(Level.NONE), False)


def tags(lexicon: Lexicon, clauses: list[str], text: str) -> list[str]:
    """What the rules' markers say about the whole message, as features for the model."""
    found = []
    if _resolved(lexicon, clauses, text):
        found.append("resolved")
    habit = lexicon.habit_markers
    if any(lexicon.mention_markers.search(c) or (habit is not None and habit.search(c)) for c in clauses):
        found.append("marked")
    return found


def model_features(lexicon: Lexicon, text: str) -> dict[str, float]:
    """What the lexicon's learned model sees of a message (also what benchmarks/triage_model.py trains on)."""
    clauses = prepare(lexicon, text)
    return model.features(clauses, tags(lexicon, clauses, text))


def _flat_or_folded(lexicon: Lexicon, text: str) -> str:
    """The message as the lexicon reads `rules_stand` in it: flat if it has a flat form, else folded."""
    return lexicon.flat(text) if lexicon.flat is not None else lexicon.fold(text)


def combine(lexicon: Lexicon, rules_finding: Finding, marked: bool, probability: float, low: float, high: float,
            text: str) -> Finding:
    """The rules' finding weighed with the model's probability.

    The rules' urgent finding stands when the model finds it at least `low`
    likely (else it becomes a mention: the normal answer and the safety
    line), and always for suicidal thoughts or self-harm, or with the
    lexicon's `rules_stand` words. A message the rules did not find urgent
    becomes urgent when the model is at least `high` sure, unless the rules
    recognised the emergency and read it as past, hypothetical or over
    (`marked`). A message of fewer than MODEL_MIN_WORDS words the model reads (figures are not read: "yes, from
    8:30" is two words) is the rules' alone.
    """
    if len(model.words_of(" ".join(tokens(fold(text))))) < MODEL_MIN_WORDS:
        return rules_finding
    if rules_finding.level is Level.URGENT:
        # Suicidal intent the rules recognised stands whatever the model says:
        # said as a plan or a time ("this is my last night") it has few of the
        # words the model learned, and a crisis line too much costs little.
        # So does a finding the message insists is going on now: the model learned "is it normal to..." from
        # general questions, and the patient has said it is no question.
        trusted = (probability >= low or rules_finding.concept in CRISIS_CONCEPTS
                   or (lexicon.rules_stand is not None
                       and lexicon.rules_stand.search(_flat_or_folded(lexicon, text)) is not None)
                   or (lexicon.insisted_now is not None
                       and lexicon.insisted_now.search(lexicon.fold(text)) is not None))
        return rules_finding if trusted else Finding(Level.MENTION, rules_finding.concept)
    if probability < high or marked:
        return rules_finding
    # Safety first: a crisis line too much costs little, one missing costs a lot.
    return Finding(Level.URGENT, "suicidal" if lexicon.crisis(text) else MODEL_CONCEPT)


def assess(lexicon: Lexicon, text: str, use_model: bool = True) -> Finding:
    """Read one message: urgent (with its concept), a mention, or nothing."""
    clauses = prepare(lexicon, text)
    if not clauses:
        return Finding(Level.NONE)
    finding, marked = rules(lexicon, clauses, text)
    if not use_model or (lexicon.model_applies is not None and not lexicon.model_applies(text)):
        return finding
    if lexicon.figurative is not None and lexicon.figurative.search(" ".join(clauses)):
        marked = True
    probability = model.probability(clauses, tags(lexicon, clauses, text), lexicon.model_file)
    return combine(lexicon, finding, marked, probability, lexicon.model_confirms, MODEL_URGENT, text)
