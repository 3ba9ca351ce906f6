"""benchmarks/understanding_live.py on a tiny set: it reads what each new patient saw in the running bot.

The benchmark starts its own server and worker; this checks its reading of
each kind of screen against what the bot shows for that kind of message,
and that it prints no message text unless asked (blind sets).
"""

import sys
import tomllib

from benchmarks import understanding_live as live

TINY_SET = """
emergencies = [{ text = "my chest feels crushed and my left arm is numb", concept = "heart" }]
near_misses = [{ text = "my father had a heart attack in 2019, what is acupuncture", kind = "past" }]
questions = [
  { q = "does acupuncture hurt", expect = "does-acupuncture-hurt" },
  { q = "I need to cancel my appointment", expect = "reschedule" },
  { q = "I want to book an appointment", expect = "visit-length" },
]
off_topic = ["what is the capital of france"]
"""


async def test_each_new_patient_is_read_by_the_screen_they_saw():
    messages = live.messages_of(tomllib.loads(TINY_SET))
    readings = [reading for reading, _ in await live.live_readings(messages, batch=4)]
    assert readings == [live.Reading(live.URGENT, "urgent"),
                        live.Reading(live.MENTION, "what-is-acupuncture"),  # the clause that asks is answered
                        live.Reading(live.NONE, "does-acupuncture-hurt"),
                        live.Reading(live.NONE, "intent:visits"),
                        live.Reading(live.NONE, "intent:book"),
                        live.Reading(live.NONE, None)]


def test_the_script_prints_figures_and_no_message_text_unless_asked(tmp_path, monkeypatch, capsys):
    set_file = tmp_path / "tiny.toml"
    set_file.write_text(TINY_SET, encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["understanding_live.py", str(set_file)])
    live.main()
    quiet = capsys.readouterr().out
    assert "emergencies urgent                                      1/1" in quiet
    assert "off-topic 'I don't know'                                1/1" in quiet
    assert "capital of france" not in quiet
    assert "chest" not in quiet
    monkeypatch.setattr(sys, "argv", ["understanding_live.py", str(set_file), "--show-misses",
                                      "--show-disagreements"])
    live.main()
    shown = capsys.readouterr().out
    assert "disagreements (part: live | functions: text): 0" in shown
    assert "live misses (part, expected: saw: text): 1" in shown
    assert "I want to book an appointment" in shown  # expected an FAQ entry, saw booking's first step
