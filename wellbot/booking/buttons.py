"""Booking's buttons, one typed kind each (see `wellbot.bot.callbacks.Button`).

The wire format is unchanged from the positional `prefix:action:...` data, so
buttons already in patients' chats (reminders, offers) keep working.
Flow buttons carry the booking flow's token first; the router checks it and
the step table in `wellbot.booking.flow.STEPS` before any handler runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from wellbot.bot.callbacks import Button

# ---- the booking flow (`book:`) ------------------------------------------------------------------


@dataclass(frozen=True)
class StartBooking(Button, tag="book:start"):
    """Start booking from anywhere (an FAQ answer may preselect its service)."""

    service: str = ""


@dataclass(frozen=True)
class PickService(Button, tag="book:svc"):
    """A service on the services screen."""

    token: str
    service: str


@dataclass(frozen=True)
class PageWeek(Button, tag="book:wk"):
    """Earlier or later days."""

    token: str
    week: int


@dataclass(frozen=True)
class PageDays(Button, tag="book:pg"):
    """A week of days from the given local day (YYYYMMDD): Earlier and Later."""

    token: str
    day: str


@dataclass(frozen=True)
class PickMonth(Button, tag="book:mo"):
    """Every day of one month (YYYYMM) with free times, on one screen."""

    token: str
    month: str


@dataclass(frozen=True)
class FirstAvailable(Button, tag="book:first"):
    """The earliest free times across days."""

    token: str


@dataclass(frozen=True)
class PickDay(Button, tag="book:day"):
    """A day with free times (YYYYMMDD in the clinic's time zone)."""

    token: str
    day: str


@dataclass(frozen=True)
class PickTime(Button, tag="book:t"):
    """A free start time (a UTC stamp)."""

    token: str
    stamp: str


@dataclass(frozen=True)
class GoBack(Button, tag="book:back"):
    """Back to an earlier step, named by `target`."""

    token: str
    target: str


@dataclass(frozen=True)
class CancelBooking(Button, tag="book:x"):
    """Leave the flow; nothing is kept."""

    token: str


@dataclass(frozen=True)
class ConfirmBooking(Button, tag="book:ok"):
    """Book (or move) the visit on the summary card."""

    token: str


@dataclass(frozen=True)
class JoinWaitlist(Button, tag="book:wl"):
    """No day on screen has a free time: ask which days and times suit, to wait for one."""

    token: str


@dataclass(frozen=True)
class WaitlistDay(Button, tag="book:wd"):
    """Turn one weekday (date.weekday()) on or off for the waitlist."""

    token: str
    weekday: int


@dataclass(frozen=True)
class WaitlistPart(Button, tag="book:wp"):
    """Turn mornings ("am") or afternoons ("pm") on or off for the waitlist."""

    token: str
    part: str


@dataclass(frozen=True)
class WaitlistJoin(Button, tag="book:wj"):
    """Join the waitlist with the days and times chosen."""

    token: str


# ---- a patient's own visits (`vis:`), also sent by reminders -------------------------------------


@dataclass(frozen=True)
class RescheduleVisit(Button, tag="vis:rs"):
    """Move one of the presser's visits."""

    visit_id: int


@dataclass(frozen=True)
class CancelVisit(Button, tag="vis:cx"):
    """Ask before cancelling one of the presser's visits."""

    visit_id: int


@dataclass(frozen=True)
class CancelVisitYes(Button, tag="vis:cxy"):
    """Yes, cancel it."""

    visit_id: int


@dataclass(frozen=True)
class KeepVisit(Button, tag="vis:keep"):
    """No, keep it."""

    visit_id: int


@dataclass(frozen=True)
class LeaveWaitlist(Button, tag="vis:wlx"):
    """Leave one of the presser's waitlist entries (from /visits)."""

    wish_id: int


@dataclass(frozen=True)
class RunningLate(Button, tag="vis:late"):
    """On the last reminder: the patient is running late (asks how late)."""

    visit_id: int


@dataclass(frozen=True)
class LateBy(Button, tag="vis:lateby"):
    """About this many minutes late."""

    visit_id: int
    minutes: int


@dataclass(frozen=True)
class CallClinic(Button, tag="vis:call"):
    """On the last reminder: show the clinic's number to call."""

    visit_id: int


# ---- intake questions (`intk:`) --------------------------------------------------------------------


@dataclass(frozen=True)
class IntakeStart(Button, tag="intk:go"):
    """Answer (or go on answering) a visit's intake questions: after booking, on a reminder, in /visits."""

    visit_id: int


@dataclass(frozen=True)
class IntakeAnswer(Button, tag="intk:a"):
    """An answer offered as a button (a score, yes/no, or one of the options)."""

    token: str
    value: str


@dataclass(frozen=True)
class IntakeSkip(Button, tag="intk:s"):
    """Skip this question."""

    token: str


@dataclass(frozen=True)
class IntakeLater(Button, tag="intk:l"):
    """Stop for now; the rest can be answered later."""

    token: str


# ---- the waitlist (`wl:`) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimOffer(Button, tag="wl:claim"):
    """Take up a freed time offered to the presser."""

    offer_id: int


# ---- staff (`sched:`), staff-only routes ---------------------------------------------------------


@dataclass(frozen=True)
class StaffDay(Button, tag="sched:d"):
    """One local day's agenda (YYYYMMDD)."""

    day: str


@dataclass(frozen=True)
class StaffVisit(Button, tag="sched:v"):
    """One visit's card."""

    visit_id: int


@dataclass(frozen=True)
class MarkAttended(Button, tag="sched:at"):
    """The patient came."""

    visit_id: int


@dataclass(frozen=True)
class MarkNoShow(Button, tag="sched:ns"):
    """The patient did not come."""

    visit_id: int


@dataclass(frozen=True)
class StaffCancel(Button, tag="sched:cx"):
    """Ask before cancelling on the clinic's side."""

    visit_id: int


@dataclass(frozen=True)
class StaffCancelYes(Button, tag="sched:cxy"):
    """Cancel and tell the patient."""

    visit_id: int


# ---- the front desk (`desk:`), staff-only routes -------------------------------------------------


@dataclass(frozen=True)
class DeskPatient(Button, tag="desk:p"):
    """A patient's card for staff: kind "t" (Telegram user id) or "p" (phone-only record id)."""

    kind: str
    record_id: int


@dataclass(frozen=True)
class DeskBook(Button, tag="desk:b"):
    """Book a visit for this patient (who phoned)."""

    kind: str
    record_id: int


@dataclass(frozen=True)
class DeskMove(Button, tag="desk:mv"):
    """Move a visit for the patient who phoned."""

    visit_id: int


@dataclass(frozen=True)
class DeskMessage(Button, tag="desk:msg"):
    """Write one message to this Telegram patient."""

    user_id: int


@dataclass(frozen=True)
class DeskService(Button, tag="desk:svc"):
    """The service to book."""

    token: str
    service: str


@dataclass(frozen=True)
class DeskDay(Button, tag="desk:day"):
    """A day with free times (YYYYMMDD)."""

    token: str
    day: str


@dataclass(frozen=True)
class DeskTime(Button, tag="desk:t"):
    """A free start time (a UTC stamp)."""

    token: str
    stamp: str


@dataclass(frozen=True)
class DeskConfirm(Button, tag="desk:ok"):
    """Book (or move) it."""

    token: str


@dataclass(frozen=True)
class DeskStop(Button, tag="desk:x"):
    """Leave the front-desk flow; nothing is kept."""

    token: str


@dataclass(frozen=True)
class PickPractitioner(Button, tag="book:pr"):
    """Who the patient would like to see: a practitioner's key, or "" for the first available."""

    token: str
    practitioner: str


@dataclass(frozen=True)
class StaffDayOf(Button, tag="sched:dw"):
    """One local day's agenda (YYYYMMDD) for one practitioner (their key), or everyone (""), one page of it."""

    day: str
    practitioner: str
    page: int = 0
