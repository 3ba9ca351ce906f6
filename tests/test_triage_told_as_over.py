"""Issue 14, triage on set 17's misses: warning signs in any order, self-harm beside the writer, findings told as over.

General rules (a month told in the past, "it passed", "fine since", "all clear", a phase gone through, exes and
mates as other people); every wording here is new, in no set. Near wordings that say it is going on now stay urgent.
"""

import pytest

from wellbot.triage import logic
from wellbot.triage.logic import Level, assess


@pytest.mark.parametrize("text", [
    "said all my goodbyes, so please cancel all my appointments, I won't be needing them",
    "Got my affairs sorted and I've said my goodbyes to the family. Please cancel my sessions",
    "I've said my goodbyes and put my affairs in order",
    "please cancel my bookings, I won't be needing them, finished sorting out my affairs this week",
])
def test_affairs_and_goodbyes_said_in_any_order_get_the_crisis_line(text):
    assert assess(text).crisis


@pytest.mark.parametrize("text", [
    "Said my goodbyes to the team today, I'm retiring! Can I move my appointments to mornings?",
    "I've sorted my will and said my goodbyes at the leaving do, cancel my appointments as I'm moving to Spain",
    "said my goodbyes to my gran at the hospice, can I move Friday's session?",
    "I've updated my will, can I book in for Thursday?",
])
def test_goodbyes_or_a_will_with_a_reason_or_alone_are_not_a_crisis(text):
    assert assess(text).level is not Level.URGENT


@pytest.mark.parametrize("text", [
    "my girlfriend is scratching a razor blade into her forearm in front of me",
    "Pal of mine keeps pressing a shard of glass into his arm and won't stop",
    "I'm digging scissors into my wrist again",
    "my flatmate is sat next to me gouging a knife into her thigh",
])
def test_a_sharp_thing_dug_into_the_skin_is_self_harm(text):
    assert assess(text).crisis


@pytest.mark.parametrize("text", [
    "the nurse pressed the needle into my arm and it stung, is that normal?",
    "I accidentally pressed the scissors into my palm while wrapping presents, it's a small nick",
    "digging a knife into the cold butter hurts my wrist, any tips for arthritic hands?",
])
def test_a_needle_or_an_accident_is_not_self_harm(text):
    assert assess(text).level is not Level.URGENT


@pytest.mark.parametrize("text", [
    "Passed out on the train in March, it was the heat. Can I book cupping?",
    "my husband collapsed at a football match back in October, cardiology found nothing. Can he book?",
    "I blacked out at a festival in July after too little water",
])
def test_a_finding_in_a_month_told_in_the_past_is_a_mention(text):
    assert logic.rules_reading(text)[1] is True
    assert assess(text).level is not Level.URGENT


@pytest.mark.parametrize("text", [
    "since August my chest has hurt and now it is crushing and I'm sweating",
    "I fainted in June and I've just fainted again on the kitchen floor",
    "I'm collapsing in the shop, it started in May but today it won't stop",
])
def test_a_month_with_the_finding_going_on_now_stays_urgent(text):
    assert assess(text).level is Level.URGENT


@pytest.mark.parametrize("text", [
    "Went dizzy and fainted at the gym on Saturday, it passed in seconds and I've been fine since. Ok for Monday?",
    "Fainted giving blood on Monday. The nurse checked me over, all clear. Can I have my injection as planned?",
    "felt like I'd pass out on the bus last night but the feeling passed quickly, mentioning it for my notes",
])
def test_a_finding_said_to_have_passed_or_been_cleared_is_a_mention(text):
    assert assess(text).level is not Level.URGENT


@pytest.mark.parametrize("text", [
    "I felt faint and it hasn't passed, I'm on the floor",
    "I fainted earlier, it passed, but now I'm fainting again and can't stand",
    "The dizziness passed but my chest is crushing",
    "had the all clear from the GP last month but I've collapsed twice today",
    "I was fine since the injection but I've just collapsed",
])
def test_a_finding_going_on_beside_a_passing_or_an_all_clear_stays_urgent(text):
    assert assess(text).level is Level.URGENT


@pytest.mark.parametrize("text", [
    "My son went through a period of self-harm as a teen, he's thriving now. Can he book in for his knee?",
    "I self harmed when I was at uni, mentioning it before my acupuncture",
    "my partner went through a bad patch of suicidal thoughts, can you recommend a counsellor?",
])
def test_a_phase_gone_through_or_a_time_at_uni_is_past(text):
    assert logic.rules_reading(text)[1] is True
    assert assess(text).level is not Level.URGENT


@pytest.mark.parametrize("text", [
    "my daughter is self-harming at uni right now and won't answer her phone",
    "I'm going through a phase of cutting myself again",
    "I've been going through a phase of self harming and did it again tonight",
])
def test_a_phase_going_on_now_stays_a_crisis(text):
    assert assess(text).crisis


@pytest.mark.parametrize("text", [
    "my ex had suicidal thoughts when we were together, can I talk to someone about my own low mood?",
    "A mate of mine was suicidal after his back surgery, he's getting help. Do you offer talking support?",
    "my mate was unconscious for a minute after a rugby tackle, is he ok to have his injection?",
])
def test_an_ex_or_a_mate_in_the_past_is_someone_elses_mention(text):
    assert logic.rules_reading(text)[1] is True
    assert assess(text).level is not Level.URGENT


@pytest.mark.parametrize("text", [
    "my ex is threatening to kill himself tonight and has pills ready",
    "my mate has just taken all his pills and says he wants to end it all",
])
def test_an_ex_or_a_mate_in_a_crisis_now_stays_urgent(text):
    assert assess(text).crisis


@pytest.mark.parametrize("text", [
    "felt faint in the queue yesterday and I've been fine since, just letting you know before Friday",
    "Had a funny turn and nearly blacked out on Sunday. The GP ran an ECG, all clear",
])
def test_a_message_told_in_the_past_that_says_fine_since_or_all_clear_is_resolved(text):
    assert logic.rules_reading(text)[1] is True
    assert assess(text).level is not Level.URGENT


@pytest.mark.parametrize("text", [
    "my ex fainted at work and was sent home, can he still book?",
    "a mate of mine self harms and his therapist suggested acupuncture",
])
def test_an_ex_or_a_mate_gone_home_or_in_a_carers_hands_is_someone_elses_mention(text):
    assert logic.rules_reading(text)[1] is True


@pytest.mark.parametrize("text", [
    "lately i keep thinking about never waking up again",
    "every night I pray I don't wake up in the morning",
    "honestly I'm dreaming of just not waking up, I have the pills ready",
])
def test_wishing_not_to_wake_up_is_suicidal_with_the_crisis_line(text):
    finding = assess(text)
    assert finding.level is Level.URGENT
    assert finding.crisis


@pytest.mark.parametrize("text", [
    "I was thinking about not waking up early on Friday, is 11 free?",
    "hoping I don't wake up with a stiff neck after the cupping tomorrow",
])
def test_not_waking_early_and_hoping_a_side_effect_away_are_not_urgent(text):
    assert assess(text).level is not Level.URGENT


def test_a_collapse_today_stays_urgent_beside_an_old_all_clear():
    text = "the cardiologist gave me the all clear in May but I fainted twice this morning"
    assert assess(text).level is Level.URGENT
