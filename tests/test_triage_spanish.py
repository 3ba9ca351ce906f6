"""Spanish triage (issue 17, point 4): the goals on the known Spanish sets, folding, typos, mentions, and the bot.

The goals are asserted on every known Spanish set: the tuning set, the dev
set and the two held-out sets (es_round1, es_round2), all tuned on since
their one blind run. es_round2's misses were fixed with general rules; the
Spanish model was not retrained on it.
"""

import json
from pathlib import Path

import pytest

from tests import known_sets
from tests.harness import book_to_name_step
from wellbot.language.words import is_english
from wellbot.triage import engine, logic, model, spanish
from wellbot.triage.logic import Level
from wellbot.triage.spanish import assess, assess_both, fold, repair

KNOWN = known_sets.spanish_triage_sets()  # es_round2: known since its one run
TUNING, DEV, ROUND1 = KNOWN["tuning"], KNOWN["dev"], KNOWN["es_round1"]
MAX_FALSE_URGENT = 0.02  # issue 14's goal, the same for Spanish


def test_the_tuning_set_is_big_and_the_dev_set_a_fifth_of_all():
    assert len(TUNING["emergencies"]) >= 100
    assert len(TUNING["near_misses"]) >= 100
    assert len(DEV["emergencies"]) >= 25
    assert len(DEV["near_misses"]) >= 25


@pytest.mark.parametrize("name", KNOWN)
def test_every_spanish_emergency_in_a_known_set_is_urgent(name):
    missed = [c["text"] for c in KNOWN[name]["emergencies"] if assess_both(c["text"]).level is not Level.URGENT]
    assert missed == []


@pytest.mark.parametrize("name", KNOWN)
def test_spanish_near_misses_rarely_get_the_urgent_reply(name):
    urgent = [c["text"] for c in KNOWN[name]["near_misses"] if assess_both(c["text"]).level is Level.URGENT]
    assert len(urgent) / len(KNOWN[name]["near_misses"]) <= MAX_FALSE_URGENT, urgent


def test_spanish_questions_of_the_first_held_out_set_never_get_the_urgent_reply():
    texts = [c["q"] for c in ROUND1["questions"]] + ROUND1["off_topic"]
    assert [t for t in texts if assess_both(t).level is Level.URGENT] == []


@pytest.mark.parametrize("name", KNOWN)
def test_spanish_suicidal_and_self_harm_messages_get_the_crisis_line(name):
    wanted = [c["text"] for c in KNOWN[name]["emergencies"] if c["concept"] in ("suicidal", "self_harm")]
    assert len(wanted) >= 5
    assert [text for text in wanted if not assess_both(text).crisis] == []


def test_the_spanish_reading_changes_nothing_on_the_english_sets():
    texts = []
    for path in known_sets.ENGLISH_TRIAGE_FILES:  # the English sets already measured
        data = known_sets.load(path)
        texts += [c["text"] for c in data.get("emergencies", []) + data.get("near_misses", [])]
        texts += [c["q"] for c in data.get("questions", [])] + data.get("off_topic", [])
    assert len(texts) > 1000
    assert [t for t in texts if not _same_reading(assess_both(t), logic.assess(t))] == []


def _same_reading(both: logic.Finding, english: logic.Finding) -> bool:
    """The same finding; the same urgent reply with the model's "sounds urgent" named; or a Spanish clause's mention.

    Dev set 19 mixes languages ("Mi hermano tuvo un derrame cerebral hace 3 años, he has pain in the arm"): only
    the Spanish reading sees the stroke, and it adds the safety line the English reading cannot.
    """
    if both == english or (both.level is Level.MENTION and english.level is Level.NONE):
        return True
    return (both.level is english.level is Level.URGENT and english.concept == engine.MODEL_CONCEPT
            and both.crisis == english.crisis)


def test_folding_drops_accents_marks_and_held_letters_and_expands_texting():
    assert fold("¿Me duele el CORAZÓN?").strip() == "me duele el corazon?"
    assert fold("¡Ayudaaa! el año").strip() == "ayuda! el ano"
    assert fold("q me pasa xq tb k") == "que me pasa porque tambien que"
    assert fold("nopuedo respirar") == "no puedo respirar"


def test_real_spanish_and_english_words_are_never_bent_into_concept_words():
    words = ["peso", "toso", "dolo", "todo", "cansado", "mareo", "pesado", "sangre", "pecho", "weather", "chest"]
    assert all(spanish.is_spanish(w) or is_english(w) for w in words)
    assert [repair(w) for w in words] == words


def test_spanish_misspellings_are_repaired_towards_the_concepts():
    assert [repair(w) for w in ["garganda", "inchada", "bomitando", "sobredocis", "pesao"]] == [
        "garganta", "hinchada", "vomitando", "sobredosis", "pesado"]


@pytest.mark.parametrize("text", [
    "No puedo respirar", "NO PUEDO RESPIRAR!!!", "nopuedo respirar ayudaaa", "me duele el pexo",
    "me esta dando un infarto", "se me esta cerrando la garganta", "me tome todas las pastillas",
    "ya no quiero vivir", "mi familia estaria mejor sin mi", "i cant respirar", "took too many pastillas",
    "me desmaye", "Se me cayó un lado de la cara",
])
def test_spanish_typos_shouting_and_spanglish_are_urgent(text):
    assert assess_both(text).level is Level.URGENT


@pytest.mark.parametrize("text", [
    "tuve un infarto en 2019", "hace anos me desmayaba", "cuando era joven tuve asma", "a mi papa le dio un infarto",
    "que pasa si me da dolor de pecho", "la acupuntura puede causar un desmayo?",
    "cuales son los sintomas de un derrame?", "es normal que tenga fiebre despues de la inyeccion?",
    "mi hermana se desmaya a veces", "no tengo dolor de pecho", "sin fiebre despues de la inyeccion",
    "intente suicidarme hace tiempo, ahora estoy bien", "este dolor de espalda me esta matando",
    "me muero de hambre", "ya no quiero seguir con las pastillas",
])
def test_past_hypothetical_third_party_and_negated_spanish_is_not_urgent(text):
    assert assess_both(text).level is not Level.URGENT


@pytest.mark.parametrize("text", [
    "Jade Lopez", "Dolores Socorro Cortes", "Consuelo Tirado", "Remedios Quemado", "+1 555 0100", "hola", "gracias",
    "me tome 15 minutos de descanso", "el cielo esta azul", "tengo cita el martes",
])
def test_spanish_names_and_everyday_text_typed_at_a_step_are_nothing(text):
    """A name or phone step reads every text first: a name like "Jade" ("jadeo") must not alarm."""
    assert assess_both(text).level is Level.NONE


@pytest.mark.parametrize("text", [
    "se esta atragantando y no puede respirar",  # choking, now
    "mi nieto no puede toser ni respirar",  # "no puede X ni respirar"
    "se me salio el pipi sin darme cuenta",  # "el pipi" as well as "la pipi"
    "me pusieron la epidural esta manana y ahora las piernas estan cada vez mas debiles",  # legs failing after
    "estoy escribiendo cartas de despedida a mis hijos",  # farewell letters, plural
    "no creo que siga vivo para el lunes",  # not expecting to be alive, said sideways
    "me acabo de cortar y no para de sangrar",  # a fresh cut bleeding heavily
    "me volvi a lastimar, mas profundo esta vez",  # hurting oneself again, deeper
    "me estoy pegando en la cabeza a proposito",  # any harm verb done on purpose
    "le deje una nota a mi familia y me voy a tomar todo",  # a note to the family, "tomar todo"
    "ya no puedo mas con esta vida, quiero que todo termine",
    "para que sigo viviendo si nadie me quiere",
    "voy a saltar del puente",
    "tengo el cuchillo en la mano y me quiero cortar",
])
def test_spanish_concepts_found_missing_by_the_first_held_out_set_are_urgent(text):
    """General words and structures the first Spanish held-out set (and wording tried after it) showed missing."""
    assert assess_both(text).level is Level.URGENT


@pytest.mark.parametrize("text", [
    "me volvi a lastimar la espalda cargando cajas",  # a pain clinic hears this daily
    "no creo que este aqui la otra semana, me voy de viaje",
    "se atraganto con un hueso pero ya lo saco y esta bien",
    "el dolor de pecho que tuve en marzo era ansiedad",  # "que tuve" after the finding, a month named
    "resulto ser gastritis el dolor de pecho",
    "las agujas pueden hacer que uno se desmaye?",  # "puede hacer", "uno"
    "la gente se desmaya con las ventosas?",  # people in general
    "un amigo se desmayo en la clinica, eso es comun?",  # asking how common, nothing happening now
    "me dieron la inyeccion y no puedo caminar bien del dolor",
    "a proposito, tienen citas el sabado?",
    "quiero que todo termine con este dolor",
    "me voy a tomar todo el jarabe",
    "me quiero cortar el pelo",
    "voy a saltar de alegria",
])
def test_spanish_near_misses_like_the_first_held_out_sets_false_alarms_are_not_urgent(text):
    assert assess_both(text).level is not Level.URGENT


def test_asking_whether_it_is_normal_does_not_soften_an_emergency_now():
    assert assess_both("mi esposo se desmayo y no despierta, es normal?").level is Level.URGENT
    assert assess_both("me tome las pastillas de mas, es normal sentir sueno?").level is Level.URGENT


def test_the_spanish_model_ships_inside_the_package():
    data = json.loads(model.MODEL_FILE_ES.read_text(encoding="utf-8"))
    assert model.MODEL_FILE_ES.parent == Path(spanish.__file__).parent
    assert len(data["weights"]) > 1000


LONG_QUIET = "bueno pues la verdad me siento muy raro desde la manana"  # no concept; the model decides


def test_the_spanish_model_makes_a_rules_miss_urgent_from_its_cut_off():
    none = logic.Finding(Level.NONE)
    found = spanish.combine(none, False, spanish.MODEL_URGENT, spanish.MODEL_CONFIRMS, spanish.MODEL_URGENT,
                            LONG_QUIET)
    assert found == logic.Finding(Level.URGENT, logic.MODEL_CONCEPT)
    below = spanish.combine(none, False, spanish.MODEL_URGENT - 0.01, spanish.MODEL_CONFIRMS, spanish.MODEL_URGENT,
                            LONG_QUIET)
    assert below == none


def test_the_spanish_model_never_overrides_a_past_or_hypothetical_mention():
    mention = logic.Finding(Level.MENTION, "heart")
    assert spanish.combine(mention, True, 0.99, spanish.MODEL_CONFIRMS, spanish.MODEL_URGENT,
                           "tuve un infarto en 2019 y me dolia mucho el pecho") == mention


def test_a_short_spanish_message_is_the_rules_alone():
    """A name at the booking's name step ("Dolores Socorro Cortes") must never be urgent by the model."""
    none = logic.Finding(Level.NONE)
    assert spanish.combine(none, False, 0.99, spanish.MODEL_CONFIRMS, spanish.MODEL_URGENT,
                           "Dolores Socorro Cortes") == none


def test_the_spanish_model_adds_the_crisis_line_for_words_of_despair():
    found = spanish.combine(logic.Finding(Level.NONE), False, 0.95, spanish.MODEL_CONFIRMS, spanish.MODEL_URGENT,
                            "ya no aguanto, hoy es la ultima vez que les escribo, adios")
    assert found.level is Level.URGENT
    assert found.crisis


def test_a_rules_urgent_finding_the_model_doubts_is_a_mention_but_a_crisis_stands():
    heart = logic.Finding(Level.URGENT, "heart")
    assert spanish.combine(heart, False, 0.1, spanish.MODEL_CONFIRMS, spanish.MODEL_URGENT,
                           "me duele el pecho cuando respiro hondo") == logic.Finding(Level.MENTION, "heart")
    crisis = logic.Finding(Level.URGENT, "suicidal")
    assert spanish.combine(crisis, False, 0.0, spanish.MODEL_CONFIRMS, spanish.MODEL_URGENT,
                           "esta es mi ultima noche aqui") == crisis


def test_the_spanish_model_reads_only_mostly_spanish_messages():
    """English wording is the English reading's (and its model's): the Spanish model never saw it."""
    english = "i have been feeling really strange since this morning"
    assert spanish.assess(english) == spanish.rules_reading(english)[0]


def test_a_past_spanish_mention_gets_the_safety_line():
    assert assess_both("tuve un infarto en 2019, puedo hacerme acupuntura?") == logic.Finding(Level.MENTION, "heart")
    assert assess_both("hace tiempo tuve pensamientos suicidas").level is Level.MENTION


def test_when_both_readings_are_urgent_the_crisis_line_wins():
    finding = assess_both("me duele el pecho y me quiero matar")
    assert finding.level is Level.URGENT
    assert finding.crisis


def test_the_message_language_decides_a_word_both_languages_share():
    """"suicidas" matches the English patterns; only the Spanish reading sees "hace tiempo"."""
    assert logic.assess("mi prima intento suicidarse hace tiempo").level is Level.URGENT
    assert assess_both("mi prima intento suicidarse hace tiempo").level is Level.MENTION
    assert assess_both("i was suicidal in my teens but im fine now").level is Level.MENTION


def test_an_essay_and_a_giant_token_are_read_quickly_and_safely():
    assert assess("palabra " * 5000 + "no puedo respirar").level is Level.NONE  # only the first words are read
    assert assess("no puedo respirar " + "palabra " * 5000).level is Level.URGENT
    assert assess("x" * 4000).level is Level.NONE
    assert assess("").level is Level.NONE


async def test_a_spanish_emergency_outside_a_flow_gets_the_emergency_number_first(bot):
    ana = bot.user(3101, "Ana")
    staff = bot.staff()
    await ana.send("no puedo respirar, se me cierra el pecho")
    urgent = await ana.next_message()
    assert "911" in urgent.text
    alert = await staff.wait_for("Urgent reply sent")
    assert "3101" in alert.text
    await bot.settle()
    assert len(ana.messages) == 1  # nothing else: no FAQ answer, no "I don't know"


async def test_a_spanish_emergency_at_the_booking_name_step_is_not_saved_as_the_name(bot):
    luis = bot.user(3102, "Luis")
    await book_to_name_step(luis)
    await luis.send("me tome todas mis pastillas del dolor")
    urgent = await luis.next_message()
    assert "911" in urgent.text
    assert "kept" in urgent.text  # the booking is not lost
    state = bot.deps.flows.get(3102)
    assert state.step == "name"
    assert "name" not in state.data
    await luis.send("Luis Ortega")  # the flow carries on where it was
    await luis.wait_for("phone number")


async def test_indirect_spanish_suicidal_words_get_the_crisis_line(bot):
    rosa = bot.user(3103, "Rosa")
    await rosa.send("mi familia estaria mejor sin mi")
    urgent = await rosa.next_message()
    assert "988" in urgent.text
    assert "911" in urgent.text


async def test_a_past_spanish_mention_gets_the_answer_then_the_safety_line(bot):
    eva = bot.user(3104, "Eva")
    await eva.send("mi papa tuvo un infarto en 2019, que es la acupuntura?")
    first = await eva.next_message()
    assert "Please get help now" not in first.text
    line = await eva.wait_for("right now, call 911")
    assert line.message_id > first.message_id


def test_warming_keeps_its_own_tables_not_wordfreqs_whole_lists():
    """Found when tried (issue 22): `wellbot run` started at 177 MB, over the 150 MB a worker may use.

    Warming the Spanish triage built its tables from wordfreq's large Spanish
    and English lists, and wordfreq kept both lists cached (about 70 MB). The
    tables keep what they need; the lists are dropped, and load again if asked.
    """
    import wordfreq

    from wellbot.language.words import zipf
    from wellbot.triage import spanish

    spanish.warm()
    assert wordfreq.get_frequency_list.cache_info().currsize == 0
    assert wordfreq.get_frequency_dict.cache_info().currsize == 0
    assert spanish.is_spanish("pecho")
    assert zipf("pecho", "es") > 3, "a list asked for later loads again"


@pytest.mark.parametrize("text", [
    "me sigue sangrando la herida de la cirugia de ayer",
    "empape el vendaje de sangre donde me pusieron la epidural",
    "llene dos gasas de sangre desde la infiltracion de esta manana",
])
def test_bleeding_that_keeps_going_at_a_procedure_site_is_urgent(text):
    assert assess_both(text) == logic.Finding(Level.URGENT, "post_procedure")


@pytest.mark.parametrize("text", [
    "me dio un soponcio en la cocina hace un rato y sigo mareada",
    "me dio un patatus en el bano",
    "se me fue el mundo y me cai en la calle",
    "me levante rapido y de repente lo veo todo negro",
])
def test_fainting_colloquialisms_are_urgent(text):
    assert assess_both(text) == logic.Finding(Level.URGENT, "fainting")


@pytest.mark.parametrize("text", [
    "gracias por todo, ya no me van a ver mas. adios",
    "esta es la ultima vez que les escribo, gracias por todo",
    "cuiden a mis hijos por favor. adios",
    "adios para siempre, gracias por aguantarme",
    "ya escribi las cartas para mi familia y deje todo en orden",
    "estoy en la azotea pensando en tirarme",
])
def test_a_farewell_saying_they_will_not_be_seen_again_gets_the_crisis_line(text):
    finding = assess_both(text)
    assert finding.level is Level.URGENT
    assert finding.crisis


@pytest.mark.parametrize("text", [
    "adios, gracias, nos vemos el martes",
    "ya no me van a ver hasta enero porque me mudo",
    "me sangro un poquito y ya paro",
    "me sangro un poquito donde me pusieron la inyeccion y ya paro",
    "me estoy ahogando en deudas medicas, tienen planes de pago?",
    "estoy ahogado de trabajo y no puedo ir a la cita",
    "a mi tia le dio un patatus el ano pasado",
    "cuiden a mi mama en su cita del martes, gracias",
    "deje todo listo para la cita de manana",
    "deje todo arreglado para el viaje",
])
def test_near_misses_of_the_second_round_rules_are_not_urgent(text):
    assert assess_both(text).level is not Level.URGENT


@pytest.mark.parametrize("text", [
    "mi hijo esta convulsionando",
    "a mi esposo le esta dando una convulsion y no responde",
    "le esta dando un ataque epileptico",
])
def test_a_seizure_happening_now_is_urgent_in_spanish(text):
    """Found when tried (issue 14, triage part 1): "esta convulsionando" was only a mention."""
    assert assess_both(text) == logic.Finding(Level.URGENT, "seizure")


@pytest.mark.parametrize("text", [
    "tengo epilepsia, puedo hacerme acupuntura?",
    "mi hija tuvo convulsiones de bebe, es seguro?",
    "la acupuntura puede causar convulsiones?",
])
def test_spanish_seizure_near_misses_are_not_urgent(text):
    assert assess_both(text).level is not Level.URGENT


def test_when_both_readings_are_urgent_the_named_concept_wins_over_the_models_guess():
    """Staff are told "stroke", not "sounds urgent", when one reading named it (found after a retrain)."""
    named = logic.Finding(Level.URGENT, "stroke")
    guessed = logic.Finding(Level.URGENT, engine.MODEL_CONCEPT)
    text = "se le cayo la cara de un lado"
    assert spanish.merge(guessed, named, text) == named
    assert spanish.merge(named, guessed, text) == named
    crisis = logic.Finding(Level.URGENT, "suicidal")
    assert spanish.merge(named, crisis, text) == crisis
