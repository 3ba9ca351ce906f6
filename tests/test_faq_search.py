"""FAQ search as plain functions: accuracy on patient-style questions, typos, synonyms, red flags, FTS5 safety."""

import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wellbot.core.clinic import load_clinic
from wellbot.core.db import open_database
from wellbot.core.resources import example_clinic_file
from wellbot.faq import search, store
from wellbot.faq.content import DEFAULT_RED_FLAGS, Content, load_content
from wellbot.faq.search import Hit, Kind, _content_stems, coverage, decide, find, find_red_flag, query_terms, repair

QUESTIONS = Path(__file__).with_name("faq_questions.toml")
REQUIRED_ACCURACY = 0.90
CLINIC = load_clinic(example_clinic_file())
FAQ_FOLDER = CLINIC.directory / "faq"


def example_content() -> Content:
    return load_content(FAQ_FOLDER, [s.key for s in CLINIC.services])


@pytest.fixture(scope="module")
def faq_db():
    db = open_database(":memory:")
    store.replace_content(db, example_content())
    yield db
    db.close()


def test_top1_accuracy_on_patient_questions(faq_db):
    cases = tomllib.loads(QUESTIONS.read_text(encoding="utf-8"))["questions"]
    assert len(cases) >= 40
    known = {e.id for e in example_content().entries}
    assert {case["expect"] for case in cases} <= known, "the test set names entries that do not exist"
    misses = []
    for case in cases:
        hits = search.search(faq_db, case["q"])
        if not hits or hits[0].entry_id != case["expect"]:
            misses.append((case["q"], case["expect"], hits[0].entry_id if hits else None))
    accuracy = 1 - len(misses) / len(cases)
    print(f"\nFAQ top-1 accuracy: {accuracy:.1%} ({len(cases) - len(misses)}/{len(cases)}); misses: {misses}")
    assert accuracy >= REQUIRED_ACCURACY, misses


@pytest.mark.parametrize("text", ['"AND (', "NEAR(a b)", "*", "a:b", "'", "^pain", '""""', "OR OR OR", "(((", "-"])
def test_fts5_syntax_in_user_words_cannot_crash(faq_db, text):
    assert find(faq_db, text).kind in set(Kind)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_any_text_searches_without_error(faq_db, text):
    outcome = find(faq_db, text)
    assert len(outcome.hits) <= search.MAX_CHOICES


def test_clear_question_gives_one_answer(faq_db):
    outcome = find(faq_db, "What is moxibustion?")
    assert outcome.kind is Kind.ANSWER
    assert [h.entry_id for h in outcome.hits] == ["moxibustion"]


def test_vague_word_gives_close_choices_at_most_three(faq_db):
    outcome = find(faq_db, "injections")
    assert outcome.kind is Kind.CHOICES
    assert 2 <= len(outcome.hits) <= 3


@pytest.mark.parametrize("text", ["hello", "what's the weather like", "asdfghjkl", "", "   ", "!!!"])
def test_unrelated_text_finds_nothing(faq_db, text):
    assert find(faq_db, text).kind is Kind.NONE


def test_typos_are_repaired_towards_the_faq_vocabulary(faq_db):
    assert repair(faq_db, "acupunture") == "acupuncture"
    assert repair(faq_db, "moxibustoin") == "moxibustion"


def test_real_words_are_not_bent_into_faq_words(faq_db):
    assert repair(faq_db, "weather") == "weather"  # not "rather": typos keep the first letter
    assert repair(faq_db, "injections") == "injections"  # stems of indexed words are left alone


def test_lay_words_add_the_clinics_terms(faq_db):
    terms = query_terms(faq_db, "shots in my back")
    assert {"epidural", "steroid", "injection"} <= set(terms)
    assert "acupuncture" in query_terms(faq_db, "needles")


def test_synonyms_come_from_the_faq_folder_not_the_code():
    content = example_content()
    db = open_database(":memory:")
    store.replace_content(db, Content(content.topics, content.entries, {}))
    assert "epidural" not in query_terms(db, "shots in my back")
    store.replace_content(db, Content(content.topics, content.entries, {"zzz ache": "cupping"}))
    assert find(db, "my zzz ache").hits[0].entry_id == "cupping"


def test_decide_by_score_gaps():
    assert decide([]).kind is Kind.NONE
    assert decide([Hit("a", 5.0)]).kind is Kind.ANSWER
    assert decide([Hit("a", 10.0), Hit("b", 5.0)]) == search.Outcome(Kind.ANSWER, (Hit("a", 10.0),))
    close = decide([Hit("a", 10.0), Hit("b", 9.0), Hit("c", 8.0), Hit("d", 7.9)])
    assert close.kind is Kind.CHOICES
    assert [h.entry_id for h in close.hits] == ["a", "b", "c"]
    far_third = decide([Hit("a", 10.0), Hit("b", 9.0), Hit("c", 1.0)])
    assert [h.entry_id for h in far_third.hits] == ["a", "b"]


def test_coverage_prefers_the_question_made_of_the_patients_words():
    stems = {next(iter(_content_stems(word))) for word in ["pain", "management"]}
    assert coverage(stems, [_content_stems("What is pain management?")]) == 1.0
    long_question = _content_stems("How is pain management different from interventional pain management?")
    assert coverage(stems, [long_question]) < 1.0
    assert coverage(stems, []) == 0.0


@pytest.mark.parametrize("text", ["who won the game last night", "I feel tired"])
def test_words_found_only_deep_in_answers_do_not_count(faq_db, text):
    assert find(faq_db, text).kind is Kind.NONE


@pytest.mark.parametrize("text", [
    "I have chest pains since this morning",
    "CHEST   PAIN and sweating",
    "I can\u2019t breathe properly",
    "having suicidal thoughts",
    "sudden weakness in my left arm",
    "loss of bladder control after my back injury",
])
def test_red_flags_are_found(text):
    assert DEFAULT_RED_FLAGS == ()  # triage's concepts do this now; red_flags only adds a clinic's own phrases
    phrases = ("chest pain", "can't breathe", "suicidal", "sudden weakness", "loss of bladder control")
    assert find_red_flag(text, phrases) is not None


@pytest.mark.parametrize("text", ["my chest is tight after the gym? no pain", "what is acupuncture", "", "painchest"])
def test_ordinary_questions_raise_no_red_flag(text):
    assert find_red_flag(text, ("chest pain", "suicidal")) is None


def test_red_flags_come_from_the_clinic_file_list():
    assert find_red_flag("my toe is purple", ("purple toe",)) is None
    assert find_red_flag("my toe is purple", ("toe is purple",)) == "toe is purple"


def test_texting_fillers_and_hedges_are_not_what_is_asked(faq_db):
    own, _terms = search._own_and_all_terms(faq_db, "tbh is cupping gonna actually leave marks lol", "en")
    assert set(own) == {"cupping", "leave", "marks"}
    outcome = find(faq_db, "tbh is cupping gonna actually leave marks lol")
    assert outcome.kind is Kind.ANSWER
    assert outcome.hits[0].entry_id == "cupping"


def test_refused_words_are_those_a_negation_governs_up_to_a_clause_break():
    assert search.refused_words(["i", "dont", "want", "any", "needles", "or", "surgery"]) == ["needles", "surgery"]
    assert search.refused_words(["no", "needles", "but", "acupuncture", "is", "fine"]) == ["needles"]
    assert search.refused_words(["what", "is", "acupuncture"]) == []


def test_a_refused_treatment_is_searched_as_without_it(faq_db):
    outcome = find(faq_db, "is there anything for my back with no needles and no surgery")
    assert outcome.hits[0].entry_id == "non-invasive-options"
    assert "acupuncture" not in query_terms(faq_db, "something with no needles please")


def test_a_negation_without_a_clinic_line_leaves_the_words_searched(faq_db):
    assert find(faq_db, "nothing helps my chronic pain anymore").hits[0].entry_id == "unbearable-chronic-pain"
    assert "acupuncture" in query_terms(faq_db, "needles dont scare me")


def test_a_refused_word_the_meaning_repeats_stays_searched(faq_db):
    own, terms = search._own_and_all_terms(faq_db, "treatments that arent invasive", "en")
    assert "arent" not in own  # an apostrophe-less contraction is a stopword, not a word to explain
    assert {"non", "invasive"} <= set(terms)
    assert find(faq_db, "treatments that arent invasive").hits[0].entry_id == "non-invasive-options"


def test_verbs_of_placing_needles_are_not_what_is_asked(faq_db):
    own, _terms = search._own_and_all_terms(faq_db, "why stick needles in my ear", "en")
    assert "stick" not in own
    assert find(faq_db, "why do you put needles in my ear").hits[0].entry_id == "auricular-acupuncture"


def test_question_words_say_what_kind_of_answer_is_wanted(faq_db):
    assert "who" in query_terms(faq_db, "who carries out interventional procedures")
    assert find(faq_db, "who carries out interventional procedures").hits[0].entry_id == "what-is-interventional"


@pytest.mark.parametrize("text", ["Can I bring my dog to my appointment?", "can i bring my cat to the visit",
                                  "may my parrot come to my session"])
def test_found_when_tried_an_animal_at_the_visit_is_not_what_to_bring(faq_db, text):
    # Round 11: "bring" + "appointment" alone answered with what to bring; the visit's own words say little.
    assert find(faq_db, text).kind is Kind.NONE


@pytest.mark.parametrize("text,expect", [("what should I bring to my appointment", "what-to-bring"),
                                              ("how do i cancel tmrw??", "reschedule"),
                                              ("can I cancel today", "reschedule")])
def test_words_naming_the_visit_or_its_day_weigh_little_but_still_search(faq_db, text, expect):
    assert search.information("appointment") == search.information("tmrw") == search.MIN_INFORMATION
    assert find(faq_db, text).hits[0].entry_id == expect


@pytest.mark.parametrize("text,expect", [
    ("whats pain mgmt", "what-is-pain-management"),  # a texting abbreviation of the answers' word
    ("is moxa smoky", "moxibustion"),  # an adjective of the answers' noun
    ("do the cupping bruises go away", "cupping"),  # a lay phrase for the answers' "fade"
    ("can i wear moisturizer for cupping", "cupping"),  # the patient's product for the answers' "lotion"
    ("i get anxious with needles, can i stop the acupuncture", "does-acupuncture-hurt"),
])
def test_everyday_words_reach_the_answers_words(faq_db, text, expect):
    assert find(faq_db, text).hits[0].entry_id == expect


@pytest.mark.parametrize("text", ["Respected Sir, kindly tell me, will cupping leave marks?",
                                  "hi, quick question, sorry to bother you: will cupping leave marks? cheers",
                                  "i was wondering, will cupping leave marks? thanks in advance"])
def test_courtesy_words_are_not_what_is_asked(faq_db, text):
    # Dev set 15: polite openings and closings counted as unexplained words and pushed real questions to "I don't know".
    own, _terms = search._own_and_all_terms(faq_db, text, "en")
    assert set(own) == {"cupping", "leave", "marks"}
    assert find(faq_db, text).hits[0].entry_id == "cupping"


def test_who_asks_for_whom_weighs_least():
    # "my mum is having a nerve block": the relative says who the question is for, not what it is about.
    assert search.information("mum") == search.information("husband") == search.MIN_INFORMATION
    assert search.information("warfarin") > search.MIN_INFORMATION


def test_a_long_message_is_answered_when_its_telling_words_point_to_one_entry():
    # Dev set 15: rambles and relatives' questions had the right entry first but a low share of words explained.
    weak = search.MIN_EXPLAINED / 2
    assert decide([Hit("a", 10.0, weak, search.MIN_COVERED), Hit("b", 5.0, weak)]).kind is Kind.ANSWER
    # Too little information explained: still "I don't know"; no clear lead over the next entry: the patient
    # chooses (blind set 13), never one answer.
    assert decide([Hit("a", 10.0, weak, search.MIN_COVERED - 1), Hit("b", 5.0, weak)]).kind is Kind.NONE
    assert decide([Hit("a", 10.0, weak, search.MIN_COVERED), Hit("b", 9.0, weak)]).kind is Kind.CHOICES


@pytest.mark.parametrize("text,expect", [
    ("my dad's back operation failed twice and now his surgeon mentions a stimulator device, what is that",
     "spinal-cord-stimulation"),
    ("i work shifts and my manager keeps asking, so how long does a session of cupping last", "visit-length"),
])
def test_found_when_tried_context_around_the_question_does_not_hide_it(faq_db, text, expect):
    outcome = find(faq_db, text)
    assert outcome.kind is not Kind.NONE
    assert outcome.hits[0].entry_id == expect


def test_a_typo_the_index_stems_like_a_faq_word_is_still_repaired(faq_db):
    # "managment" reached the FAQ's "management" only through FTS5's porter stemmer and the 5-letter stem;
    # with 6 letters ("medical" is not "medication") it needs the repair, which now asks for the exact word.
    assert repair(faq_db, "managment") == "management"
    assert repair(faq_db, "moxibustion") == "moxibustion"
    assert find(faq_db, "what is pain managment").hits[0].entry_id == "what-is-pain-management"


# Issue 14, found when tried: a mention of the past beside a question found nothing in the whole message (the story's
# words are explained by no entry), so the patient got the safety line and then "I don't know" (or, for the nerve
# block, the radiofrequency entry: "nerve" alone carried a message its entry explains a third of).
MENTION_QUESTIONS = [
    ("my father had a heart attack in 2019, what is acupuncture", "what-is-acupuncture"),
    ("I had a stroke 3 years ago. Is acupuncture safe for me?", "what-is-acupuncture"),
    ("my mum had a heart attack last year, can she have a nerve block", "nerve-block"),
]


@pytest.mark.parametrize("text, expect", MENTION_QUESTIONS)
def test_the_clause_that_asks_is_answered_beside_a_mention(faq_db, text, expect):
    whole = decide(search.search(faq_db, text))  # the whole message finds nothing, or a wrong entry by "nerve"
    assert whole.kind is Kind.NONE or whole.hits[0].entry_id != expect
    outcome = find(faq_db, text)
    assert outcome.kind is Kind.ANSWER
    assert [hit.entry_id for hit in outcome.hits] == [expect]


def test_clauses_split_at_sentences_and_commas_but_not_inside_numbers():
    assert search.clauses("I had a stroke 3 years ago. Is 1.5 mg safe? yes, thanks") == [
        "I had a stroke 3 years ago", "Is 1.5 mg safe", "yes", "thanks"]
    assert search.clauses("what is acupuncture?") == []  # one clause: the whole-message search already said it all


def test_two_clauses_answered_by_different_entries_stay_unanswered(faq_db):
    assert search.answered_part(faq_db, "what is acupuncture, what is a nerve block") is None
    assert search.answered_part(faq_db, "what is cupping, what is cupping?").hits[0].entry_id == "cupping"


def test_a_clause_of_weak_words_is_not_answered_beside_a_story(faq_db):
    text = "after my RFA in october i had some bruising and a little bleeding but it stopped by itself. is that usual?"
    assert decide(search.search(faq_db, "is that usual")).kind is Kind.ANSWER  # alone it leans on a weak word ...
    assert find(faq_db, text).kind is Kind.NONE  # ... which beside a story does not answer the message


def test_off_topic_messages_in_clauses_still_get_i_dont_know(faq_db):
    assert find(faq_db, "my cat is sick, do you treat cats?").kind is Kind.NONE


def test_a_weak_whole_answer_stays_when_another_clause_asks_something_else(faq_db):
    # dev set 15: the tablets clause alone is pain management, the prescribing clause medication: two questions.
    text = "Im so sick of doctors just handing me tablets, do you do anything else or just prescribe"
    assert find(faq_db, text).hits[0].entry_id == "medications-role"


@pytest.mark.parametrize("text,first", [
    ("My friend had little needles in her ear for her back pain?? how does that work", "auricular-acupuncture"),
    ("I'm confused, my GP referred me to 'interventional pain' but your site says 'pain management'. How are they"
     " different?", "pain-vs-interventional"),
])
def test_found_in_blind_set_13_a_long_message_several_entries_explain_offers_choices(faq_db, text, first):
    """Each entry explains telling words but none leads clearly: "which did you mean", not "I don't know"."""
    outcome = find(faq_db, text)
    assert outcome.kind is Kind.CHOICES
    assert outcome.hits[0].entry_id == first


def test_choices_need_telling_words_explained_not_just_close_scores():
    weak = [search.Hit("a", 2.0, explained=0.3, covered=2.8), search.Hit("b", 1.9, explained=0.3, covered=2.8)]
    assert decide(weak).kind is Kind.NONE
    telling = [search.Hit("a", 20.0, explained=0.39, covered=5.9), search.Hit("b", 17.0, explained=0.5, covered=7.8)]
    assert decide(telling) == search.Outcome(Kind.CHOICES, tuple(telling))


@pytest.mark.parametrize("text,first", [
    # Short or roundabout comparisons ("diff", "not the same") ask for the difference ...
    ("diff between interventional and pain management", "pain-vs-interventional"),
    ("Why is interventional care not the same as pain management?", "pain-vs-interventional"),
    # ... "similar" asks what they share.
    ("Is regular pain management similar to the interventional approach?", "pain-and-interventional-in-common"),
    # A Spanish greeting or word in an English message (found in blind set 14).
    ("Buenas, how does the oreja treatment work?", "auricular-acupuncture"),
    # "my MRI" is a scan the patient brings; being handed pills is being given them.
    ("Should I bring my MRI?", "what-to-bring"),
    ("Am I going to be handed pills?", "medications-role"),
])
def test_found_in_blind_set_14_comparison_and_mixed_language_shapes(faq_db, text, first):
    """Shapes of set 14's misses, in other words: each reaches the entry that answers it."""
    outcome = find(faq_db, text)
    assert outcome.kind is not Kind.NONE
    assert outcome.hits[0].entry_id == first


def test_a_scan_the_clinic_is_asked_to_do_is_not_what_to_bring(faq_db):
    """ "my MRI" is brought along; "do you do MRI scans" asks for a service the FAQ does not cover."""
    assert find(faq_db, "do you do mri scans").kind is Kind.NONE


def _first(db, text):
    """The entry shown first, or None for "I don't know"."""
    outcome = find(db, text)
    return outcome.hits[0].entry_id if outcome.kind is not Kind.NONE else None


@pytest.mark.parametrize("text, expect", [
    # idioms: "falls under" is "part of"; "be away" is "cannot come"; "the go-to one" is the usual one
    ("which treatments fall under interventional medicine", "interventional-modalities"),
    ("what injections come under interventional pain management", "interventional-modalities"),
    ("we will be away that week, how can i move my visit", "reschedule"),
    ("what is your go to injection for a sore joint", "most-common-intervention"),
    # "entail" asks what something is; "radiofrequency" alone names the ablation; a referrer is context
    ("my gp recommended a radiofrequency procedure, what does it entail", "radiofrequency-ablation"),
    ("what does a nerve block entail", "nerve-block"),
    # time to keep free for a visit
    ("how many hours should i block out for an epidural", "visit-length"),
])
def test_idioms_reach_the_entry_that_answers(faq_db, text, expect):
    assert _first(faq_db, text) == expect


@pytest.mark.parametrize("text", [
    "can you suggest a decent chiropodist for an ingrown toenail",
    "does my cat need a vet for her sore paw",
    "is there a chemist near you that sells heat packs",
    "my horse is lame, would acupuncture help him",
    "any good solicitor for a workplace injury claim",
])
def test_questions_for_another_business_or_an_animal_are_not_ours(faq_db, text):
    assert _first(faq_db, text) is None


@pytest.mark.parametrize("text, expect", [
    # a story about a dentist beside a question about the patient's own care is still answered
    ("i went pale at the dentist last year when i saw the needle, does acupuncture hurt", "does-acupuncture-hurt"),
    ("do I need a PET scan before spinal cord stimulation", "spinal-cord-stimulation"),
    ("how long does relief from nerve ablation last", "radiofrequency-ablation"),
    ("what is the most common injection for pain", "most-common-intervention"),
])
def test_near_wordings_keep_their_answer(faq_db, text, expect):
    assert _first(faq_db, text) == expect


@pytest.mark.parametrize("text, expect", [
    # strong fear, and the needle a blood test uses, ask whether acupuncture needles hurt
    ("are your acupuncture needles like the ones for a blood test? terrified", "does-acupuncture-hurt"),
    # "doped up" / "drugged" is about medicines; "feature" asks their role
    ("i dont want to be drugged, do pills feature much in treatment here", "medications-role"),
    # what most people have is the most common one
    ("what procedure do most people have for their back", "most-common-intervention"),
    # a herb that smoulders is moxa
    ("whats the treatment where a herb is smoldering over your skin", "moxibustion"),
    # "doesnt" refuses what follows, like "dont"; "prefer" and "rather" are hedges, not what is asked
    ("what can i have that doesnt involve injections", "non-invasive-options"),
    ("i'd rather have nothing invasive, what is there", "non-invasive-options"),
    # "similar" / "alike" ask what two kinds of care have in common
    ("is integrated care similar to interventional care", "pain-and-interventional-in-common"),
    # a pump that gives medicine by the spine is the intrathecal pump the stimulation entry explains
    ("a friend has a pump put in near her spine for medicine, what is that", "spinal-cord-stimulation"),
])
def test_found_in_set_17_shapes_reach_the_entry_that_answers(faq_db, text, expect):
    assert _first(faq_db, text) == expect


@pytest.mark.parametrize("text, expect", [
    ("what does interventional care involve", "interventional-modalities"),
    ("will i end up on pills forever", "medications-role"),
    ("what is the difference between integrated and interventional care", "pain-vs-interventional"),
    ("does moxibustion smoke", "moxibustion"),
    ("what is spinal cord stimulation", "spinal-cord-stimulation"),
    ("is acupuncture painful", "does-acupuncture-hurt"),
    ("what kinds of acupuncture are there", "acupuncture-kinds"),
    ("would you recommend physio or acupuncture for my knee", "non-invasive-options"),
])
def test_near_set_17_wordings_keep_their_answer(faq_db, text, expect):
    assert _first(faq_db, text) == expect


@pytest.mark.parametrize("text", [
    "could you suggest any good osteopaths near me",
    "could you suggest a good physio for my son",
    "any recommendations for a physiotherapist closer to home?",
])
def test_a_request_to_recommend_another_practitioner_is_not_ours(faq_db, text):
    assert _first(faq_db, text) is None
