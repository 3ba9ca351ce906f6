"""What a message typed in Spanish asks for: "hola", "quiero una cita", "¿abren el sábado?". No Telegram imports.

The Spanish twin of wellbot.conversation.logic, with the same intents and the
same rule: only clear requests are intents, everything else goes on to the FAQ
search. Text is folded without accents ("menú" -> "menu", "mañana" -> "manana")
since patients type with and without them. Patterns are tuned on
tests/intents_tuning_es.toml; the blind Spanish set in tests/heldout/ is the lead's.
"""

from __future__ import annotations

import re

from wellbot.conversation.logic import Intent
from wellbot.language.accents import without_accents

GREETING = (r"(?:hola+|holi|buenas|buen dia|buenos dias|buenas (?:tardes|noches)|que tal|saludos|hey|alo"
            r"|hola buenas|hola buen(?:os)? dias?|hola buenas (?:tardes|noches))")
THANKS = (r"(?:gracias|muchas gracias|muchisimas gracias|mil gracias|ok gracias|vale gracias|bueno gracias"
          r"|se lo agradezco|le agradezco|te agradezco|muy amable|muy amables|gracias muy amable|grax|thx)")
POLITE_TAIL = (r"(?:\s+(?:a todos|a ustedes|doctor|doctora|de nuevo|otra vez|por todo|por su ayuda|por la ayuda"
               r"|muy amable|muy amables|senorita|senora|senor|bot))*")
ONLY_GREETING = re.compile(rf"^{GREETING}{POLITE_TAIL}$")
ONLY_THANKS = re.compile(rf"^(?:{THANKS}){POLITE_TAIL}$")
LEADING_GREETING = re.compile(rf"^{GREETING}\b\s*")
APPOINTMENT = r"(?:cita|citas|turno|turnos|consulta|consultas|sesion|sesiones|reserva|reservas|reservacion|visita)"
WANT = r"(?:quiero|quisiera|necesito|ocupo|me gustaria|deseo|desearia|busco)"
# Words between a booking verb and "cita" that keep it a request ("una nueva cita"), unlike "antes de la cita".
ARTICLES = r"(?: (?:una|un|otra|otro|nueva|nuevo|mi|su|primera|primer))"
BOOK_VERB = (r"(?:reservar|agendar|programar|solicitar|apartar|pedir|sacar|hacer|conseguir|hago|saco|pido|agendo"
             r"|reservo|hacerme|sacarme|agendarme)")
WEEKDAY = r"(?:lunes|martes|miercoles|jueves|viernes|sabado|domingo)"
CHANGE_VERB = r"(?:cancelar|cambiar|mover|reprogramar|posponer|aplazar|anular|reagendar|modificar|adelantar|atrasar)"

# Checked in this order: the first that matches wins (the same order as the English patterns).
PATTERNS: tuple[tuple[Intent, re.Pattern[str]], ...] = tuple((intent, re.compile(pattern)) for intent, pattern in (
    (Intent.MENU, r"^(?:el |ver (?:el )?|mostrar (?:el )?|muestreme (?:el )?|volver al |regresar al |ir al |abrir "
                  r"(?:el )?)?menu(?: principal)?$|^(?:inicio|empezar|opciones|volver|regresar)$"
                  r"|\bque opciones (?:hay|tengo|tienen)\b"),
    (Intent.HELP, r"^(?:ayuda|ayudame|ayudeme|necesito ayuda|me ayuda|me puede ayudar|me pueden ayudar|puede ayudarme"
                  r")(?: por favor)?$|\bque (?:puedo|se puede) hacer (?:aqui|aca|con (?:esto|este bot))\b"
                  r"|^que puedo hacer$|\bque (?:puede|puedes|pueden) hacer\b|\bcomo funciona (?:esto|este bot)\b"
                  r"|\bcomo (?:uso|se usa) (?:esto|este bot)\b"),
    (Intent.VISITS, rf"\b{CHANGE_VERB}\b(?:\s+\S+){{0,3}}\s+{APPOINTMENT}\b|\bmis (?:proximas )?(?:citas|consultas)\b"
                    rf"|\b(?:cuando|a que hora|que dia) (?:es|tengo) mi (?:proxima )?(?:cita|consulta|turno)\b"
                    rf"|^(?:cancelar|reprogramar|mis citas|cancelar (?:la )?cita|cambiar (?:la )?cita)$"
                    rf"|^(?:necesito|quiero|puedo|quisiera|como) (?:reprogramar|cancelar|cambiar)(?: (?:mi|la) cita)?$"
                    rf"|\bno (?:voy a poder|puedo|podre|podemos) (?:ir|asistir|llegar|venir) a (?:mi|la)"
                    rf" {APPOINTMENT}\b"),
    (Intent.BOOK, rf"\b(?:{WANT}|{BOOK_VERB}){ARTICLES}{{0,2}} {APPOINTMENT}\b"
                  rf"|^(?:reservar|agendar|reserva|nueva cita|pedir cita|hacer cita|sacar cita"
                  rf"|(?:una )?cita(?: por favor)?)$|\btienen (?:citas|turnos|espacio|lugar|disponibilidad)\b"
                  rf"|\b(?:quiero|quisiera|puedo|necesito|como) (?:reservar|agendar)\b"),
    (Intent.HUMAN, r"\b(?:hablar|platicar|comunicarme|conversar|charlar)\b(?:\s+\S+){0,1}\s+con\s+(?:una |un |la |el "
                   r"|alguna |alguno |su )?(?:persona|humano|alguien|recepcion|recepcionista|doctor|doctora|enfermera"
                   r"|personal|equipo|oficina|encargad[oa]|gerente|clinica)\b|\bpersona real\b|\bser humano\b"
                   r"|\bhumano\b|\brecepcion(?:ista)?\b|\bque me llamen\b|\bllamenme\b|\bme pueden llamar\b"),
    (Intent.TRANSIT, r"\bautobus(?:es)?\b|\bbus(?:es)?\b|\bcamion\b|\btren\b|\bmetro\b|\bsubway\b|\bestacion\b"
                     r"|\btransporte publico\b|\btransporte\b"),
    (Intent.PARKING, r"\bestacionamiento\b|\bestacion(?:ar|arme|arse|o|a)\b|\bparqueo\b|\bparque(?:ar|o)\b|\bparking\b"
                     r"|\baparca(?:r|miento)\b|\bgaraje\b|\bdonde (?:dejo|dejar|puedo dejar) (?:el|mi) (?:carro|coche"
                     r"|auto|vehiculo)\b"),
    (Intent.INSURANCE, r"\baseguranza\b|\baseguradoras?\b|\bmedicaid\b|\bmedicare\b|\bseguros? medicos?\b"
                       r"|\b(?:mi|su|el|los|algun|tu|con) seguros?\b(?! de (?:auto|carro|coche|vida|casa)\b)"
                       r"|\b(?:aceptan|toman|reciben|cubre|cubren|trabajan)\b(?:\s+\S+){0,2}\s+seguros?\b"
                       r"|\bseguros? (?:aceptan|toman|reciben)\b"
                       r"|\bcubiert[oa] por\b|\bplan de salud\b|\bhsa\b|\bfsa\b"),
    (Intent.HOURS, r"\bhorarios?\b|\ba que hora (?:abren|cierran|abre|cierra|empiezan|atienden|terminan)\b"
                   rf"|\b(?:abren|cierran)\b|\b(?:a que hora|cuando|hoy|manana) (?:abre|cierra)\b"
                   rf"|\b(?:abre|cierra) (?:la clinica|el consultorio|la oficina|hoy|manana|el {WEEKDAY}"
                   rf"|los {WEEKDAY}s?)\b"
                   rf"|\b(?:trabajan|atienden) (?:hoy|manana|ahora|el {WEEKDAY}|los {WEEKDAY}s?|los fines|en (?:navidad"
                   rf"|feriados|dias festivos)|este|esta|todos los dias)\b"
                   r"|\bestan (?:abiertos|cerrados|abierto|cerrado|atendiendo|trabajando)\b|\babiertos?\b"
                   r"|\bhoras de (?:atencion|oficina|servicio)\b"),
    (Intent.PHONE, r"\btelefono\b|\bnumero de (?:telefono|contacto)\b|\bsu numero\b|\bcelular\b"
                   r"|\bcomo (?:los|les) (?:llamo|puedo llamar)\b|\bllamar(?:les| a la clinica)\b"),
    (Intent.ADDRESS, r"\bdireccion\b|\bdonde (?:estan|esta|queda|quedan|se encuentra|se encuentran|los encuentro"
                     r"|la clinica|estan ubicados)\b|\bubicacion\b|\bubicad[oa]s?\b|\bcomo (?:llego|llegar|puedo "
                     r"llegar)\b|\bmapa\b|\bdomicilio\b"),
    (Intent.PRICES, r"\bcuanto (?:cuesta|cuestan|cobran|vale|valen|sale|salen|seria|costaria|me cobran|hay que pagar"
                    r"|pago|es)\b|\bcuesta\b|\bcuestan\b|\bcostos?\b|\bprecios?\b|\btarifas?\b|\bhonorarios\b"
                    r"|\bcobran\b|\bcaro\b|\bbarato\b"),
))

# A booking word in a question about the visit itself ("¿cuánto dura la cita?") is not a booking request.
NOT_OUR_BOOKING = re.compile(r"\b(?:cuanto|precio|cuesta|cobran|dura|taxi|uber|mesa|restaurante|hotel|vuelo)\b")


def fold(text: str) -> str:
    """Lower case without accents ("¿Cuánto?" -> "¿cuanto?"), as patients type either way."""
    return without_accents((text or "").lower())


def detect(text: str) -> Intent | None:
    """The intent of a message typed in Spanish, or None when it is a question for the FAQ."""
    folded = " ".join(re.findall(r"[a-z0-9?]+", fold(text)))
    bare = folded.replace("?", "").strip()
    bare = " ".join(bare.split())
    if ONLY_GREETING.match(bare):
        return Intent.GREETING
    if ONLY_THANKS.match(bare):
        return Intent.THANKS
    if not bare and "?" in folded:
        return Intent.HELP  # a lone "?"
    rest = LEADING_GREETING.sub("", bare).strip() or bare  # "¿puedo cancelar?" ends where its words end
    for intent, pattern in PATTERNS:
        if pattern.search(rest) and not (intent is Intent.BOOK and NOT_OUR_BOOKING.search(rest)):
            return intent
    return None
