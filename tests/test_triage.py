"""Triage as plain functions: the goals on every held-out set, the tuning set, typos, mentions and the crisis line.

Each held-out set in tests/heldout/ was committed before the code it first
measured and never edited; once measured it is no longer blind, and later
rounds were tuned with it in view. These tests keep every set passing; the
blind first-run figures are in benchmarks/README.md.
"""


from pathlib import Path

import pytest

from tests import known_sets
from wellbot.language.words import closest, fold, is_english, repair_tokens
from wellbot.triage import logic, model
from wellbot.triage.logic import Level, assess, vocabulary

SETS = known_sets.english_triage_sets()
HELDOUT = SETS["heldout"]
MAX_FALSE_URGENT = 0.02  # issue 14: at most 2% of harmless messages get the urgent-only reply


@pytest.mark.parametrize("data", SETS.values(), ids=SETS.keys())
def test_every_emergency_is_urgent(data):
    missed = [case["text"] for case in data["emergencies"] if assess(case["text"]).level is not Level.URGENT]
    print(f"\nurgent: {len(data['emergencies']) - len(missed)}/{len(data['emergencies'])}")
    assert len(data["emergencies"]) >= 30
    assert missed == []


@pytest.mark.parametrize("data", SETS.values(), ids=SETS.keys())
def test_near_misses_rarely_get_the_urgent_reply(data):
    urgent = [case["text"] for case in data["near_misses"] if assess(case["text"]).level is Level.URGENT]
    rate = len(urgent) / len(data["near_misses"])
    print(f"\nfalse urgent: {len(urgent)}/{len(data['near_misses'])} ({rate:.1%}): {urgent}")
    assert len(data["near_misses"]) >= 30
    assert rate <= MAX_FALSE_URGENT, urgent


def test_heldout_set_is_big_enough():
    assert len(HELDOUT["emergencies"]) >= 60
    assert len(HELDOUT["near_misses"]) >= 60


@pytest.mark.parametrize("data", SETS.values(), ids=SETS.keys())
def test_suicidal_and_self_harm_messages_get_the_crisis_line(data):
    wanted = [c["text"] for c in data["emergencies"] if c["concept"] in ("suicidal", "self_harm")]
    assert wanted
    assert [text for text in wanted if not assess(text).crisis] == []


@pytest.mark.parametrize("text", [
    "my father had a heart attack in 2019, can he still have acupuncture?",
    "can needles ever cause a collapsed lung?",
    "what if someone took too much of the medicine",
    "i was suicidal in my teens but im fine now",
])
def test_past_hypothetical_and_third_party_mentions_get_a_safety_line(text):
    assert assess(text).level is Level.MENTION


@pytest.mark.parametrize("text", [
    "I CAN'T BREATHE", "i cant breath", "chest pian", "i am suicidle", "i cannot breathe",
    "what is happening i cant breathe", "hi, can you help me? i can not breathe",
])
def test_typos_missing_apostrophes_and_shouting_still_urgent(text):
    assert assess(text).level is Level.URGENT


@pytest.mark.parametrize("text", ["", "   ", "hello", "Pat Smith", "+1 555 0100", "my back is killing me",
                                  "no chest pain, just my lower back", "i want to kill this pain"])
def test_everyday_text_is_not_urgent(text):
    assert assess(text).level is not Level.URGENT


def test_an_essay_is_read_quickly_and_safely():
    assert assess("word " * 5000 + "i cant breathe").level is Level.NONE  # only the first words are read
    assert assess("i cant breathe " + "word " * 5000).level is Level.URGENT


def test_folding_drops_apostrophes_and_contracts_negations():
    assert fold("I Can't, I CANNOT, I do not") == "i cant, i cant, i dont"


def test_real_english_words_are_never_bent_into_concept_words():
    words = ["weather", "pain", "chase", "breadth", "faith", "vine", "bored", "chess"]
    assert all(is_english(w) for w in words)
    assert repair_tokens(words, vocabulary()) == words


def test_misspellings_are_repaired_towards_the_concepts():
    assert repair_tokens(["pian", "cheast", "suicidle", "unconcious"], vocabulary()) == [
        "pain", "chest", "suicide", "unconscious"]
    assert closest("zzzz", vocabulary()) is None


@pytest.mark.parametrize("text", [
    "my chest has felt odd since this morning",  # no concept, but a symptom happening now
    "my husband is sweating and confused",  # a serious symptom stated about someone
])
def test_unrecognised_symptoms_now_still_get_the_safety_line(text):
    finding = assess(text)
    assert finding.level is not Level.NONE


@pytest.mark.parametrize("text", ["does acupuncture help with swelling?", "what is a nerve block"])
def test_general_questions_get_no_safety_line(text):
    assert assess(text).level is Level.NONE


def test_a_giant_token_is_not_repaired():
    """Staff may type 4,000 characters: a token that long is never a typo (its edits would take seconds)."""
    assert repair_tokens(["x" * 4000], vocabulary()) == ["x" * 4000]
    assert assess("x" * 4000).level is Level.NONE
    assert assess("é" * 1000 + " i cant breathe").level is Level.URGENT


# Wordings written for these tests (in no set): the rules alone miss them, the learned model catches them.
MODEL_ONLY = [
    "feels like an elephant sat on me and my left arm tingles",
    "hubby went grey and slumped over at the table",
]


@pytest.mark.parametrize("text", MODEL_ONLY)
def test_the_model_catches_emergencies_the_rules_miss(text):
    assert assess(text, use_model=False).level is not Level.URGENT
    assert assess(text).level is Level.URGENT


def test_an_indirect_suicidal_message_only_the_model_catches_gets_the_crisis_line():
    text = "nothing is worth it anymore and i have the tablets here"
    assert assess(text, use_model=False).level is not Level.URGENT
    assert assess(text).crisis


def test_the_model_ships_inside_the_package():
    """Nothing is downloaded or trained at run time: the weights are a file in wellbot/triage."""
    assert model.MODEL_FILE.parent == Path(logic.__file__).parent
    assert model.MODEL_FILE.stat().st_size > 0
    assert 0.0 <= model.probability(["i cant breathe"]) <= 1.0


def test_a_mention_the_rules_read_as_past_stays_a_mention_however_sure_the_model_is():
    past = logic.Finding(Level.MENTION, "heart")
    text = "my dad had a heart attack in 2019"
    assert logic.combine(past, True, 0.99, logic.MODEL_CONFIRMS, logic.MODEL_URGENT, text) is past


def test_an_unrecognised_message_the_model_is_sure_of_is_urgent():
    text = "hubby went grey at the table"
    found = logic.combine(logic.Finding(Level.NONE), False, 0.99, logic.MODEL_CONFIRMS, logic.MODEL_URGENT, text)
    assert found == logic.Finding(Level.URGENT, logic.MODEL_CONCEPT)


def test_a_rules_finding_the_model_finds_unlikely_still_gets_the_safety_line():
    """The model may overrule the urgent-only reply, never the emergency number: a mention keeps the safety line."""
    text = "my chest feels tight after the stairs"
    found = logic.combine(logic.Finding(Level.URGENT, "heart"), False, 0.01, logic.MODEL_CONFIRMS, logic.MODEL_URGENT,
                          text)
    assert found == logic.Finding(Level.MENTION, "heart")


@pytest.mark.parametrize("text", ["Ivy Black", "Thursday", "Mary Ann Black"])
def test_found_when_tried_a_name_or_a_word_is_never_urgent_by_the_model_alone(text):
    """Found when tried: "Ivy Black", typed at the booking's name step, got the urgent reply (the model scored 0.87)."""
    assert assess(text).level is not Level.URGENT
    assert logic.combine(logic.Finding(Level.NONE), False, 0.99, logic.MODEL_CONFIRMS, logic.MODEL_URGENT,
                         text) == logic.Finding(Level.NONE)


# Set 10's misses, as general rules (wordings in no set).
@pytest.mark.parametrize("text", [
    "i have made my decision. this is my last night, nothing helps",
    "i wont be around by the morning, i have given up",
    "im done, i cant do this any more",
    "saying my goodbyes now, whats the point",
])
def test_suicidal_intent_said_as_a_decision_plan_or_time_gets_the_crisis_line(text):
    assert assess(text, use_model=False).crisis
    assert assess(text).crisis


@pytest.mark.parametrize("text", [
    "i'm done with this pain, can i book",
    "last night the pain was bad",
    "i wont be here tomorrow, please move my appointment",
    "ive decided to try cupping since nothing works",
    "today is the last day of my holiday, are you open monday",
])
def test_a_decision_or_a_time_without_hopelessness_is_a_normal_question(text):
    assert assess(text).level is not Level.URGENT


@pytest.mark.parametrize("text", [
    "i blacked out in the hall just now",
    "came to on the bathroom floor, not sure how long i was out",
    "i think i lost consciousness for a bit, still feel awful",
])
def test_losing_consciousness_now_is_urgent(text):
    assert assess(text, use_model=False).level is Level.URGENT
    assert assess(text).level is Level.URGENT


@pytest.mark.parametrize("text", [
    "my frozen shoulder is driving me nuts",
    "my shoulder feels frozen again, can you help",
    "the waiting list is driving me up the wall",
])
def test_figures_of_speech_are_not_emergencies(text):
    assert assess(text).level is Level.NONE


def test_im_done_with_a_pain_complaint_is_not_hopelessness():
    """'Nothing works' is a pain clinic's everyday complaint: with 'im done' it still asks for an answer."""
    assert assess("im done, nothing works, can i try something else").level is not Level.URGENT


@pytest.mark.parametrize("text", [
    "she is seizing",
    "hes fitting",
    "my husband is having a seizure on the kitchen floor",
    "my son is convulsing and his eyes are rolling back",
    "im with my mum she started having a fit 5 minutes ago",
    "he keeps having seizures one after another",
])
def test_a_seizure_happening_now_is_urgent_and_named(text):
    """Found when tried (issue 14, triage part 1): no concept knew seizures; short ones got the normal answer."""
    assert assess(text) == logic.Finding(Level.URGENT, "seizure")


@pytest.mark.parametrize("text", [
    "my daughter had a seizure years ago, can she have acupuncture",
    "can acupuncture trigger a seizure?",
    "i have epilepsy, is cupping safe for me",
    "my boss is having a fit about the parking",
    "does the appointment fit around school pickup",
    "im having a fit of giggles at the waiting room music",
    "what are the signs of a seizure",
])
def test_seizure_near_misses_are_not_urgent(text):
    assert assess(text).level is not Level.URGENT


# Set 11's two false urgents, as general rules (its own messages first, then wordings in no set).
@pytest.mark.parametrize("text", [
    "My biggest fear is passing out in front of everyone. Can I lie down for the injection?",
    "im terrified of fainting during my acupuncture next week",
    "my main worry is having a seizure in the middle of the procedure, should i tell the doctor",
    "i dread blacking out at my appointment, can my husband come in with me",
    "my worst fear is collapsing during the nerve block",
])
def test_found_when_tried_a_fear_of_a_symptom_at_a_coming_visit_is_not_urgent(text):
    """Found when tried (blind set 11): a fear of passing out at an injection got the urgent reply."""
    assert assess(text, use_model=False).level is Level.MENTION
    assert assess(text).level is Level.MENTION


@pytest.mark.parametrize("text", [
    "I've blacked out the whole of next Friday in my planner for the RFA - is it morning or afternoon?",
    "ive blacked out my calendar for the nerve block, what time should i arrive",
    "can i black out next tuesday for the injection or is it a full day",
    "i blacked out two days in my diary for the ablation",
])
def test_found_when_tried_blacking_out_a_day_in_a_calendar_is_a_figure_of_speech(text):
    """Found when tried (blind set 11): "blacked out next Friday in my planner" got the urgent reply."""
    assert assess(text, use_model=False).level is Level.NONE
    assert assess(text).level is Level.NONE


@pytest.mark.parametrize("text", [
    "I blacked out in the shower just now",
    "im scared im going to pass out, everything is going dark",
    "i blacked out this morning and still feel awful",
    "i keep blacking out today and cant stand up",
])
def test_fainting_now_stays_urgent_beside_fears_and_calendars(text):
    assert assess(text).level is Level.URGENT


def test_a_fear_said_with_something_happening_now_is_not_read_as_hypothetical():
    """The rules' part: "right now" keeps the finding urgent (the model may still weigh it down to a mention)."""
    text = "im at the clinic for my injection and im worried about passing out right now"
    assert assess(text, use_model=False).level is Level.URGENT


# Set 11's two emergencies that got the urgent reply only from the model, without the crisis line.
@pytest.mark.parametrize("text", [
    "cancel all my appts pls, i wont be around after this weekend. ive made my plan",
    "i wont be here after tonight, ive made my decision",
    "just scratched my legs open with scissors and i keep wanting to do more",
    "been slashing my arms with a blade, cant stop",
])
def test_found_when_tried_a_plan_and_a_time_or_skin_cut_with_a_blade_gets_the_crisis_line(text):
    """Found when tried (set 11): these were urgent only by the model, as "sounds urgent", with no crisis line."""
    assert assess(text, use_model=False).crisis
    assert assess(text).crisis


@pytest.mark.parametrize("text", [
    "i wont be around after this weekend, ive made my plans for the holiday, can i move my appt",
    "ive made a plan for my pain with the physio",
])
def test_plans_for_a_holiday_or_the_pain_are_not_a_crisis(text):
    assert not assess(text).crisis


@pytest.mark.parametrize("text", [
    "im scared of killing myself before my appointment",
    "I am scared I will kill myself",
    "im afraid ill hurt myself tonight",
    "honestly im terrified i might end it all",
])
def test_being_afraid_of_harming_oneself_is_a_disclosure_not_a_worry(text):
    """Found in review: "scared of killing myself" read as a hypothetical fear and got only the safety line."""
    finding = assess(text)
    assert finding.level is Level.URGENT
    assert finding.crisis


@pytest.mark.parametrize("text", [
    "im scared of dying during the nerve block, is it safe",
    "scared that i will faint at the injection",
])
def test_a_fear_of_a_symptom_at_a_procedure_stays_a_mention(text):
    assert assess(text).level is not Level.URGENT


@pytest.mark.parametrize("text", [
    "im scratching my wrists with broken glass right now, theres blood everywhere",
    "cutting my arms with a sharp knife again",
])
def test_skin_cut_with_a_described_sharp_thing_is_self_harm(text):
    """Found in set 12's one blind run: "with broken glass" (a word before the blade) missed the crisis line."""
    assert assess(text).crisis


def test_someone_with_the_patient_whose_procedure_was_today_is_not_a_past_mention():
    """Found in set 12's one blind run: "my mum had her nerve block this morning" read as someone else's past."""
    text = ("my mum had her nerve block this morning and the lump where they injected keeps growing, "
            "it's doubled in the last hour and she's gone pale")
    assert assess(text).level is Level.URGENT
    assert assess("my dad had a heart attack in 2019, is acupuncture ok").level is not Level.URGENT


@pytest.mark.parametrize("text", ["Yes, from 8:30.", "yes 8:30 works", "ok 10:15 tmrw", "see you at 9:45 on the 12th"])
def test_a_time_or_a_date_is_not_an_emergency(text):
    """Found by CI: a staff reply "Yes, from 8:30." got the urgent reply (the model learned digits)."""
    assert assess(text).level is Level.NONE


@pytest.mark.parametrize("text", [
    "my number is 07700 900123", "my new mobile is +44 7911 123456, the old one is gone",
    "call me on 0161 496 0000 after 5", "ok 3pm thursday", "DOB 12/03/1961", "date of birth 03.11.58",
    "booked for 14/12 at 10:30, see you then", "can we do the 4th at 11", "pain 6/10 today", "pain score 8 out of 10",
    "back pain about a 7 today, 5 yesterday", "ref 20931, invoice 2024-118",
    "room 3, 2nd floor, bus 38 from the station",
])
def test_figures_in_a_booking_reply_or_a_check_in_give_no_safety_line(text):
    """Issue 14: phone numbers, times, dates and pain scores are not emergencies: neither urgent nor a safety line."""
    assert assess(text).level is Level.NONE


def test_the_model_reads_no_figures():
    """The model learned digits from emergencies ("30 minutes ago", "fever 39.5"): it now reads only words."""
    assert not any(ch.isdigit() for name in logic.model_features("took 20 pills 30mins ago, 2x 500mg") for ch in name)
    assert logic.model_features("call me on 07700 900123 please") == logic.model_features("call me on please")


def test_a_pain_score_is_for_the_rules_alone():
    """Found in review: the model alone made a check-in answer urgent; the rules still catch an emergency with one."""
    assert assess("it was 8 out of 10 yesterday, now 5").level is Level.NONE
    assert assess("my pain is 10/10 and my chest is crushing, sweating").level is Level.URGENT


@pytest.mark.parametrize("text", ["i dont want to live on painkillers", "I don't want to live on pills forever",
                                  "i dont want to live on opioids for the rest of my life",
                                  "dont want to live on my medication, what else can help"])
def test_found_when_tried_not_wanting_to_live_on_painkillers_is_a_question_about_medicines(text):
    """Found by benchmarks/understanding_live.py: this FAQ tuning question got the crisis line through the bot."""
    assert assess(text).level is not Level.URGENT


@pytest.mark.parametrize("text", ["i dont want to live anymore", "i dont want to live like this",
                                  "i dont want to live on this earth", "i dont want to live"])
def test_not_wanting_to_live_stays_urgent(text):
    assert assess(text).level is Level.URGENT
    assert assess(text).concept == "suicidal"


# The stress set's first run (tests/triage_stress_en.toml), as general rules (wordings in no set).
@pytest.mark.parametrize("text", [
    "anaphylaxis starting i think, throat itchy and tight",
    "allergic reaction getting worse by the minute, hives up my neck",
    "gave her her epipen 5 mins ago and shes still wheezing",
    "had to use my epi pen, still feel awful",
])
def test_an_allergic_reaction_said_to_be_going_on_or_an_epipen_used_is_urgent(text):
    assert assess(text).level is Level.URGENT


@pytest.mark.parametrize("text", [
    "i used my epipen once as a child after a bee sting",
    "what should i do if i need to use my epipen at the clinic?",
    "do you keep an epipen at the clinic",
])
def test_an_epipen_in_the_past_or_a_question_is_not_urgent(text):
    assert assess(text).level is not Level.URGENT


@pytest.mark.parametrize("text", [
    "im sat on the ledge of the car park roof",
    "i have climbed onto the roof and i want it to stop",
    "i am standing at the train tracks",
    "stood on the roof edge, this is it",
])
def test_the_writer_at_a_place_to_jump_from_gets_the_crisis_line(text):
    assert assess(text).crisis


@pytest.mark.parametrize("text", [
    "we stood on the bridge for photos last summer, lovely view",
    "is the clinic near the bridge",
    "im sitting on the edge of my bed, back too sore to stand",
    "stood on the platform for ages this morning, knees aching",
    "sitting on the roof terrace of the cafe next door, can i come in 10 minutes early",
])
def test_a_bridge_or_an_edge_in_passing_is_not_urgent(text):
    assert assess(text).level is not Level.URGENT


@pytest.mark.parametrize("text", [
    "picked at my face until it bled, cant stop",
    "bit my hand till it was bleeding because everything hurts",
])
def test_skin_hurt_until_it_bled_is_self_harm_in_any_tense(text):
    assert assess(text).crisis


@pytest.mark.parametrize("text", [
    "my friend collapsed at the gym and was taken to hospital, can exercise cause that?",
    "a colleague had a seizure at work and was sent home, can stress do that",
    "my neighbour is in hospital after a stroke, can i bring her card to reception",
])
def test_someone_else_gone_home_or_in_hospital_is_a_mention(text):
    assert assess(text).level is not Level.URGENT


@pytest.mark.parametrize("text", [
    "my son is home from school and hes having a fit on the sofa",
    "my husband collapsed in the kitchen and wont wake up",
])
def test_someone_with_the_writer_stays_urgent(text):
    assert assess(text).level is Level.URGENT


def test_someone_elses_self_harm_in_a_carers_hands_is_a_mention_unless_now():
    assert assess("my daughter self harms and her counsellor thinks yoga might help").level is not Level.URGENT
    now = assess("my daughter is self harming right now and her counsellor isnt picking up")
    assert now.level is Level.URGENT
    assert now.crisis


@pytest.mark.parametrize("text", [
    "is it normal for my face to droop on one side? its happening as i type",
    "should i be worried about a tight chest and my arm aching, its going on right now",
])
def test_a_question_about_a_finding_said_to_be_happening_now_is_urgent(text):
    assert assess(text).level is Level.URGENT


@pytest.mark.parametrize("text", [
    "is it normal to faint after cupping?",
    "i had a seizure in 2008, my appointment is happening now, can i still have needles",
])
def test_a_general_question_or_a_past_finding_stays_a_mention(text):
    assert assess(text).level is not Level.URGENT


@pytest.mark.parametrize("text", [
    "I have chest pain after acupuncture, is that normal?",
    "hi i have a swollen tongue since the injection, is this normal?",
    "ive got chest pains after the cupping, is that normal",
])
def test_found_by_the_full_suite_a_symptom_the_writer_has_asked_as_is_that_normal_stays_urgent(text):
    """The round's retrain scored the first 0.32: check-ins ask "is that normal?" of harmless aches."""
    assert assess(text).level is Level.URGENT


@pytest.mark.parametrize("text", [
    "PASSED OUT JUST NOW AFTER MY ACUPUNCTURE SESSION, STILL SHAKY",  # set 13, blind: the model said 0.29
    "blacked out a few minutes ago on the stairs and my head is pounding",
    "fainted moments ago in the waiting room after the injection",
])
def test_found_in_blind_set_13_a_faint_a_moment_ago_is_urgent(text):
    """"just now" dates the clause it is in (it used to split it) and says the event is going on."""
    assert assess(text).level is Level.URGENT


@pytest.mark.parametrize("text", [
    "i read just now that fainting can happen after acupuncture, is that true?",
    "my friend fainted a few minutes ago in a film i was watching lol",
    "passed out after my acupuncture last month, is that normal",
])
def test_a_faint_read_about_a_moment_ago_or_someone_elses_stays_a_mention(text):
    assert assess(text).level is Level.MENTION


@pytest.mark.parametrize("text", [
    "need to feel something other than this pain so im holding the hot iron against my leg",  # set 13, blind
    "pressing a lit cigarette onto my arm again",
    "i keep putting the lighter to my wrist",
])
def test_found_in_blind_set_13_burning_oneself_with_something_hot_gets_the_crisis_line(text):
    finding = assess(text)
    assert (finding.level, finding.concept, finding.crisis) == (Level.URGENT, "self_harm", True)


def test_a_hot_object_against_the_skin_by_accident_is_not_self_harm():
    assert assess("i put the hot pan on my leg by accident, will it scar").concept != "self_harm"


@pytest.mark.parametrize("text", [
    "Dear Sir or Madam, following my trigger point injection this morning, the site continues to bleed despite firm"
    " pressure for over 30 minutes.",  # set 14, blind
    "since the injection the spot is still bleeding and pressure isnt stopping it",
])
def test_found_in_blind_set_14_bleeding_that_pressure_does_not_stop_after_a_procedure_is_urgent(text):
    assert (assess(text).level, assess(text).concept) == (Level.URGENT, "post_procedure")


@pytest.mark.parametrize("text", [
    "20 years of this pain. I am on the bridge now. I am finished with it.",  # set 14, blind
    "Wrote letters to my kids today and gave the dog to my neighbour. I won't be needing next week's appointment.",
    "cancel all my appts pls, won't be around for them. dont worry its going to be peaceful",  # crisis line missing
    "i am at the cliff edge, no point any more",
])
def test_found_in_blind_set_14_affairs_in_order_and_an_edge_with_hopelessness_get_the_crisis_line(text):
    finding = assess(text)
    assert finding.level is Level.URGENT
    assert finding.crisis


@pytest.mark.parametrize("text", [
    "gave the dog to my neighbour while im at the clinic, will i need a lift home?",
    "I'm moving abroad so I won't be needing my appointment, please cancel",
    "wrote letters to my kids school about my pain, can you give me a note",
    "I am finished with the intake form, what next",
])
def test_putting_things_in_order_or_being_finished_alone_is_not_urgent(text):
    assert assess(text).level is not Level.URGENT


@pytest.mark.parametrize("text", [
    "During my worst pain year I had thoughts of ending my life. I'm in therapy now and stable, and want to add"
    " acupuncture.",  # set 14, blind: urgent
    "Someone in my support group said spinal cord stimulators made her depressed and suicidal, is that true?",
])
def test_found_in_blind_set_14_a_past_crisis_now_stable_or_a_reported_effect_is_a_mention_with_the_crisis_line(text):
    finding = assess(text)
    assert (finding.level, finding.concept) == (Level.MENTION, "suicidal")


@pytest.mark.parametrize("text", [
    "i want to end my life, im at home now and alone",
    "my friend said she wants to kill herself tonight, what do i do",
    "these pills make me feel suicidal right now",
])
def test_a_crisis_going_on_now_stays_urgent_beside_the_new_mention_markers(text):
    assert assess(text).level is Level.URGENT


def test_running_late_on_a_bridge_is_where_the_patient_is_not_a_crisis():
    """The model alone made it urgent with the crisis line (found in this round's review)."""
    assert assess("im on the bridge now, 5 minutes late sorry").level is Level.NONE


@pytest.mark.parametrize("text", [
    "running late, chest pain and sweating, cant breathe",
    "on my way but my face is drooping and my arm is weak",
    "im on my way to the bridge to end it all",
])
def test_an_emergency_on_the_way_to_the_clinic_stays_urgent(text):
    assert assess(text).level is Level.URGENT


# Issue 14, dev sets 19 and 20: emergencies in new words. Each rule is tested in wordings of no set, beside near
# wordings (history, hypotheticals, figures of speech) that must stay non-urgent.
@pytest.mark.parametrize("text, concept", [
    ("since teatime mum cant lie flat, she ends up panting and has to sit on the edge of the bed", "breathing"),
    ("as soon as i lie back in bed tonight it feels like drowning, i have to sit up to breathe", "breathing"),
    ("my epidural site started bleeding again two hours after i got home", "post_procedure"),
    ("had the epidural today and there is blood dripping down my back", "post_procedure"),
    ("im on warfarin and since the injection yesterday the bruise on my hip is getting bigger", "post_procedure"),
    ("after his facet injection on monday hes burning up and confused, doesnt know what day it is", "post_procedure"),
    ("my husband slumped to the ground in the car park just outside", "fainting"),
    ("she keeled over at the reception desk", "fainting"),
    ("she just crumpled to the floor in the lift", "fainting"),
    ("so dizzy and sweating, think im about to go down", "fainting"),
    ("my sight is going grey at the edges and im really woozy", "fainting"),
])
def test_dev_sets_19_and_20_new_words_for_an_emergency_now_are_urgent(text, concept):
    finding = assess(text)
    assert (finding.level, finding.concept) == (Level.URGENT, concept)


@pytest.mark.parametrize("text", [
    "i cant lie flat on my back because of the sciatica, can i have the injection sitting up?",
    "im drowning in paperwork for my insurance claim, can you send the invoice again",
    "is it normal for a bruise after an injection to get bigger over a few days?",
    "i'm confused about whether to take my warfarin before the injection",
    "i dropped my phone on the floor in your waiting room, has anyone handed it in",
    "about to go into my appointment, anything i should bring?",
    "i get tunnel vision when im concentrating on work",
    "my friend looked like she was about to pass out at the gym yesterday but she was fine",
    "last yr i had a bad allergic reaction to plasters, please use tape",
    "my son choked on a grape over christmas, we were all so shocked, is first aid taught here",
    "im going to die of embarrassment if i have to undress for the session",
])
def test_dev_sets_19_and_20_near_wordings_of_the_new_rules_stay_non_urgent(text):
    assert assess(text).level is not Level.URGENT


@pytest.mark.parametrize("text", [
    "is it normal to get a tight chest going up hills? this time it hasnt eased with sitting down for half an hour",
    "booked in for acupuncture friday, also rn my chest is really heavy and my left arm aches haha probably nothing",
])
def test_a_chest_pain_that_rest_does_not_ease_or_said_to_be_now_is_urgent_despite_a_question_or_a_laugh(text):
    assert (assess(text).level, assess(text).concept) == (Level.URGENT, "heart")


@pytest.mark.parametrize("text", [
    "is it normal to get a tight chest after climbing stairs? it goes once i rest",
    "my chest was heavy last week lol, all fine now, see you thursday",
])
def test_an_exertion_pain_that_eases_or_a_past_one_stays_a_mention(text):
    assert assess(text).level is not Level.URGENT


@pytest.mark.parametrize("text", [
    "last yr i had a bad allergic reaction to plasters, please use tape",
    "my son choked on a grape over christmas, we were all so shocked, is first aid taught here",
    "the man behind me at the pharmacy seemed like he was about to faint, hope hes alright",
    "had chest pain 3 yrs ago, just so you know before the acupuncture",
])
def test_texting_years_a_feast_day_and_how_someone_looked_date_a_finding_as_past(text):
    assert logic.rules_reading(text)[1] is True
