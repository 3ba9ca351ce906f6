"""Issue 14, triage recall: crisis warning signs, self-harm in lay words and quantities of medicine taken.

General rules a crisis clinician would endorse (found on triage dev sets 19 and 20 and known set 16); every
wording here is new, in no set. Near wordings (history, a reason given, a planning context) stay non-urgent.
"""

import pytest

from wellbot.triage.logic import Level, assess


@pytest.mark.parametrize("text", [
    "I've given my cat to my sister and updated my will, I feel strangely at peace",
    "Got my affairs in order this week. so tired of fighting",
    "can you cancel the rest of my bookings, i will not need them after friday",
    "cancel all my sessions, i won't need them, i've said my goodbyes",
    "please cancel the rest of my visits, i will not be around for them",
    "I dont think ill be around much longer, dont reschedule me",
    "got a plan now. cant keep going",
    "kms fr",
    "thinkin bout ending it",
    "no point booking the follow up, I wont be around by then",
])
def test_warning_signs_of_suicide_get_the_crisis_line(text):
    assert assess(text).crisis


@pytest.mark.parametrize("text", [
    "sh again last night and it wont stop bleeding",
    "I carved a word into my arm with a compass",
    "my flatmate is making cuts on his arm right now and won't let me in",
    "I held a blade to my wrist again tonight",
    "hurting my thighs is how I cope and I did it again",
    "relapsed this morning, the cuts are worse than before",
    "I hit my hand against the door to punish myself",
    "smashed the window on purpose with my fist, glass everywhere",
    "my brother keeps banging his head on the floor and wont stop",
])
def test_self_harm_in_lay_words_gets_the_crisis_line(text):
    assert assess(text).crisis


@pytest.mark.parametrize("text", [
    "i swallowed about 12 of my codeine tablets an hour ago",
    "my son has eaten a whole packet of my iron tablets",
    "downed the entire bottle of sleeping pills",
    "I took way too many of my tramadol and now i cant keep my eyes open",
])
def test_a_quantity_of_medicine_taken_is_urgent(text):
    assert assess(text).level is Level.URGENT


@pytest.mark.parametrize("text", [
    "cancel all my appointments please, I won't need them, the injections fixed my back",
    "please cancel all my future bookings, I won't need them",
    "cancel all my bookings, I don't need them anymore",
    "cancel the rest of my sessions, won't be around for them, moving to Denver",
    "cancel every appointment I have, won't be needing them anymore thanks",
    "I won't be around next week, on holiday in Spain, can we move Tuesday?",
    "Im not going to be around much longer in London, moving to Leeds in May",
    "I've sorted my will and power of attorney with a solicitor, can I book for Thursday?",
    "I have a plan for managing my flare ups, can the doctor check it?",
    "walked 5 kms today and my hip aches",
    "I gave my dog to my daughter while I'm in hospital for my op, can I still come?",
    "i'll die of shame if the needle makes me cry",
    "I had thoughts of suicide 3 yrs ago, counselling sorted it, now I want help with my neck",
    "I dropped a knife on my leg while cooking, do I need a tetanus jab?",
    "the old scars from my self harm itch after cupping, is that normal?",
    "my back pain relapsed after 2 years, any new treatments?",
    "my toddler bangs his head when he's tired, is that normal",
    "I've had 14 tablets of naproxen over two weeks as prescribed, can I keep going?",
    "the pharmacist gave me a pack of 30 tablets, do I bring them?",
    "finished the whole box of chocolates you gave out at christmas, thank you!",
])
def test_near_wordings_stay_non_urgent(text):
    assert assess(text).level is not Level.URGENT
