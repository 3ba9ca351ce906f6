"""Finding the FAQ entry a patient means, in their own words. No Telegram imports.

A question goes through four small steps: red flags are spotted first (the
handler answers those before anything else); misspelt words are repaired
towards the FAQ's own vocabulary (words one edit away come from an index of
one-letter deletions; failing that, words of the same first letter and a
similar length; difflib picks); the clinic's everyday-word
synonyms add the words the answers use ("needles" -> acupuncture); SQLite
FTS5 ranks the entries with bm25, weighting the question above alternative
phrasings, tags and the answer, and a coverage bonus lifts questions made of
the patient's own words. The gap between the scores decides between one
answer, a few choices, or none.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from sqlite_utils import Database

from wellbot.core.i18n import SOURCE_LANGUAGE
from wellbot.faq.content import normalize, words
from wellbot.faq.store import fts_table, one_deletion_keys
from wellbot.language.stopwords import SPANISH_GENERIC, SPANISH_STOPWORDS
from wellbot.language.words import fold, is_word, zipf

# bm25 column weights: entry_id (not indexed), question, phrasings, tags, answer.
WEIGHTS = (0.0, 10.0, 8.0, 5.0, 1.0)
SEARCH_LIMIT = 5
RERANK_POOL = 12  # bm25's best entries that the coverage bonus re-orders
COVERAGE_WEIGHT = 2.0  # an entry whose question the patient's words cover fully scores 3x
STEM_PREFIX = 6  # words sharing their first letters (up to this many) count as one ("medical" is not "medication")
MAX_CHOICES = 3
CLEAR_RATIO = 1.4  # the best must score this many times the runner-up to be answered outright
CLOSE_FRACTION = 0.55  # runners-up within this fraction of the best are offered as choices
MIN_TYPO_WORD = 4
MAX_TYPO_WORD = 30  # longer tokens are not misspelt words (and their edits would be slow to compute)
TYPO_CUTOFF = 0.75  # difflib ratio a repaired word must reach
MAX_LENGTH_CHANGE = 2  # letters a typo may add or drop
MAX_QUERY_WORDS = 30  # a pasted essay is searched by its first words only
# A message no entry explains as a whole may still ask one answerable thing beside a story ("my father had a heart
# attack in 2019, what is acupuncture"): its sentences and comma-separated clauses are then searched one by one.
# A full stop counts only before a space or the end ("1.5 mg" stays whole).
CLAUSE_BREAK = re.compile(r"[?!;,\n]+|\.+(?=\s|$)")
MAX_CLAUSES = 6  # a long list of clauses is a story, not a question; its first clauses are tried
# ... and a clause is answered only when the words its entry explains say something telling (a treatment's name is
# about 4): "is that usual?", "im fine now", "mine is next month" lean on the story around them.
MIN_CLAUSE_COVERED = 3.75
# The best entry must explain at least this share of the patient's own
# content words (tuned on tests/faq_questions.toml's off_topic list): below
# it the bot says "I don't know that one" instead of offering a weak match.
MIN_EXPLAINED = 0.4
# ... unless it explains at least this much information (word weights summed: "cupping" about 4.4,
# "moxibustion" 7, "pain" 2) and scores this many times the runner-up (tuned on dev set 15 and
# the known sets' strict leave-one-out run; see benchmarks/README.md).
MIN_COVERED = 5.5
COVERED_LEAD = 1.5
# Words that name the visit itself or when it is: every question to a clinic is about its visits, so they
# say little about WHAT is asked ("can I bring my dog to my appointment" is about the dog, "how do i cancel
# tmrw" about cancelling). They are still searched for, but weigh least when judging what an entry explains.
CONTEXT_WORDS = frozenset("""
    appointment appointments appt appts visit visits session sessions clinic
    today tomorrow tmrw tmr tomoz tonight week weeks weekend monday tuesday wednesday thursday friday saturday sunday
    """.split()) | frozenset("""
    mother mum mom mam mama mummy father dad papa daddy husband wife son sons daughter daughters brother sister
    grandmother grandfather grandma grandpa granny nan nana grandson granddaughter grandchildren partner boyfriend
    girlfriend fiance friend friends cousin aunt uncle niece nephew neighbour neighbor relative relatives family
    """.split()) | frozenset("""
    suggested recommended mentioned advised referred proposed
    """.split())  # noqa: SIM905 - who asks, for whom ("my mum is having a nerve block") or who proposed it ("my
# doctor suggested an epidural") says nothing about what
CONTEXT_WORDS_BY_LANGUAGE = {"en": CONTEXT_WORDS}
INFORMATION_CEILING = 7.0  # a word's weight is this minus its Zipf frequency ("the" is about 7.7) ...
MIN_INFORMATION = 0.5  # ... but never below this
EXPLAINED_POWER = 1.0  # how strongly the explained share re-orders the ranking (tuned on the tuning set)
FOREIGN_PENALTY = 0.5  # per share of words no entry mentions, taken off a partly explained question
# Words that refuse what follows them ("no needles", "without surgery", "dont want pills"), how far
# their reach goes, and the words that end it ("no needles but acupuncture is fine").
NEGATORS = frozenset({"no", "not", "dont", "doesnt", "without", "avoid", "avoiding", "arent", "isnt", "non", "never",
                      "instead", "nothing"})
NEGATION_REACH = 5
CLAUSE_BREAKS = frozenset({"but", "except", "apart", "besides"})
WITHOUT = "without"
# Words that say what kind of question it is, not what it is about; they
# neither need explaining nor explain anything ("do you treat cats").
GENERIC = frozenset("""
    treat treats treatment treatments offer offers provide do does get give have help use used work works
    good best better new much many thing things people person mean means called explain tell ask question
    questions info information about also just put stick place insert asked asking asks entail entails
    """.split())  # noqa: SIM905 - a word list reads and diffs better as text

# "who", "when", "why", "where" and "which" are NOT stopwords: they say what
# kind of answer is wanted ("who does these procedures" is not "what
# procedures are there"), and the entries' phrasings carry them. The last
# lines are texting fillers, hedges and greetings (Spanish ones too, "buenos dias"):
# they say how a patient writes, not what
# they ask, and counted as unexplained words they pushed real questions under
# the "I don't know" threshold.
STOPWORDS = frozenset(
    """
    a about after again all am an and any are as at be been before being between both but by can can't could couldn't
    did do does doing don't for from get got had has have having he her here hers him his how i i'd i'll i'm
    i've if in into is it it's its just let me might more most must my myself no nor not now of off on once
    only or other our ours out over own please same she should so some such tell than that that's the their
    them then there these they this those through to too under until up us very was we were what what's
    while whom will with would you you're your yours know want need like really ok okay
    hi hello help take thanks thank anything something someone there's still also way kind sort bit lot
    wat u ur r pls plz thru dont doesnt cant wont im ive whats thats theres isnt didnt
    arent wasnt werent wouldnt couldnt shouldnt havent hasnt youre theyre
    gonna wanna gotta kinda sorta guys ya yeah yep yes hey lol omg thx tho btw rn idk imo tbh 1st
    actually basically literally supposed honestly probably maybe even ever already
    sir madam maam ma'am dear respected kindly regards cheers sorry bother wondering wonder wondered curious
    quick q hiya howdy greetings morning afternoon advance appreciate appreciated grateful haha hehe
    hola buenos buenas dias gracias
    exactly roughly simply plain simple possibly anyway ok alright excuse um uh hmm erm wants wanted hoping
    shall rather prefer preferably
    """.split()  # noqa: SIM905 - a word list reads and diffs better as text than as 150 quoted items
)
# A question for or about another business, another kind of professional, or an animal is not one the
# clinic's FAQ answers, whatever treatment it names ("can my cat have acupuncture", "know a good dentist").
# Such a message (or clause) gets an honest "I don't know"; a clause beside it that asks about the patient's
# own care is still answered. Professions the clinic's own care overlaps with (chiropractor, physio) are not
# listed: patients compare them with us.
# An animal makes the whole message about it ("my horse is lame, would acupuncture help him"): no clause of
# it is answered on its own.
ANIMALS = frozenset("""
    dog dogs puppy puppies cat cats kitten kittens pet pets horse horses rabbit rabbits hamster parrot vet vets
    veterinarian veterinarians veterinary
    """.split())  # noqa: SIM905 - a word list reads and diffs better as text
ELSEWHERE = ANIMALS | frozenset("""
    podiatrist podiatrists chiropodist chiropodists dentist dentists
    orthodontist optician opticians optometrist optometrists pharmacy pharmacies pharmacist pharmacists chemist
    chemists drugstore lawyer lawyers solicitor solicitors attorney attorneys plumber plumbers electrician
    mechanic mechanics hairdresser hairdressers barber barbers accountant accountants supermarket restaurant
    """.split())  # noqa: SIM905 - a word list reads and diffs better as text
# ... except as the name of a scan ("do I need a PET scan first").
NOT_ELSEWHERE_BEFORE = frozenset({"scan", "scans"})
# The professions our care overlaps with are ours to compare with ("is acupuncture like seeing a chiropractor"),
# but a request to RECOMMEND one of them ("can you suggest a good osteopath") asks for another practice.
PRACTITIONERS = frozenset("""
    physio physios physiotherapist physiotherapists therapist therapists chiropractor chiropractors chiro chiros
    osteopath osteopaths
    """.split())  # noqa: SIM905 - a word list reads and diffs better as text
RECOMMENDING = frozenset({"recommend", "recommendation", "recommendations", "suggest", "suggestion", "suggestions"})
# ... the practitioner must follow the request closely, after an article: "recommend physio" asks about a treatment.
PRACTITIONER_ARTICLES = frozenset({"a", "an", "any", "some"})
RECOMMEND_REACH = 4


class Kind(Enum):
    """What a search found."""

    ANSWER = "answer"  # one clear best match
    CHOICES = "choices"  # a few close candidates
    NONE = "none"  # nothing relevant


@dataclass(frozen=True)
class Hit:
    """A ranked entry: higher score is better."""

    entry_id: str
    score: float
    explained: float = 1.0  # share of the patient's content words this entry covers (0 to 1)
    covered: float = 0.0  # how much information (summed word weights) of the patient's words this entry covers


@dataclass(frozen=True)
class Outcome:
    """The decision for one query and the entries behind it."""

    kind: Kind
    hits: tuple[Hit, ...] = ()


# Per language: the words that never decide what a question is about. A language without its own
# list uses the English ones (its search still works, with its function words as weak terms).
STOPWORDS_BY_LANGUAGE = {"en": STOPWORDS, "es": SPANISH_STOPWORDS}
GENERIC_BY_LANGUAGE = {"en": GENERIC, "es": SPANISH_GENERIC}


def find_red_flag(text: str, phrases: tuple[str, ...] | list[str]) -> str | None:
    """The first red-flag phrase the text contains (word starts must match; endings may vary)."""
    flat = " ".join(words(text)) if text else ""
    spaced = normalize(text or "")
    for phrase in phrases:
        target = normalize(phrase)
        pattern = r"(?<![^\W_])" + re.escape(target)
        if re.search(pattern, spaced) or re.search(pattern, flat):
            return phrase
    return None


def search(db: Database, text: str, limit: int = SEARCH_LIMIT, language: str = SOURCE_LANGUAGE) -> list[Hit]:
    """Entries of `language`'s FAQ matching the text, best first; each carries how much of the patient's words
    it explains."""
    own, terms = _own_and_all_terms(db, text, language)
    if not terms:
        return []
    match = " OR ".join(_quote(term) for term in terms)
    fts = fts_table(language)
    rows = db.execute(
        f"select entry_id, -bm25({fts}, {', '.join(map(str, WEIGHTS))}) as score, question, phrasings, tags, answer"
        f" from {fts} where {fts} match ? order by score desc limit ?",
        [match, RERANK_POOL],
    ).fetchall()
    stems = {_stem(term) for term in terms}
    foreign = foreign_share(db, own, language)
    hits = []
    for entry_id, score, question, phrasings, tags, answer in rows:
        asked = [_content_stems(text) for text in (question, *phrasings.splitlines())]
        everything = set().union(*asked, _content_stems(tags), _content_stems(answer))
        share = explained(own, everything, language)
        covered = explained_information(own, everything, language)
        # An entry that explains more of what was asked ranks higher ...
        rank = score * (1 + COVERAGE_WEIGHT * coverage(stems, asked)) * share ** EXPLAINED_POWER
        # ... and words the whole FAQ never mentions make a partly explained question doubtful.
        hits.append(Hit(entry_id, rank, share - FOREIGN_PENALTY * foreign if share < 1 else share, covered))
    return sorted(hits, key=lambda hit: -hit.score)[:limit]


def foreign_share(db: Database, own: dict[str, set[str]], language: str = SOURCE_LANGUAGE) -> float:
    """The share of the patient's content words that no entry mentions at all ("cats", "email", "taxi")."""
    if not own:
        return 0.0
    return sum(1 for word, stems in own.items() if len(stems) == 1 and not _known(db, word, language)) / len(own)


def _known(db: Database, word: str, language: str = SOURCE_LANGUAGE) -> bool:
    """Whether any entry uses the word, or a word with the same stem ("hurting" -> "hurt")."""
    if _indexed(db, word, language):
        return True
    stem = _stem(word)
    return len(stem) >= MIN_TYPO_WORD and db.execute(
        "select 1 from faq_vocab where language = ? and word >= ? and word < ? limit 1",
        [language, stem, stem + "\uffff"]).fetchone() is not None


def explained(own: dict[str, set[str]], entry_stems: set[str], language: str = SOURCE_LANGUAGE) -> float:
    """The share of the patient's own content words that the entry (any part of it, or a synonym) covers.

    A word counts when its stem is in the entry, or when a synonym it is part
    of adds a word that is. Words weigh by how much they say: a rare word
    ("cats", "moxibustion") far more than an everyday one ("actually",
    "come"), from wordfreq's frequencies. "do you treat cats" leaves its one
    telling word unexplained by every entry.
    """
    if not own:
        return 0.0
    weights = {word: information(word, language) for word in own}
    total = sum(weights.values())
    return sum(weights[word] for word, stems in own.items() if stems & entry_stems) / total


def explained_information(own: dict[str, set[str]], entry_stems: set[str],
                          language: str = SOURCE_LANGUAGE) -> float:
    """The summed information of the patient's words that the entry covers."""
    return sum(information(word, language) for word, stems in own.items() if stems & entry_stems)


def information(word: str, language: str = SOURCE_LANGUAGE) -> float:
    """How much a word says about what is asked: rarer words say more (never less than MIN_INFORMATION)."""
    if word in CONTEXT_WORDS_BY_LANGUAGE.get(language, frozenset()):
        return MIN_INFORMATION
    return max(MIN_INFORMATION, INFORMATION_CEILING - zipf(word, language))


def coverage(stems: AbstractSet[str], questions: Sequence[AbstractSet[str]]) -> float:
    """How much of the entry's best-fitting question the patient's words cover (0 to 1).

    bm25 favours long questions that repeat a word; a patient who typed
    "what is pain management" means the short question made of exactly those
    words, not the comparison that mentions them twice.
    """
    return max((len(question & stems) / len(question) for question in questions if question), default=0.0)


# Each search re-reads its candidate entries' texts: their stems are remembered (entries change only on reload,
# and a changed text is simply a new key), which keeps a 1,000-entry FAQ's p99 near a millisecond. Sized for such a
# FAQ's five texts an entry (question, two phrasings, tags, answer): at 4,096 its texts kept evicting each other.
STEM_CACHE_SIZE = 16384


@lru_cache(maxsize=STEM_CACHE_SIZE)
def _content_stems(text: str) -> frozenset[str]:
    """The stems of a text's words, stopwords left out."""
    return frozenset(_stem(word) for word in words(text) if word not in STOPWORDS)


@lru_cache(maxsize=STEM_CACHE_SIZE * 4)
def _stem(word: str) -> str:
    """A crude stem (common endings off, then the first letters): "injections" = "injection", "stops" = "stop"."""
    for ending in ("ing", "ed", "es", "s"):
        if len(word) > len(ending) + 2 and word.endswith(ending) and not word.endswith("ss"):
            word = word[: -len(ending)]
            break
    return word[:STEM_PREFIX]


def decide(hits: list[Hit]) -> Outcome:
    """One answer if the best clearly leads, else up to three close choices, else none."""
    if not hits or hits[0].score <= 0:
        return Outcome(Kind.NONE)
    best = hits[0]
    close = tuple(h for h in hits[:MAX_CHOICES] if h.score >= best.score * CLOSE_FRACTION)
    if not confident(hits):
        # Several entries each explaining telling words of a long message, none clearly first ("my friend had
        # little needles in her ear for her back pain?? how does that work"): the patient picks, rather than
        # hearing "I don't know" about what the FAQ does cover.
        if best.covered >= MIN_COVERED and len(close) > 1:
            return Outcome(Kind.CHOICES, close)
        return Outcome(Kind.NONE)  # honest "I don't know" rather than a weak match
    if len(hits) == 1 or best.score >= hits[1].score * CLEAR_RATIO:
        return Outcome(Kind.ANSWER, (best,))
    return Outcome(Kind.CHOICES, close)


def confident(hits: list[Hit]) -> bool:
    """Whether the best entry explains enough of what was asked to be worth answering.

    Mostly a share of the patient's words; but a long message ("my mother's back surgery failed twice and
    someone mentioned a stimulator device, what is that?") is mostly context, so an entry that explains
    several telling words of it, and clearly leads the next one, is answered even below that share.
    """
    best = hits[0]
    if best.explained >= MIN_EXPLAINED:
        return True
    return best.covered >= MIN_COVERED and (len(hits) == 1 or best.score >= hits[1].score * COVERED_LEAD)


def find(db: Database, text: str, language: str = SOURCE_LANGUAGE) -> Outcome:
    """Search and decide in one call; a message the whole search answers only weakly (nothing, or an entry that
    explains little of it) is answered by the one clause that has a confident answer of its own."""
    outcome = judge(db, text, language)
    if language == "en" and names_elsewhere(text, ANIMALS):
        return outcome
    if outcome.kind is Kind.NONE or (outcome.kind is Kind.ANSWER and outcome.hits[0].explained < MIN_EXPLAINED):
        return answered_part(db, text, language) or outcome
    return outcome


def judge(db: Database, text: str, language: str = SOURCE_LANGUAGE) -> Outcome:
    """The decision for one message or clause: none for one about another business or an animal, or asking us to
    recommend another practitioner."""
    if language == "en" and (names_elsewhere(text) or asks_for_practitioner(text)):
        return Outcome(Kind.NONE)
    return decide(search(db, text, language=language))


def names_elsewhere(text: str, named: AbstractSet[str] = ELSEWHERE) -> bool:
    """Whether the text names another business, another kind of professional or an animal (ELSEWHERE)."""
    tokens = words(fold(text))
    return any(token in named and (index + 1 == len(tokens) or tokens[index + 1] not in NOT_ELSEWHERE_BEFORE)
               for index, token in enumerate(tokens))


def asks_for_practitioner(text: str) -> bool:
    """Whether the text asks us to recommend a practitioner: "recommend a physio", "suggest any osteopaths"."""
    tokens = words(fold(text))
    for index, token in enumerate(tokens):
        if token in RECOMMENDING:
            following = tokens[index + 1:index + 1 + RECOMMEND_REACH]
            articles = [at for at, word in enumerate(following) if word in PRACTITIONER_ARTICLES]
            if articles and any(word in PRACTITIONERS for word in following[articles[0] + 1:]):
                return True
    return False


def clauses(text: str) -> list[str]:
    """The message's sentences and comma-separated clauses (up to MAX_CLAUSES), or [] when it is just one."""
    parts = [part.strip() for part in CLAUSE_BREAK.split(text or "") if part.strip()]
    return parts[:MAX_CLAUSES] if len(parts) > 1 else []


def answered_part(db: Database, text: str, language: str = SOURCE_LANGUAGE) -> Outcome | None:
    """The answer when exactly one entry answers the clauses on their own, under a standalone question's rules.

    The clause telling a story ("I had a stroke 3 years ago") finds nothing and the clause asking ("is
    acupuncture safe for me?") is answered as if typed alone. Clauses answered by different entries are two
    questions (even when one leans on weak words), which are not half-answered; and the one entry must explain
    something telling in its clause (MIN_CLAUSE_COVERED).
    """
    answers: dict[str, Hit] = {}
    for part in clauses(text):
        outcome = judge(db, part, language)
        if outcome.kind is Kind.ANSWER:
            best = outcome.hits[0]
            answers[best.entry_id] = max(best, answers.get(best.entry_id, best), key=lambda hit: hit.covered)
    if len(answers) != 1:
        return None
    (hit,) = answers.values()
    return Outcome(Kind.ANSWER, (hit,)) if hit.covered >= MIN_CLAUSE_COVERED else None


def query_terms(db: Database, text: str, language: str = SOURCE_LANGUAGE) -> list[str]:
    """The words to search for: repaired, expanded with synonyms, without stopwords, de-duplicated."""
    return _own_and_all_terms(db, text, language)[1]


def _own_and_all_terms(db: Database, text: str,
                       language: str = SOURCE_LANGUAGE) -> tuple[dict[str, set[str]], list[str]]:
    """The patient's content words (each with the stems that explain it) and every search term."""
    stopwords, generic = STOPWORDS_BY_LANGUAGE.get(language, STOPWORDS), GENERIC_BY_LANGUAGE.get(language, GENERIC)
    tokens = [repair(db, token, language) for token in words(fold(text))[:MAX_QUERY_WORDS]]
    terms = [t for t in tokens if t not in stopwords and t not in generic]  # "explain" is not what is asked about
    if not terms:  # "what do you treat": the generic words are all there is
        terms = [t for t in tokens if t not in stopwords]
    own = {t: {_stem(t)} for t in terms}
    refused = refused_words(tokens) if language == "en" else []
    # "no needles", "dont want surgery": asked as "without ...", so the clinic's "without needles" line applies.
    phrases = tokens + [word for refused_word in refused for word in (WITHOUT, refused_word)]
    found = expansions(db, phrases, language)
    # A refused word that a "without" line explained is what the patient does NOT want: it leaves the search,
    # and so do its own lay-word meanings ("needles" -> acupuncture).
    unwanted = {_stem(p.split()[1]) for p, _m in found if p.startswith(WITHOUT + " ") and len(p.split()) == 2}
    unwanted &= {_stem(w) for w in refused}
    terms = [t for t in terms if _stem(t) not in unwanted]
    for phrase, meaning in found:
        phrase_stems = {_stem(w) for w in phrase.split()}
        if phrase_stems <= unwanted:
            continue
        added = [w for w in meaning.split() if w not in stopwords]
        terms.extend(added)
        if added and all(w in stopwords for w in phrase.split()):
            # "how are they not the same": a phrase of stopwords alone still asks something; its meaning stands
            # in for it among the patient's own words ("difference"), to be explained like any other.
            own.setdefault(added[0], set()).update(_stem(w) for w in added)
        for word in own:
            if _stem(word) in phrase_stems:
                own[word] |= {_stem(w) for w in added}
    return own, list(dict.fromkeys(terms))


def refused_words(tokens: list[str]) -> list[str]:
    """The content words a negation governs: "i dont want any needles or surgery" -> needles, surgery."""
    refused: list[str] = []
    for index, token in enumerate(tokens):
        if token not in NEGATORS:
            continue
        for word in tokens[index + 1:index + 1 + NEGATION_REACH]:
            if word in CLAUSE_BREAKS:
                break
            if word not in STOPWORDS and word not in GENERIC and word not in NEGATORS:
                refused.append(word)
    return refused


def expand(db: Database, tokens: list[str], language: str = SOURCE_LANGUAGE) -> list[str]:
    """Words the clinic's synonyms add for everyday phrases found in the tokens."""
    return [word for _phrase, meaning in expansions(db, tokens, language) for word in meaning.split()]


def expansions(db: Database, tokens: list[str], language: str = SOURCE_LANGUAGE) -> list[tuple[str, str]]:
    """(phrase, meaning) of each synonym of `language` whose everyday phrase is in the tokens (endings aside)."""
    padded = f" {' '.join(_stem(t) for t in tokens)} "
    rows = db.execute("select phrase, meaning from faq_synonyms where language = ?", [language]).fetchall()
    return [(phrase, meaning) for phrase, meaning in rows if _padded_stems(phrase) in padded]


@lru_cache(maxsize=STEM_CACHE_SIZE)
def _padded_stems(phrase: str) -> str:
    """A synonym's phrase as its words' stems between spaces: every search tests every synonym, so it is kept."""
    return f" {' '.join(_stem(w) for w in phrase.split())} "


def repair(db: Database, token: str, language: str = SOURCE_LANGUAGE) -> str:
    """The vocabulary word a misspelt token most likely meant, or the token itself.

    A correctly spelt English word (wordfreq's list) is never repaired: "cats"
    must stay "cats" and be honestly unknown, not become "acts" or "cuts".
    """
    if (not MIN_TYPO_WORD <= len(token) <= MAX_TYPO_WORD or not token.isalpha()
            or token in STOPWORDS_BY_LANGUAGE.get(language, STOPWORDS)
            or is_word(token, language) or _in_vocabulary(db, token, language)):
        return token
    candidates = _one_edit_away(db, token, language) or _same_shape(db, token, language)
    # Typos rarely touch the first letter; the rule keeps "weather" from becoming "rather".
    candidates = [word for word in candidates if word[0] == token[0]]
    matches = difflib.get_close_matches(token, candidates, n=1, cutoff=TYPO_CUTOFF)
    return matches[0] if matches else token


def _one_edit_away(db: Database, token: str, language: str = SOURCE_LANGUAGE) -> list[str]:
    """Vocabulary words one edit from the token, through their shared deletion keys (fast, indexed)."""
    keys = sorted(one_deletion_keys(token))
    rows = db.execute(
        f"select distinct word from faq_vocab_edits where language = ? and variant in ({', '.join('?' * len(keys))})",
        [language, *keys],
    ).fetchall()
    return [word for (word,) in rows]


def _same_shape(db: Database, token: str, language: str = SOURCE_LANGUAGE) -> list[str]:
    """Words with the same first letter and a similar length: the slower path for worse typos."""
    rows = db.execute(
        "select word from faq_vocab where language = ? and first = ? and length between ? and ?",
        [language, token[0], len(token) - MAX_LENGTH_CHANGE, len(token) + MAX_LENGTH_CHANGE],
    ).fetchall()
    return [word for (word,) in rows]


def _in_vocabulary(db: Database, token: str, language: str = SOURCE_LANGUAGE) -> bool:
    """Whether the FAQ uses exactly this word (a word it only shares a stem with may be a typo: "managment")."""
    row = db.execute("select 1 from faq_vocab where language = ? and word = ?", [language, token]).fetchone()
    return row is not None


def _indexed(db: Database, token: str, language: str = SOURCE_LANGUAGE) -> bool:
    """Whether the word (after stemming) occurs in any entry, so needs no repair."""
    fts = fts_table(language)
    hit = db.execute(f"select 1 from {fts} where {fts} match ? limit 1", [_quote(token)]).fetchone()
    return hit is not None


def _quote(term: str) -> str:
    """An FTS5 string literal: user words never reach FTS5's query syntax."""
    return '"' + term.replace('"', '""') + '"'
