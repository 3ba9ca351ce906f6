"""Spotting emergencies in Spanish, the way a clinician reads it. No Telegram imports.

The SPANISH lexicon of the triage engine (wellbot.triage.engine), which
reads English too (wellbot.triage.logic): the same steps with Spanish
words and folding, and the same Finding as its answer:

1. The message is folded: lower case, accents and the tilde dropped ("á" ->
   "a", "ñ" -> "n", the way patients type on an English keyboard), "¿" and
   "¡" dropped, letters held down collapsed ("ayudaaa" -> "ayuda"), texting
   spellings expanded ("q" -> "que", "xq" -> "porque", "tb" -> "tambien").
   Misspelt words are repaired towards the words the concepts use, but only
   a token that is neither a Spanish nor an English word on wordfreq's lists
   ("garganda" -> "garganta"; "peso" and "toso" stay as they are); the
   spoken "-ao" of the Caribbean and Spain is read as "-ado" ("pesao"). The
   text is cut into clauses at punctuation and at "pero", "aunque", "ahora",
   "ya".
2. Each clause is matched against the Spanish CONCEPTS, named like the
   English ones (heart, stroke, breathing, ...).
3. A finding in a clause that is historical ("hace anos", "en 2019",
   "cuando era joven", "tuve ..."), hypothetical ("que pasa si", "puede
   causar", "sintomas de", "es normal que"), habitual ("a veces"), someone
   else's in the past ("le dio") or negated ("no tengo dolor de pecho",
   "sin fiebre"; but "no siento las piernas" is the complaint itself) is a
   MENTION; any other finding is URGENT. A habit does not soften suicidal
   thoughts or self-harm.
4. A small learned model (wellbot.triage.model, weights in model_es.json,
   trained by `benchmarks/triage_model.py --language es` on every known
   Spanish set)
   backs the rules for a message mostly in Spanish, as the English model
   does (logic.combine): a message the rules missed is urgent from
   MODEL_URGENT, never over a past or hypothetical mention; a rules' urgent
   finding it finds less than MODEL_CONFIRMS likely is a mention, except
   suicidal thoughts and self-harm; under four words, the rules decide.

Patients mix languages and Telegram's language setting is often English, so
every message is read by both readings (wellbot.triage.actions.read) and the
more severe finding wins. Spanglish is covered from both sides: English
words are read by the English concepts, and the few English words that meet
Spanish ones here ("i cant respirar") are in these patterns.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from wellbot.language.words import MAX_REPAIR_LENGTH, MIN_REPAIR_LENGTH, closest, is_english, release_word_lists
from wellbot.triage import engine, logic, model

# Re-exported: the bot and the benchmarks read these from here (spanish.MODEL_URGENT, spanish.SAFETY_NET).
from wellbot.triage.engine import (  # noqa: F401
    MODEL_CONCEPT,
    MODEL_CONFIRMS,
    MODEL_URGENT,
    SAFETY_NET,
    Concept,
    Finding,
    Level,
    gap,
    near,
)

# Zipf frequency from which a folded token counts as correctly spelt Spanish.
# Measured on wordfreq's "large" Spanish list (accents folded, the commonest
# spelling kept): misspellings of the words triage needs sit far below it
# ("pexo", "desmalle", "inchada", "garganda", "bomitar" are not listed at all,
# "corason" 1.28), while Spanish is rich in rare real verb forms that must
# stay as they are ("toso" 2.34 must not become "tomo" or "todo").
KNOWN_SPANISH_ZIPF = 2.0
COMMONEST_ZIPF = 5.5  # vocabulary words this common ("todo" 6.35, "quiero" 5.79) are never repair targets
HELD_LETTER = re.compile(r"([a-z])\1{2,}")  # "ayudaaa", "dueleee": a letter held down
APOSTROPHES = re.compile("['\u2019\u2018`\u00b4]")
PUNCTUATION = re.compile("[\u00bf\u00a1]")  # "¿" and "¡"
TOKEN = re.compile(r"[a-z0-9]+")
# Texting spellings and run-together words, token by token (folded forms).
SHORTHAND = {
    "q": "que", "k": "que", "ke": "que", "qe": "que", "xq": "porque", "pq": "porque", "porq": "porque",
    "xk": "porque", "xke": "porque", "pk": "porque", "tb": "tambien", "tmb": "tambien", "tmbn": "tambien",
    "tbn": "tambien", "x": "por", "d": "de", "toy": "estoy", "stoy": "estoy", "sta": "esta", "stan": "estan",
    "kiero": "quiero", "kero": "quiero", "pa": "para", "bn": "bien", "mxo": "mucho", "mcho": "mucho", "nd": "nada",
    "aki": "aqui", "cn": "con", "dl": "del", "xfa": "por favor", "porfa": "por favor", "ahorita": "ahora",
    "horita": "ahora", "orita": "ahora", "nopuedo": "no puedo", "nopuede": "no puede", "ayudenme": "ayuda",
    "aiuda": "ayuda", "tngo": "tengo", "tng": "tengo", "dsd": "desde", "dspues": "despues", "pexo": "pecho",
    "muxo": "mucho", "noxe": "noche", "m": "me", "t": "te", "ta": "esta", "tas": "estas", "tamos": "estamos",
}
CLAUSE_BREAK = re.compile(r"[.,;!?\n:()]+|\s+(?:pero|aunque|ahora|ya|sino|but|now)\s+")

# Word classes (folded Spanish).
CHEST = r"pecho|torax|esternon|chest(?! wall| muscle)"
DISCOMFORT = (r"dolor\w*|duel\w*|dolio|aprie\w*|apret\w*|presion|opresi\w*|oprim\w*|peso|pesad\w*|elefante|ardor|arde"
              r"|quema\w*|punzada\w*|molest\w*|estruj\w*|exprim\w*|aplast\w*|pain|fierro|piedra|ladrillo|losa|plomo"
              r"|tenaza\w*")
ARM_JAW = r"quijada|mandibula|brazo|hombro|cuello|espalda alta"
ARM_JAW_FEELING = r"dol\w*|duel\w*|adormec\w*|entum\w*|dormid\w*|pesad\w*|hormigu\w*"
HEART_CONTEXT = (r"\bsud\w*|\bpalid\w*|\bnause\w*|\bvomit\w*|\bganas de vomitar|\bmare\w*|\bfalta el aire|\bfrio\b"
                 r"|\bgris\b|\bsweat\w*")
FACE = r"cara|boca|sonrisa|labio|labios|rostro|lado de la cara"
FACE_FALLEN = (r"ca[iy]\w*|chuec\w*|torc\w*|tuerc\w*|colgad\w*|dormid\w*|adormec\w*|entum\w*|paraliz\w*|desviad\w*"
               r"|caid\w*"
               r"|de lado|no se mueve|no la puedo mover|no puede mover|muert\w*|sin mover\w*")
SPEECH = r"habl\w*|palabras|lengua|voz"
SPEECH_WRONG = (r"enredad\w*|trab\w*|rar\w*|arrastr\w*|no se le entiende|no se me entiende|pastos\w*|incoherente"
                r"|sin sentido|no tiene sentido|no le entiendo|no (?:me|le) salen|no (?:me|le) sale")
SUDDEN = r"de la nada|de repente|derepente|de golpe|de pronto|repentin\w*|subit\w*|sudden\w*"
NEURO_SIGN = (r"fuerza|no entiendo|no puedo leer|dorm\w*|durm\w*|adormec\w*|entum\w*|debil\w*|no siento"
              r"|no puedo (?:hablar|ver|mover|caminar)"
              r"|vista|veo doble|vision|no veo|mare\w*|confundid\w*|ciego|ciega|paraliz\w*")
SEVERE_HEADACHE = (r"\b(?:dolor de cabeza|jaqueca)(?: \S+){0,3} (?:terrible|horrible|fortisimo|insoportable|muy fuerte"
                   r"|espantoso|brutal|como nunca|tremendo|horroroso|el peor)\b")
SIDE = r"un lado|la mitad|mismo lado|lado (?:izquierdo|derecho)|mitad del cuerpo|medio cuerpo"
PROCEDURE = (r"piquete\w*|pinch\w*|inyecci\w*|inyect\w*|epidural|bloqueo\w*|agujas?|shot|pinchazo|procedimiento"
             r"|ablacion|radiofrecuencia"
             r"|acupuntura|ventosas|estimulador|implante|cirugia|operacion|herida|puncion|infiltraci\w*|esteroide\w*")
PROCEDURE_DONE = (rf"\b(?:despues|desde|luego|tras)(?: \S+){{0,4}} (?:{PROCEDURE})"
                  rf"|\bdonde me (?:pusieron|inyectaron|picaron|pincharon|metieron|hicieron)"
                  rf"|\bme (?:pusieron|hicieron|inyectaron|dieron) (?:\S+ ){{0,3}}(?:{PROCEDURE})"
                  rf"|\b(?:{PROCEDURE}) (?:de |del )?(?:ayer|hoy|anoche|esta manana|lunes|martes|miercoles|jueves"
                  rf"|viernes|sabado|domingo)"
                  rf"|\b(?:zona|sitio|lugar|area|punto) (?:de|del|de la|de las) (?:{PROCEDURE})"
                  rf"|\b(?:la|mi|del|de la|de mi) (?:{PROCEDURE})\b")
INFECTION = (r"fiebre|calentura|temperatura alta|escalofrio\w*|pus|supur\w*|infecci\w*|infectad\w*"
             r"|cuello (?:rigido|tieso|duro)|(?:3[89]|40|10[0-4])(?: de fiebre| grados)"
             r"|cada (?:vez|dia) (?:esta )?mas grande|(?:esta|sigue|va|se ve|se pone|se hace) (?:crec\w*|mas grande)"
             r"|mas grande y caliente|caliente y mas grande"
             r"|(?:hinchazon|bulto|bola|chichon)(?: \S+){0,6} (?:crec\w*|mas grande|aumenta\w*)"
             r"|sangr\w*(?: \S+){0,6} (?:no para|no se detiene|no deja|sin parar|mucho|no se (?:para|quita|corta))"
             r"|no (?:para|deja) de sangrar|mucha sangre|sangra mucho|rojo y caliente|roja y caliente"
             r"|empapad\w* de sangre|llen[oa] de sangre|chorre\w* sangre|sangre (?:que )?no para"
             r"|liquido (?:amarillo|verde|espeso|raro)|huele mal|mal olor|apesta|secrecion"
             r"|caliente y roj\w*|fever|chills"
             # bleeding that keeps going, soaking the gauze or dressing
             r"|(?:sigue|sigo|siga|continua) sangr\w*|(?:empape|empapo|empapa|empapado|empapada|empapando|empapan|llene"
             r"|manche|traspaso|traspasa)(?: \S+){0,3} (?:gasas?|vendas?|vendajes?|curitas?|apositos?|toallas?)")
DRUG = (r"pastillas?|pastias|pildoras?|tabletas?|medicamentos?|medicinas?|parches?|dosis|oxicodona|oxy\w*|tylenol"
        r"|paracetamol|acetaminofen\w*|ibuprofeno|gabapentin\w*|pregabalina|lyrica|morfina|codeina|tramadol"
        r"|fentanil\w*|opioides?|percocet|norco|hidrocodona|xanax|clonazepam|pills|meds|frasco")
RELATIVE = (r"mama|papa|abuel\w*|espos[oa]|herman[oa]|hij[oa]|tia|tio|suegr[oa]|pareja|novi[oa]|amig[oa]|vecin[oa]"
            r"|mami|papi|abue")
# Took or swallowed, in Latin American and Spain's tenses ("me tome", "me he tomado").
TOOK = (r"acab[oa] de (?:tomar|tragar|comer)|tome|tomo|trague|trago|comi|comio|eche|empine|tomamos|tomaron"
        r"|(?:he|ha|han|hemos) (?:tomado|tragado|comido)")
TOO_MUCH = (r"demasiad\w*|de mas|(?:todo )?el frasco|la botella|toda la caja|todo el bote|todas (?:las|mis)|el doble"
r"|doble dosis"
            r"|doble|un punado|un puno|entero|entera|un blister|una botella|un frasco|mas de la cuenta"
            r"|mas de lo (?:indicado|recetado|que|debido)|varias de mas|todo el blister|muchas|un monton|un chingo"
            r"|too many"
            r"|too much")
SADDLE = (r"\b(?:entrepierna|nalgas?|gluteos?|partes (?:intimas|privadas|nobles)|genital\w*|zona intima|parte intima"
          r"|entre (?:las|mis) piernas|alrededor del ano|mis partes(?! del)|perine|vagina|pene|trasero|sentaderas"
          r"|pompis|ahi abajo"
          r"|groin)\b")
NO_FEELING = (r"\b(?:perdi (?:la )?(?:sensibilidad|sensacion)|adormec\w*|dormid\w*|entum\w*|no siento|no la siento"
r"|no lo siento|no las siento|hormigu\w*"
              r"|sin sensibilidad|insensib\w*|sin sentir|numb)\b")
SWELL_PART = r"garganta|lengua|labio|labios|cara|boca|ojos|parpados|throat|tongue|lips"
SWELL = r"hinch\w*|infl\w*|swell\w*|swollen|embomb\w*|globo|inflad\w*"
SKIN = r"ronchas|urticaria|salpullido|sarpullido|comezon|picazon|me pica|hives"
SPREAD = (r"todo el cuerpo|por todos lados|por todo|en todo|todo el|se extiende|garganta|labios|respirar|me pica todo"
          r"|cierra|cerrando|aire|mare\w*")
HEAVY_BLEEDING = (r"no para de sangrar|no deja de sangrar|sangr\w* (?:mucho|muchisimo|un chorro|sin parar|a chorros)"
                  r"|mucha sangre|(?:un )?charco de sangre|sangre (?:por todos lados|que no para)")
# Hurting oneself just now or again: with heavy bleeding or "mas profundo" it is self-harm needing help now.
SELF_HURT = (r"\bme (?:acabo de|volvi a|vuelvo a|he vuelto a) (?:cortar|lastimar|hacer dano|hacer cortes)\b"
             r"|\bme (?:corte|lastime) (?:otra vez|de nuevo)\b")
HARM_VERB = (r"golpe\w*|pegando|pegue|cort\w*|quem\w*|lastim\w*|rasgu\w*|aran\w*|mord\w*|dano|heridas?"
             r"|sangr\w*|cabezazos")
# Legs that fail after a procedure: a bleed or an abscess pressing on the nerves, an emergency.
LIMBS_FAILING = (r"\b(?:piernas?|pies)(?: \S+){0,4} (?:debil\w*|dormid\w*|adormec\w*|entum\w*|sin fuerza"
                 r"|no (?:me |le )?(?:responden|sostienen|aguantan))\b"
                 r"|\bno (?:siento|puedo mover) (?:las|mis) piernas\b"
                 r"|\bno puedo (?:caminar|pararme)\b(?! bien| del dolor| por el dolor| de dolor)")


# "me estoy ahogando en deudas": a figure of speech, not breathing.
FIGURES_OF_SPEECH = ("deudas|trabajo|papeles|papeleo|cuentas|problemas|pendientes|tareas|facturas|responsabilidades"
                     "|un vaso de agua")
FIGURATIVE_DROWNING = r"\b(?! (?:en|de) (?:" + FIGURES_OF_SPEECH + "))"
# A farewell saying they will not be seen again ("ya no me van a ver", "cuiden a los otros pacientes, adios").
# Read as a figure of speech, the way a past mention is read: the model alone does not make it urgent.
FIGURATIVE = re.compile(rf"\bahog\w* (?:en|de) (?:{FIGURES_OF_SPEECH})\b")
NOT_SEEN_AGAIN = (r"\bno (?:me )?(?:van|vas|volveran|volveras|vuelven|vuelves) a (?:ver|saber de mi)\b"
                  r"(?!.*\b(?:hasta|porque|me mudo|me cambio|durante|por (?:un|unos|unas|una) \S+|otra clinica|otro"
                  r" (?:doctor|medico))\b)")
FAREWELL = r"\badios\b|\bme despido\b|\bdespedirme\b|\bultima vez\b|\bpara siempre\b|" + NOT_SEEN_AGAIN

NOT_DYING_OF = r"(?! de (?:la |el )?(?:risa|verguenza|pena|hambre|sueno|cansancio|ganas|frio|calor|amor|aburrimiento))"

# Checked in this order, like the English concepts: suicidal first, so
# "tengo las pastillas listas" gets the crisis line.
CONCEPTS: tuple[Concept, ...] = (
    Concept("suicidal", patterns=(
        r"\bsuicid\w*", r"\bmatarme\b", r"\bme (?:quiero|voy a|vo a|kiero|pienso) matar\b",
        r"\bse (?:quiere|va a) (?:matar|suicidar|quitar la vida)\b", r"\bmorirme\b" + NOT_DYING_OF,
        r"\b(?:quiero|quisiera|deseo|prefiero) morir\b" + NOT_DYING_OF, r"\bme quiero morir\b" + NOT_DYING_OF,
        r"\bmejor me muero\b", r"\bojala (?:me )?(?:muriera|muera|estuviera muert\w*|no despert\w*)",
        r"\b(?:quisiera|quiero|prefiero|ojala) (?:estar )?muert[oa]s?\b",
        r"\bno quiero (?:vivir|existir|despertar|estar aqui|seguir aqui|estar viv[oa]|seguir viviendo)\b",
        r"\bno quiero (?:estar|seguir|vivir) en este mundo\b", r"\birme de este mundo\b",
        r"\b(?:mejor|mas facil|mas felices|mejor para todos) (?:si|que) (?:yo )?(?:me muriera|me muero|muriera"
        r"|no estuviera"
        r"|no existiera|desapareciera|me fuera para siempre)\b",
        r"\b(?:me voy a|voy a|quiero|pienso) (?:colgar|ahorcar|aventar|cortar las venas|pegar un tiro)\b",
        r"\btomarme (?:todas|todo el|toda la|el frasco|la caja)\b",
        r"\b(?:pensando en|pienso en|ganas de|voy a|quiero|podria) hacerme algo\b",
        r"\bno quiero seguir\b(?! (?:con|tomando|usando|yendo|viniendo|pagando|esperando|asi con|en (?:la|el|esta"
        r"|este) (?:clinica|tratamiento|terapia|trabajo)))",
        r"\bmejor sin mi\b", r"\bmejor si (?:yo )?(?:no (?:estuviera|existiera)|me muero|me muriera|desaparezco"
        r"|desapareciera)\b",
        r"\b(?:acabar|terminar) con (?:todo|mi vida|esto)\b(?! (?:este|el|mi|ese|eso del) dolor)",
        r"\bquitarme la vida\b", r"\bme (?:quito|quitare|voy a quitar|quiero quitar|pienso quitar) la vida\b",
        r"\bno (?:le )?(?:veo|encuentro|hallo) (?:el |ningun )?sentido a (?:la|mi|seguir|vivir|nada)",
        r"\bla vida no tiene sentido\b",
        r"\bno tiene sentido (?:vivir|seguir)\b", r"\bno vale la pena (?:vivir|seguir)\b",
        r"\bpara que (?:seguir|vivir|sigo (?:viviendo|aqui|viv[oa])|vivo)\b",
        r"\b(?:pastillas|pildoras|cuerda|pistola|arma) (?:\S+ )?listas?\b",
        r"\bjuntando (?:las |mis )?(?:pastillas|pildoras)\b", r"\btomarmelas todas\b",
        r"\bme las voy a tomar todas\b", r"\btodo listo para (?:irme|morir\w*|matarme|acabar)\b",
        r"\bsoy (?:una carga|un estorbo)\b",
        NOT_SEEN_AGAIN, r"\b(?:esta es )?la ultima vez que (?:les |te |le |los |las )?(?:escribo|hablo|molesto|ven)\b",
        r"\badios para siempre\b",
        r"\bcartas? (?:de despedida|para (?:mis|mi|todos|mi familia))\b",
        r"\bdeje (?:todo|mis cosas|mis papeles) (?:arreglad\w*|en orden)\b"
        r"(?!.*\b(?:cita|viaje|mudanza|cirugia|procedimiento|operacion|consulta|vacaciones|trabajo)\b)",
        near(r"puente|azotea|edificio|techo|balcon|ventana|vias del tren|acantilado|barranco",
             r"tirarme|aventarme|lanzarme|arrojarme|saltar", 6),
        r"\b(?:pensamientos|ideas) de (?:muerte|morir\w*|matarme|suicidio|quitarme la vida)\b",
        r"\b(?:quisiera|quiero|ojala|prefiero) no (?:despertar\w*|amanecer|volver a despertar)\b",
        r"\b(?:cartas?|notas?|mensajes?|videos?) de despedida\b",
        # "no creo que siga aqui la otra semana": not expecting to be alive, said sideways
        r"\bno creo que (?:siga|vaya a seguir) (?:aqui|viv[oa]|con vida)\b"
        r"(?! (?:en|por) (?:la|el|esta|este) (?:ciudad|pais|trabajo|clinica|casa|estado))",
        r"\bno creo que (?:este|vaya a estar) (?:viv[oa]|con vida)\b",  # "este aqui" may be a trip
        r"\bno creo que llegue a (?:manana|la otra semana|el lunes|fin de (?:mes|ano)|navidad)\b",
        r"\bme (?:despedi|estoy despidiendo|voy a despedir) de (?:todos|mi familia|ustedes|mis hijos"
        r"|mis seres queridos)\b",
        r"\bdesaparecer para siempre\b", r"\bquiero desaparecer\b", r"\bdormir para siempre\b",
        r"\bno (?:despertar\w*|volver a despertar)(?: \S+){0,1} (?:nunca|mas|jamas)\b", r"\bno despertara\b",
        r"\b(?:tirarme|aventarme|lanzarme|me voy a tirar|me voy a aventar) (?:del|de un|de la|desde|al|a la|a las"
        r"|por la)\b", r"\bahorcarme\b", r"\bcolgarme\b", r"\bcortarme las venas\b",
        r"\b(?:pegarme|darme|me voy a (?:dar|pegar)) un (?:tiro|balazo)\b",
        r"\bno (?:aguanto|soporto|puedo) (?:mas )?(?:con )?(?:la|esta|mi) vida\b",
        r"\b(?:saltar|brincar|tirarme|aventarme|lanzarme)(?: \S+){0,2} (?:puente|edificio|techo|azotea|balcon|ventana"
        r"|tren|metro|vias|carretera|acantilado|precipicio)\b",
        r"\bquiero que todo (?:termine|se acabe|acabe)\b(?! (?:con |de )?(?:el|este|mi|ese) dolor)",
        r"\bme (?:voy a|quiero) tomar (?:todo|todas)(?: (?:de una vez|juntas|junto))?$",  # at the clause's end
        r"\b(?:deje|dejo|escribi|estoy escribiendo|le deje|les deje) (?:una |unas )?(?:notas?|cartas?) (?:a|para)"
        r" (?:mi familia|mis hijos|mi espos[oa]|mi mama|todos)\b",
        r"\bno quiero saber (?:nada )?de (?:la vida|vivir)\b",
        r"\b(?:usar\w*|dispar\w*|apunt\w*)(?: \S+){0,2} contra mi\b",
        r"\b(?:pistola|arma|cuerda|soga)(?: \S+){0,6} (?:para|contra) mi(?: mism[oa])?$",
        r"\b(?:acabar|terminar) con (?:mi|este) sufrimiento (?:para siempre|de una vez)\b",
        r"\b(?:cansad[oa]|hart[oa]) de (?:vivir|la vida)\b",
        r"\b(?:pienso|pensando|pensado|pense) en (?:morir\w*|matarme|quitarme|la muerte|acabar con)",
        r"\bno tengo (?:razon|razones|motivo|motivos) para (?:vivir|seguir)\b",
        r"\bno tengo ganas de (?:vivir|seguir viviendo|despertar|existir)\b",
        r"\b(?:nadie|ninguno) (?:me )?(?:va a |iba a )?(?:extran\w*|echar\w* de menos|lo notaria|notaria)\b"
        r"(?: (?:si|cuando) (?:me muero|me muera|muero|me mato|no estoy|desaparezco|ya no este))?",
        r"\ba nadie le (?:importa|importaria|importo)(?: \S+)? si (?:me muero|muero|vivo|desaparezco|me mato)\b",
        r"\bdormir\w* y no despertar\w*", r"\b(?:me canse|estoy cansad[oa]|cansad[oa]|hart[oa]) de"
        r" vivir\b", r"\b(?:quiero|me quiero|voy a) ir(?:me)? (?:de este mundo|para siempre)\b",
        r"\bganas de (?:morir\w*|matarme|quitarme la vida|desaparecer|no despertar|no existir)\b",
    ), pairs=((r"\bcuiden(?:se)? (?:mucho )?(?:a|de) (?:los|las|mis|mi|el|la|todos|todas)\b", FAREWELL),),
        topic=r"\bsuicid\w*"),
    Concept("self_harm", patterns=(
        r"\bautolesi\w*", r"\bcortandome\b", r"\bme (?:estoy |volvi a |vuelvo a |sigo |voy a )?cort(?:o|e|ar|ando)"
        r" (?:\S+ )?(?:otra vez|de nuevo|los brazos|las piernas|las munecas|los muslos|la piel|a proposito"
        r"|para (?:no )?sentir|para desahogar\w*|para calmar\w*|cuando (?:estoy|me siento))",
        r"\bme (?:volvi|vuelvo) a cortar\b", r"\bme estoy cortando\b",
        r"\bme (?:he |estoy |sigo |he vuelto a |vuelvo a |volvi a )cort(?:ado|ando|ar)\b(?! (?:el|las|los|la|un) "
        r"(?:pelo|cabello|unas|dedo|fleco|barba|flequillo))",
        r"\b(?:me he hecho|me hago|hacerme|me hice|me estoy haciendo) (?:\S+ )?cort(?:es|adas|aditas)\b",
        r"\b(?:hacerme|me hago|me estoy haciendo|me hice|me sigo haciendo) dano\b",
        r"\bme (?:quiero|voy a|dan ganas de) (?:cortar|lastimar|quemar)(?:$| otra vez| de nuevo| a proposito)",
        r"\bganas de (?:cortarme|lastimarme|hacerme dano|quemarme)\b",
        r"\b(?:me (?:estoy |he |sigo )?lastim\w*|lastimarme|lastimandome|me queme|me quemo|me golpe\w*|me pegue)"
        r" (?:\S+ ){0,4}a proposito\b",
        r"\b(?:me lastimo|lastimarme|me lastime) (?:yo )?(?:mism[oa]|sol[oa])\b",
        r"\bme (?:estoy )?quem(?:o|e|ando)(?: \S+){0,3} con (?:un |el |los |la )?(?:cigarr\w*"
        r"|encendedor|cerillo\w*|fosforo\w*|plancha)", r"\bme golpeo (?:la cabeza )?contra\b",
        r"\bme (?:rasguno|rasgune|rasco|arano|pellizco|muerdo|corto|pego|pegue|golpeo"
        r"|golpee|estoy dando golpes|doy golpes|di golpes)(?: \S+){0,3} hasta (?:sangrar|hacerme sangre"
        r"|sacarme sangre"
        r"|que sangr\w*)\b",
    ), pairs=((SELF_HURT, rf"\b(?:{HEAVY_BLEEDING})\b|\bmas profundo\b"),),
        together=((r"\b(?:navaja|cuchilla|gillete|gilette|rastrillo|hoja de afeitar|vidrio|cutter)\b",
                  r"\bme (?:\S+ )?(?:cort\w*|ray\w*|rasp\w*|raj\w*|hago|hice)\b"),
                  (r"\ba proposito\b", rf"\b(?:{HARM_VERB})\b")), topic=r"\bautolesi\w*"),
    Concept("heart", patterns=(
        near(CHEST, DISCOMFORT, 5), near(r"corazon", r"dol\w*|duel\w*|aprie\w*|apret\w*|pain", 3),
        r"\b(?:me esta dando|le esta dando|estoy teniendo|esta teniendo|creo que (?:me esta dando|tengo|es|estoy"
        r" teniendo)) (?:un )?(?:infarto|ataque (?:al|del) corazon|ataque cardiaco|heart attack)",
        r"\bse (?:esta )?agarra\w* el pecho\b",
    ), pairs=((near(ARM_JAW, ARM_JAW_FEELING, 4), HEART_CONTEXT),),
        topic=r"\binfarto|\bataque (?:al|del) corazon|\bdolor (?:de|en el) pecho"),
    Concept("stroke", patterns=(
        near(FACE, FACE_FALLEN, 5), near(SPEECH, SPEECH_WRONG, 4),
        r"\bno (?:puedo|puede) hablar (?:bien|claro|normal)\b", r"\bse le traba la lengua\b",
        r"\bse (?:le|me) cae la baba\b",
        r"\bno (?:puedo|puede) (?:mover|levantar|alzar) (?:el|la|mi|su) (?:brazo|mano|pierna)\b",
        r"\b(?:brazo|mano|pierna) (?:\S+ )?no (?:se|me|le) (?:mueve|responde)\b",
        near(r"brazo|mano|pierna|cara|lado", r"paraliz\w*", 4),
        near(SIDE, r"dorm\w*|durm\w*|adormec\w*|entum\w*|no siento|no sient\w*|debil\w*|paraliz\w*|sin fuerza"
             r"|no (?:puedo|puede) mover|no (?:me |le )?respond\w*", 7),
        near(SUDDEN, NEURO_SIGN, 10), r"\bpeor dolor de cabeza\b", r"\bcomo (?:un trueno|un rayo|un balazo)\b",
        r"\bperdi (?:la vista|la vision)\b",
        r"\b(?:me esta dando|le esta dando|estoy teniendo|esta teniendo|creo que (?:me esta dando|le esta dando"
        r"|tengo|tiene|es)) (?:una |un )?(?:embolia|derrame|ataque cerebral|stroke)",
    ), together=((rf"\b(?:{SUDDEN})", SEVERE_HEADACHE),
                 (rf"\b(?:{FACE}|brazo|mano|pierna)\b",
                 r"\bno (?:puedo|puede) (?:sostener|agarrar) (?:el|la|los|las|nada|ni)\b")),
        topic=r"\bembolia|\bderrame cerebral|\bataque cerebral"),
    Concept("breathing", patterns=(
        r"\bno (?:puedo|puede|pueden|logro) respirar\b(?! (?:bien )?por la nariz)",
        r"\b(?:cant|can not|cannot) respirar\b",
        r"\bno (?:puedo|puede|pueden|logro)(?: \S+){1,3} ni (?:respirar|hablar)\b",  # "no puede toser ni respirar"
        r"\b(?:me estoy|se esta|se me esta|se le esta|esta|estoy) atragant\w*",  # now, not "se atraganto"
        r"\bse (?:me|le) (?:atoro|atasco|trabo|quedo atorad[oa]) (?:\S+ ){0,3}en la garganta\b",
        r"\bno (?:me |le )?(?:entra|llega|pasa|alcanza) (?:el )?aire\b", r"\b(?:me|le) falta (?:el )?(?:aire|aliento"
        r"|respiracion)\b", r"\bfalta de aire\b",
        r"\b(?:me|le|se me) (?:esta )?falt(?:a|ando) (?:el |la )?(?:aire|aliento|respiracion)\b",
        r"\b(?:me estoy|se esta|estoy|esta) quedando sin (?:aire|aliento)\b",
        r"\b(?:me|se|le) (?:estoy |esta )?ahog\w*" + FIGURATIVE_DROWNING, r"\bahogando\b" + FIGURATIVE_DROWNING,
        r"\basfixi\w*", r"\b(?:labios|cara|unas|dedos)(?: \S+){0,2} (?:azul\w*|morad\w*)\b",
        r"\b(?:me|le) cuesta (?:mucho )?respirar\b", r"\bdificultad para respirar\b", r"\bcasi no (?:puedo |puede )?"
        r"respir\w*", r"\bno respira\b", r"\bdej\w* de respirar\b", r"\binhalador no (?:me )?(?:hace|sirve|funciona)",
        r"\b(?:duele|dolor) al respirar\b", r"\b(?:quede|quedo|estoy) sin (?:aire|aliento)\b",
        r"\bapenas (?:puedo )?respir\w*", r"\bse (?:le|me) hunde\w* (?:el pecho|las costillas|la panza)\b",
        near(r"silb\w*", r"no (?:puedo|puede) hablar|casi no|apenas|peor|me cuesta|le cuesta|no puedo|no puede", 5),
        r"\brespir\w* con (?:mucha )?dificultad\b",
        r"\brespir[oa] (?:muy )?mal\b", r"\bjade(?:ando|o)\b",  # not "Jade", a name
        r"\bno (?:respiro|respira)(?: bien)?\b(?! (?:bien )?por la nariz)",
        r"\b(?:me estoy|se esta|se puso|se me puso|me puse|se pone|poniendo|volviendo) (?:morad[oa]|azul)\b",
        r"\bno (?:puedo|puede) (?:agarrar|tomar|jalar|coger|meter|sacar) (?:el )?aire\b",
    ), topic=r"\bpulmon (?:colapsado|perforado)|\bneumotorax"),
    Concept("anaphylaxis", patterns=(
        near(SWELL_PART, SWELL, 4), near(r"garganta", r"cerr\w*|cierra|apret\w*", 4),
        r"\breaccion alergica (?:muy )?(?:fuerte|grave|severa|seria)\b",
        r"\b(?:tengo|estoy teniendo|me esta dando|creo que tengo|creo que es) (?:una )?reaccion alergica\b",
        r"\banafila\w*", r"\bno (?:puedo|puede) (?:tragar|pasar saliva)\b", r"\bme cuesta tragar\b",
        near(SKIN, SPREAD, 6),
    ), topic=r"\balergi\w*|\banafila\w*"),
    Concept("cauda_equina", patterns=(
        r"\b(?:no|tampoco|ni) (?:puedo|puede) (?:orinar|hacer pipi|mear|hacer del bano|hacer popo|hacer del dos)\b",
        r"\bperdi (?:el )?control (?:de )?(?:la vejiga|los esfinteres|del intestino|de la orina|del bano)",
        r"\bno (?:controlo|puedo controlar) (?:la orina|la vejiga|el intestino|los esfinteres|el bano|la pipi)\b",
        r"\bme (?:hice|orine|estoy haciendo|hago|cague) (?:pipi |popo |del bano )?(?:encima|en los pantalones"
        r"|sin darme cuenta|sin sentir)",
        r"\bse me (?:salio|sale|escapa|escapo|salen) (?:la |el )?(?:orina|pipi|popo|caca)\b",
        r"\bno (?:me )?(?:sale|baja|puedo sacar) (?:la )?(?:orina|pipi)\b",
        r"\bno (?:me )?responden (?:las|mis) piernas\b",
        r"\b(?:las dos|ambas) piernas(?: \S+){0,4} (?:debil\w*|dormid\w*|adormec\w*|entum\w*|no (?:me )?responden)",
        r"\bse me doblan las piernas\b",
        r"\blas piernas (?:no )?(?:me|se me) (?:doblan|fallan|vencen)\b",
        r"\blas piernas no me (?:responden|sostienen|aguantan)\b", r"\bme fallan? las piernas\b",
        r"\bno siento (?:las|mis|ambas) piernas\b", r"\bno siento (?:\S+ )?cuando me limpio\b",
        r"\bno siento (?:\S+ ){0,3}(?:ganas de (?:ir al bano|orinar|hacer pipi)|cuando orino|cuando voy al bano"
        r"|la orina)\b",
    ), together=((SADDLE, NO_FEELING),), topic=r"\bcauda equina|\bvejiga"),
    Concept("post_procedure", pairs=((rf"\b(?:{INFECTION})\b", PROCEDURE_DONE), (LIMBS_FAILING, PROCEDURE_DONE)),
            topic=r"\binfecci\w*"),
    Concept("overdose", patterns=(
        rf"\b(?:{TOOK})(?: \S+){{0,3}} (?:{TOO_MUCH})\b",
        rf"\b(?:{TOOK})(?: \S+){{0,2}} (?:[1-9]\d|\d{{3}}|diez|once|doce|quince|veinte|treinta|cuarenta|cincuenta)"
        rf" (?:\S+ )?(?:{DRUG})",  # a number alone is not pills: "me tome 15 minutos"
        rf"\b(?:{TOOK})(?: \S+){{0,2}} (?:dos|tres|cuatro|cinco|varios) parches\b",
        rf"\b(?:hijo|hija|nino|nina|bebe|nieto|nieta|perro|chamac\w*|cipot\w*|patoj\w*|nene|nena|chavo|chaval|crio|cria"
        rf"|escuincl\w*|huerc\w*|guagua|chiquit\w*) se (?:tomo|comio|trago) (?:\S+ )?(?:{DRUG})\b",
        rf"\bse (?:tomo|comio|trago|ha tomado|ha comido) (?:unas|mis|varias|muchas|un monton de) (?:\S+ )?(?:{DRUG})\b",
        rf"\bme pase (?:de|con) (?:la |las |los |mi |mis )?(?:\S+ )?(?:{DRUG})\b",
        rf"\b(?:{TOOK}) (?:\S+ )?(?:{DRUG}) (?:de|del) (?:mi |su |la |el )?(?:{RELATIVE})\b",
        r"\b(?:tengo|es|le dio|me dio) una sobredosis\b", r"\bsobredosis (?:ahora|ahorita)\b",
        rf"\b(?:{DRUG})(?: \S+){{0,3}} con (?:alcohol|cerveza|vino|tequila|licor|trago\w*)\b",
        r"\bno (?:me |se )?(?:puedo|puede) mantener despiert\w*", r"\bno puedo mantenerme despiert\w*",
        rf"\b(?:{DRUG})(?: \S+){{0,4}} (?:por error|por equivocacion|sin querer)\b",
        rf"\b(?:por error|por equivocacion|sin querer)(?: \S+){{0,4}} (?:{DRUG})\b",
    ), topic=r"\bsobredosis"),
    Concept("fainting", patterns=(
        r"\b(?:de|e)smay\w*", r"\bdesvanec\w*", r"\bincon?s?cient\w*",
        r"\bperdi\w* (?:el )?(?:conocimiento|sentido)\b(?! de)",
        r"\bno reacciona\b", r"\bno despierta\b", r"\bse desplom\w*",
        r"\bno responde\b(?! (?:a |el |los |mis |mi |la |al |nadie))",
        r"\b(?:tirad[oa]|ca[iy]d[oa]|privad[oa]|desmayad[oa]|esmayad?[oa]|incon?s?ciente) en el (?:piso|suelo)\b",
        r"\b(?:tirad[oa]|ca[iy]d[oa]|desmayad[oa])\b(?: \S+){0,4} y no (?:contesta|responde|reacciona|se mueve"
        r"|despierta)\b",
        r"\bse priv(?:o|aron)\b",
        near(r"mare\w*",
        r"se (?:me )?(?:pone|puso|ve|va poniendo) (?:todo )?negro|se me (?:nubla|nublo|oscurece|oscurecio)"
             r" (?:todo|la vista)", 6), r"\bse me fue el mundo\b", r"\bno vuelve en si\b",
        r"\bno (?:lo|la|le) (?:puedo|podemos) despertar\b",
        r"\bpatatus\b", r"\bsoponcio\b", r"\bme (?:dio|ha dado|acaba de dar) un (?:vahido|desvanecimiento)\b",
        r"\b(?:todavia|aun|ahora|de repente|de golpe|sigo|lo sigo) (?:lo )?(?:veo|viendo) (?:todo )?negro\b",
        r"\b(?:piso|suelo|se cayo|se desplomo)(?: \S+){0,3} y no (?:contesta|responde|reacciona|se mueve)\b",
    ), topic=r"\bdesmay\w*"),
    # A seizure happening now (as in English): "esta convulsionando", "le esta dando una convulsion".
    Concept("seizure", patterns=(
        r"\bconvulsionand\w*", r"\b(?:esta|estan|sigue|siguen|empezo a|comenzo a) convulsion\w*",
        r"\b(?:le|me|les) (?:esta|estan|acaba de|acaban de) (?:dando|dar|venir|viniendo) (?:un |una |otra |otro )?"
        r"(?:convulsion\w*|ataque (?:epileptico|de epilepsia|convulsivo)|crisis (?:epileptica|convulsiva))",
        r"\b(?:convulsion|ataque epileptico|crisis)(?:es)?(?: \S+){0,3} (?:no (?:para|se detiene|se quita)|sin parar)",
    ), together=((r"\b(?:temblando|tiembla|sacudiendo|sacude|convulsion\w*)\b",
                  r"\b(?:no (?:responde|reacciona|contesta|despierta)|ojos en blanco|espuma|se mordio la lengua"
                  r"|todo el cuerpo|rigid[oa]|tiesa|tieso)\b"),),
        topic=r"\bepilep\w*|\bconvulsion\w*"),
)

FINDING = engine.FINDING  # stands in for the finding while its clause is checked for markers
# A clause with one of these is about the past, a "what if", a habit or a
# general question: what it finds is a mention, not an emergency now.
MENTION_MARKERS = re.compile("|".join((
    # the past
    r"\b(?:19|20)\d\d\b", r"\bhace (?:\S+ ){0,2}(?:anos?|meses|mes|semanas?|tiempo|decadas?|mucho)\b",
    r"\bel (?:ano|mes) pasado\b", r"\bla semana pasada\b", r"\b(?:la|una) vez pasada\b", r"\bla ultima vez\b",
    r"\bel otro dia\b", r"\b(?:de|cuando era|cuando estaba) (?:nin[oa]|joven|chic[oa]|adolescente|chiquit[oa]"
    r"|pequen[oa]|bebe|jovencit[oa]|mas joven|embarazada)\b", r"\ben mi (?:juventud|ninez|adolescencia|pasado)\b",
    r"\bantes (?:tenia|sufria|me|solia)\b", r"\bsolia\b", rf"\b(?:tuve|tuvo|tuvimos)(?: \S+){{0,3}} {FINDING}",
    r"\b(?:le|les) (?:dio|dieron)\b", r"\b(?:murio|fallecio)\b", r"\buna vez\b", r"\balgunas? vez\w*\b",
    r"\bdesde entonces\b",
    # "el dolor de pecho que tuve": the finding named, then said to have happened
    rf"{FINDING}(?: \S+){{0,2}} (?:que|q) (?:tuve|tuvo|tuvimos|me dio|le dio|sufri|sufrio)\b",
    r"\bresulto (?:ser|que era)\b",
    r"\ben (?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre"
    r"|diciembre)\b",
    r"\b(?:quedo|quede|quedaron|se quedo|me quedo|le quedo) con\b",
    r"\b(?:tuve|tuvo|tuvimos|le dio|le dieron) (?:un |una )?(?:embolia|derrame|infarto|ataque)",
    r"\bpor (?:la|el|una|un|mi) (?:muela|diente|golpe|caida|dentista|picadura|artritis|tendinitis|diabetes"
    r"|neuropatia|hernia|ciatica|edad|tunel carpiano)\b", r"\bse resolvio\b",
    r"\bme recupere\b", r"\bya (?:sano|paso|se (?:me )?(?:paso|quito))\b", r"\bhistorial de\b",
    r"\b(?:el |la |mi )?(?:doctor|doctora|medico|medica|cardiologo|cardiologa) (?:me )?(?:dijo|dice|diagnostico)\b",
    r"\b(?:era|es|fue) por (?:la |el |los |mi )?(?:gastritis|ansiedad|reflujo|estres|colitis|agruras|musculo\w*)\b",
    # what if, could it, signs of
    r"\bque (?:pasa|pasaria|hago|hacer|debo hacer|hay que hacer) si\b", r"^y si\b",
    r"(?<!como )\bsi (?:me|te|le|se|uno|alguien|tengo|tomo|yo|hay|llego|llegara|siento|noto|empiezo|pasa|ocurre|el"
    r"|la|los"
    r"|las|usted|ustedes|tiene|es|esta|fuera|hubiera)\b",
    r"\ben caso de\b",
    r"\b(?:puede|pueden|podria|podrian|can|could|does|will)(?: \S+){0,4} (?:causar|provocar|producir|dar|cause"
    r"|perforar|tener|hacer)\b", r"\b(?:causar|provocar|producir)\b", r"\bsintomas?\b", r"\bsenales\b", r"\bsigno\w*\b",
    r"\briesgos?\b", r"\befectos? secundarios?\b", r"\bes posible\b", r"\bse puede\b", r"\bes normal\b",
    r"\bnormal que\b", r"\bcomo (?:se|saber|sabe|reconocer|puedo saber)\b", r"\bme preocupa\w*",
    r"\b(?:tengo|me da) miedo\b", r"\bmiedo (?:de|a)\b", r"\bpeligros\w*", r"\bcuales son\b",
    rf"^que es (?:un |una |el |la )?{FINDING}", r"\bcuant[oa]s?\b(?:\s+\S+){0,5}\s+puedo\b",
    r"\b(?:sirve|sirven|ayuda|ayudan|funciona) (?:para|con)\b", r"\bque (?:significa|quiere decir)\b",
    r"\ba que se debe\b", r"\btratan\b", r"\btratamiento (?:para|de)\b",
    # people in general
    r"\b(?:la gente|las personas|alguien|una persona|los pacientes) (?:que|con)\b",
    r"\b(?:la gente|las personas|los pacientes|mucha gente|algunas personas|algunos pacientes) (?:se|le|les|puede"
    r"|pueden|suele|suelen)\b", r"\bque uno\b",
    # joking
    r"\b(?:jaja\w*|jeje\w*|jk|lol|xd|broma|bromeando)\b",
)))
# A habit ("a veces", "cuando camino") makes a mention too, except of
# suicidal thoughts or self-harm: "a veces pienso que seria mejor matarme"
# is ideation now, and gets the crisis line.
HABIT_MARKERS = re.compile("|".join((
    r"\ba veces\b", r"\bcada vez que\b", r"\bsiempre\b", r"\bseguido\b", r"\bde vez en cuando\b", r"\bsuele\b",
    r"\bsuelo \w+(?:ar|er|ir)\b",  # "suelo" alone is the floor
    r"\bnormalmente\b", r"\b(?:de|por|al) (?:cargar|levantar|jalar|empujar|entrenar|hacer ejercicio|estornudar)\b",
    r"\bmuscul\w*", r"\b(?:por|del|en) el (?:gimnasio|gym|ejercicio)\b",
    r"\b(?:cuando toso|al toser|de tanto toser|por la (?:tos|gripa|gripe))\b",
    r"\bcon frecuencia\b", r"\bcuando (?:veo|ve|camino|camina|escribo|escribe|como|come|corro|corre|subo|sube"
    r"|cargo|carga|me agacho|se agacha|hago ejercicio|hace ejercicio|estoy nervios\w*|esta nervios\w*)\b",
    r"\bcuando (?:estoy|me pongo|me siento|se pone) (?:estresad\w*|nervios\w*|ansios\w*|preocupad\w*|enojad\w*)\b",
    r"\b(?:con|por) (?:la ansiedad|los nervios|el estres)\b", r"\b(?:cuando hace|con el|por el|de) frio\b",
)))
# "...pero ya estoy bien" anywhere makes the whole message a past mention
# (read on the folded text before it is cut at "ya" and "ahora").
RESOLVED = re.compile(r"\b(?:ya|ahora) (?:estoy|me siento|esta|se siente|me encuentro) (?:bien|mejor|tranquil\w*"
                      r"|estable)\b|\bestoy bien ahora\b|\bya (?:se (?:me )?(?:paso|quito|resolvio)|sano"
                      r"|me recupere)\b")
NEGATIONS = frozenset({"no", "sin", "nunca", "ni", "tampoco", "jamas", "not", "never", "without"})
# After "no", these verbs are part of the complaint, not a denial of it:
# "no siento nada entre las piernas", "no aguanto el dolor de pecho".
COMPLAINT_AFTER_NO = frozenset({"siento", "puedo", "puede", "aguanto", "soporto", "se", "para", "paro", "deja",
                                "quita", "mejora", "baja", "cede", "reacciona", "responde", "despierta", "controlo",
                                "entra", "llega", "logro", "sabe", "encuentro"})
# Whole forms of words the patterns match by prefix ("desmay\w*"), so typos
# of them can be repaired too ("desmalle" is two edits away, "desmaie" one).
EXTRA_VOCABULARY = ("respirar", "respirando", "desmaye", "desmayo", "desmayar", "desmayado", "desmayada",
                    "hinchada", "hinchado", "hinchazon", "garganta", "inyeccion", "pastillas", "sobredosis",
                    "suicidarme", "suicidio", "vomitar", "vomitando", "ahogando", "adormecida", "adormecido",
                    "entumida", "entumido", "hormigueo", "calentura", "escalofrios", "infeccion", "sangrando",
                    "inconsciente", "matarme", "morirme", "corazon", "quijada", "mandibula", "izquierdo", "derecho",
                    "pecho", "dolor", "duele", "sudando", "mareado", "mareada", "embolia", "infarto", "fiebre",
                    "epidural", "piernas", "entrepierna", "orinar", "vejiga", "lengua", "labios", "ronchas",
                    "cortando", "cortarme", "apretado", "presion", "aire", "agujas")
# The safety net: a symptom said to be happening now, in a message no
# concept recognised, still gets the safety line (see the English reading).
SYMPTOM = re.compile(r"\b(?:pecho|respir\w*|adormec\w*|entum\w*|desmay\w*|sangr\w*|fiebre|calentura|hinch\w*"
                     r"|ronchas|vomit\w*|inconsciente|sobredosis|morir\w*|sudor|sudando|confundid\w*|convulsi\w*"
                     r"|ahog\w*|tragar|vejiga|orina\w*|vision|pus|mareo|maread\w*)\b")
HAPPENING_NOW = re.compile(r"\b(?:ahora|hoy|esta (?:manana|tarde|noche)|anoche|desde|de repente|acab\w* de|sigue"
                           r"|cada vez peor|peor|empeor\w*|emergencia|urgente|ayuda|minutos?|horas?|rato)\b")
QUESTION_START = re.compile(r"^(?:que|como|cuando|donde|cual\w*|cuant\w*|puede\w*|es|hay|por que|se puede)\b")
PERSON = re.compile(r"\b(?:me|mi|mis|tengo|estoy|siento|el|ella|esta)\b")
# Asking whether something is common or normal, with nothing said to be happening now, is a question.
# ("es normal?" is not one: "me tome las pastillas de mas, es normal?" asks about now.)
GENERAL_QUESTION = re.compile(r"\b(?:es|sera|seria) (?:comun|frecuente|habitual)\b"
                              r"|\bpasa (?:seguido|mucho|a menudo|con frecuencia)\b")
# Colloquial words for a faint and a procedure site still bleeding through its gauze, added as rules after the
# Spanish model was last trained (es_round2): it has not learned them, so the rules' urgent finding on them
# stands whatever the model says.
RULES_STAND = re.compile(r"\b(?:patatus|soponcio|vahido|(?:todavia|aun|ahora|de repente|de golpe|sigo|lo sigo)"
                         r" (?:lo )?(?:veo|viendo) (?:todo )?negro|(?:sigue|sigo|siga|continua) sangr\w*"
                         r"|(?:empape|empapo|empapa|empapado|empapada|empapando|empapan|llene|manche|traspaso|traspasa)"
                         r"(?: \S+){0,3} (?:gasas?|vendas?|vendajes?|curitas?|apositos?|toallas?))\b")
# Words that make an emergency only the model recognised get the crisis line too.
CRISIS_WORDS = re.compile(r"\b(?:mor\w*|muert\w*|matar\w*|vida|viv\w*|suicid\w*|despedida|desaparecer|carga"
                          r"|sentido|pastillas|pildoras|sobredosis|cort\w*|lastim\w*|dano|ya no (?:puedo|aguanto"
                          r"|quiero)|para siempre|adios)\b")


def unaccented(text: str) -> str:
    """The text without accents, tilde or diaeresis ("corazón" -> "corazon", "año" -> "ano")."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower case, no accents or tilde, no ¿¡ or apostrophes, held letters collapsed, texting spellings expanded."""
    plain = unaccented(PUNCTUATION.sub(" ", APOSTROPHES.sub("", (text or "").lower())))
    plain = HELD_LETTER.sub(r"\1", plain)
    return TOKEN.sub(lambda m: SHORTHAND.get(m.group(), m.group()), plain)


@functools.cache
def _spanish_table() -> frozenset[str]:
    """Every folded Spanish word at least as common as KNOWN_SPANISH_ZIPF (loaded once, ~0.5 s)."""
    import wordfreq  # imported here: loading the list is the slow part, and only needed once

    threshold = 10 ** (KNOWN_SPANISH_ZIPF - 9)
    known = set()
    for word, freq in wordfreq.get_frequency_dict("es", wordlist="large").items():
        if freq >= threshold:
            known.add(unaccented(word))
    return frozenset(w for w in known if w.isalnum())


def is_spanish(word: str) -> bool:
    """Whether a folded word is a correctly spelt, reasonably common Spanish word."""
    return word in _spanish_table()


def repair(word: str) -> str:
    """The concept word a misspelt token stands for; real Spanish and English words are left alone."""
    if word.endswith("ao") and len(word) > MIN_REPAIR_LENGTH and is_spanish(word[:-2] + "ado"):
        return word[:-2] + "ado"  # Caribbean and Spain's spoken "-ao" ("pesao", "asfixiao", "privao") is listed too
    if (word in vocabulary() or not MIN_REPAIR_LENGTH <= len(word) <= MAX_REPAIR_LENGTH or not word.isalpha()
            or is_spanish(word) or is_english(word)):
        return word
    return closest(word, _repair_targets()) or word


@functools.cache
def _repair_targets() -> frozenset[str]:
    """The vocabulary minus the commonest words ("todo", "para"): a real but rare "toso" must not become "todo"."""
    import wordfreq

    return frozenset(w for w in vocabulary() if wordfreq.zipf_frequency(w, "es") < COMMONEST_ZIPF)



def _flat(text: str) -> str:
    """The whole message folded into one line of words (where "ya estoy bien" is read, before clauses cut at "ya")."""
    return " ".join(TOKEN.findall(fold(text)))


def _words(part: str) -> list[str]:
    """One folded clause as words, misspelt ones repaired."""
    return [repair(w) for w in TOKEN.findall(part)]


def _crisis(text: str) -> bool:
    """Whether an emergency only the model recognised has words of despair or pills, in English or Spanish."""
    return logic.ENGLISH.crisis(text) or CRISIS_WORDS.search(_flat(text)) is not None


SPANISH = engine.Lexicon(
    concepts=CONCEPTS, fold=fold, words=_words, clause_break=CLAUSE_BREAK, mention_markers=MENTION_MARKERS,
    resolved=RESOLVED, negations=NEGATIONS, symptom=SYMPTOM, happening_now=HAPPENING_NOW,
    question_start=QUESTION_START, person=PERSON, crisis=_crisis, model_file=model.MODEL_FILE_ES,
    extra_vocabulary=EXTRA_VOCABULARY, flat=_flat, habit_markers=HABIT_MARKERS,
    complaint_after_no=COMPLAINT_AFTER_NO, general_question=GENERAL_QUESTION, rules_stand=RULES_STAND,
    figurative=FIGURATIVE,
    # The model backs the rules only for a message mostly in Spanish: it was trained on Spanish and knows
    # nothing of English wording, which the English reading (and its own model) covers.
    model_applies=lambda text: _mostly_spanish(text),
)


def vocabulary() -> frozenset[str]:
    """Every word the Spanish concepts spell out: what a misspelt token may be repaired towards."""
    return engine.vocabulary(SPANISH)


def prepare(text: str) -> list[str]:
    """The message as clauses of folded, typo-repaired words (at most engine.MAX_WORDS words)."""
    return engine.prepare(SPANISH, text)


def rules_reading(text: str) -> tuple[Finding, bool]:
    """The Spanish concept rules alone, and whether they found an emergency but read it as past or hypothetical."""
    return engine.rules_reading(SPANISH, text)


def model_features(text: str) -> dict[str, float]:
    """What the Spanish learned model sees of a message (what `triage_model.py --language es` trains on)."""
    return engine.model_features(SPANISH, text)


def combine(rules: Finding, marked: bool, probability: float, low: float, high: float, text: str) -> Finding:
    """The Spanish rules' finding weighed with the Spanish model's probability (see engine.combine)."""
    return engine.combine(SPANISH, rules, marked, probability, low, high, text)


def assess(text: str, use_model: bool = True) -> Finding:
    """Read one message in Spanish: urgent (with its concept), a mention, or nothing."""
    return engine.assess(SPANISH, text, use_model)



def warm() -> None:
    """Build the word tables and compile the patterns now (about 1 s), so no patient's message waits for them."""
    _spanish_table()
    _repair_targets()  # while wordfreq still holds the Spanish list
    release_word_lists()  # built from it: wordfreq's whole list would only take memory (one at a time: the peak)
    is_english("a")
    release_word_lists()
    engine.compiled(SPANISH)


def _mostly_spanish(text: str) -> bool:
    """Whether more of the message's words are Spanish-only than English-only (by wordfreq's lists)."""
    words = TOKEN.findall(fold(text))
    spanish = sum(is_spanish(w) and not is_english(w) for w in words)
    english = sum(is_english(w) and not is_spanish(w) for w in words)
    return spanish > english


def assess_both(text: str) -> Finding:
    """Read one message in English and in Spanish; the more severe finding wins.

    One exception: when both readings find the same concept but only one
    sees a past or hypothetical marker, the reading of the message's main
    language is right. Some words are the same in both ("suicidas" matches
    the English patterns, "suicidal" the Spanish ones), and the English
    reading cannot see "hace tiempo" nor the Spanish one "in my teens".
    """
    return merge(logic.assess(text), assess(text), text)


def merge(english: Finding, spanish: Finding, text: str) -> Finding:
    """The bot's finding from the English and the Spanish readings of one message (see assess_both)."""
    if english.concept == spanish.concept and {english.level, spanish.level} == {Level.URGENT, Level.MENTION}:
        return spanish if _mostly_spanish(text) else english
    if Level.URGENT in (english.level, spanish.level):
        urgent = [f for f in (english, spanish) if f.level is Level.URGENT]
        # The crisis line is never lost, and a named concept tells staff more than the model's "sounds urgent".
        return next((f for f in urgent if f.crisis), next((f for f in urgent if f.concept != MODEL_CONCEPT), urgent[0]))
    if english.level is Level.MENTION and (english.concept != SAFETY_NET or spanish.level is Level.NONE):
        return english
    return spanish if spanish.level is Level.MENTION else english
