"""The staff desk over HTTP, served by the worker itself: the Mini App and the calendar feeds.

Tornado is already installed for webhook mode (python-telegram-bot[webhooks]),
and runs on the bot's own event loop, so the desk shares the database
connection and the bot with the handlers. Every API request carries the Mini
App's signed initData in a header; it is checked (signature, age, staff list)
before anything is read. The page shell and its script hold no data.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import tornado.httpserver
import tornado.netutil
import tornado.web
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from telegram import MenuButtonWebApp, WebAppInfo
from telegram.error import TelegramError

from wellbot.booking import actions as booking_actions
from wellbot.booking import store as booking
from wellbot.bot.notify import BotNotifier
from wellbot.core.deps import Deps
from wellbot.core.i18n import N_, translate
from wellbot.desk import actions, feeds, logic, screens
from wellbot.desk.config import MAX_INIT_DATA_AGE, DeskConfig, desk_config
from wellbot.desk.views import patient_keyboard

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
INIT_DATA_HEADER = "X-Telegram-Init-Data"
MAX_BODY_BYTES = 16 * 1024  # a staff message is at most a few KB
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors https://web.telegram.org",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def page_environment() -> Environment:
    """Jinja for the desk's HTML fragments: autoescaped, strict about missing values."""
    env = Environment(loader=FileSystemLoader(HERE / "pages"), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["hm"] = lambda when: when.strftime("%H:%M")
    env.filters["dayname"] = lambda day: f"{day:%a} {day.day} {day:%b %Y}"
    env.filters["short"] = lambda day: f"{day:%a} {day.day} {day:%b}"
    return env


class Desk:
    """What the handlers share: the dependencies, the bot that sends, the page templates."""

    def __init__(self, deps: Deps, bot: Any, config: DeskConfig) -> None:
        self.deps, self.bot, self.config = deps, bot, config
        self.pages = page_environment()
        self.server: tornado.httpserver.HTTPServer | None = None
        self.port: int | None = None

    def render(self, name: str, **values: Any) -> str:
        """One fragment."""
        return self.pages.get_template(name).render(**values)

    async def start(self) -> None:
        """Listen on the configured address (port 0: any free port, see `self.port`)."""
        app = tornado.web.Application(routes(self), xsrf_cookies=False, compress_response=True,
                                      log_function=log_request)
        sockets = tornado.netutil.bind_sockets(self.config.port, self.config.host)
        self.port = sockets[0].getsockname()[1]
        self.server = tornado.httpserver.HTTPServer(app, max_body_size=MAX_BODY_BYTES, xheaders=True)
        self.server.add_sockets(sockets)
        log.info("staff desk listening on %s:%s", self.config.host, self.port)

    async def stop(self) -> None:
        """Stop listening and close open connections."""
        if self.server is not None:
            self.server.stop()
            await self.server.close_all_connections()
            self.server = None

    @property
    def mini_app_url(self) -> str:
        """The address staff's menu button opens."""
        return self.config.mini_app_url(self.port)

    def feed_url(self, token: str) -> str:
        """A calendar-feed address."""
        return self.config.feed_url(token, self.port)


FEED_PATH = re.compile(r"/desk/feed/[^/]+")


def log_request(handler: tornado.web.RequestHandler) -> None:
    """One access line per request, with a calendar feed's secret token replaced (tornado's own logs the URL)."""
    path = FEED_PATH.sub("/desk/feed/<token>", handler.request.path)
    log.info("desk http method=%s path=%s status=%s ms=%.1f", handler.request.method, path,
             handler.get_status(), 1000 * handler.request.request_time())


class Base(tornado.web.RequestHandler):
    """Security headers on every answer."""

    desk: Desk

    def initialize(self, desk: Desk) -> None:  # type: ignore[override]
        """Tornado passes the shared Desk."""
        self.desk = desk

    def set_default_headers(self) -> None:
        """No caching of anything personal; a strict content policy."""
        for name, value in SECURITY_HEADERS.items():
            self.set_header(name, value)
        self.set_header("Cache-Control", "no-store")


class Shell(Base):
    """The page shell and its script and styles: no data, so no check."""

    FILES: ClassVar[dict[str, tuple[str, str]]] = {
        "": ("index.html", "text/html; charset=utf-8"), "desk.js": ("desk.js", "text/javascript"),
             "desk.css": ("desk.css", "text/css")}

    def get(self, name: str) -> None:
        """Serve one static file."""
        found = self.FILES.get(name)
        if found is None:
            raise tornado.web.HTTPError(404)
        self.set_header("Content-Type", found[1])
        self.write((HERE / "static" / found[0]).read_bytes())


class Api(Base):
    """A Mini App request: answered only for signed initData of a configured staff member."""

    staff_id: int

    def prepare(self) -> None:
        """Check initData and the staff list before any handler reads anything."""
        raw = self.request.headers.get(INIT_DATA_HEADER, "")
        deps = self.desk.deps
        try:
            user = logic.validate_init_data(raw, deps.settings.require_token(), deps.clock.now(), MAX_INIT_DATA_AGE)
        except logic.InitDataError as exc:
            log.warning("desk request refused path=%s reason=%s", self.request.path, exc)
            self._refuse(401, "Open the desk from the clinic bot's menu button in Telegram.")
            return
        if not deps.settings.is_staff(user.id):
            log.warning("desk request from a non-staff user user_id=%s", user.id)
            self._refuse(403, "The desk is for the clinic's staff.")
            return
        self.staff_id = user.id

    def _refuse(self, status: int, message: str) -> None:
        self.set_status(status)
        self.finish({"error": message})

    def fragment(self, name: str, **values: Any) -> None:
        """Answer with one rendered fragment."""
        self.finish({"html": self.desk.render(name, **values)})

    def body_json(self) -> dict[str, Any]:
        """The JSON body of a POST, or 400."""
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            raise tornado.web.HTTPError(400) from None
        if not isinstance(body, dict):
            raise tornado.web.HTTPError(400)
        return body

    def day_arg(self) -> date:
        """?date=YYYY-MM-DD, default today in the clinic."""
        text = self.get_query_argument("date", "")
        if not text:
            return self.desk.deps.clock.now().astimezone(self.desk.deps.clinic.timezone).date()
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise tornado.web.HTTPError(400) from None


class DayScreen(Api):
    """The day's schedule."""

    def get(self) -> None:
        """GET /desk/api/day?date="""
        self.fragment("_day.html", **screens.day(self.desk.deps, self.day_arg()))


class WeekScreen(Api):
    """The week's schedule and bookings per service."""

    def get(self) -> None:
        """GET /desk/api/week?date="""
        self.fragment("_week.html", **screens.week(self.desk.deps, self.day_arg()))


class PatientScreen(Api):
    """A patient's card."""

    def get(self, user_id: str) -> None:
        """GET /desk/api/patient/<user id>"""
        card = screens.patient(self.desk.deps, int(user_id))
        if card is None:
            raise tornado.web.HTTPError(404)
        self.fragment("_patient.html", p=card, limit=actions.MAX_MESSAGE_CHARS)


class InboxScreen(Api):
    """Open conversations."""

    def get(self) -> None:
        """GET /desk/api/inbox"""
        self.fragment("_inbox.html", threads=screens.inbox(self.desk.deps), limit=actions.MAX_MESSAGE_CHARS)


class WaitlistScreen(Api):
    """The waitlist."""

    def get(self) -> None:
        """GET /desk/api/waitlist"""
        self.fragment("_waitlist.html", entries=screens.waitlist(self.desk.deps))


class CampaignScreen(Api):
    """Broadcast and digest progress."""

    def get(self) -> None:
        """GET /desk/api/campaigns"""
        self.fragment("_campaigns.html", campaigns=screens.campaigns(self.desk.deps))


class VisitAction(Api):
    """Cancel, no-show or attended: the same actions as the chat's staff buttons."""

    async def post(self, visit_id: str, what: str) -> None:
        """POST /desk/api/visit/<id>/<cancel|no_show|attended>"""
        deps, visit = self.desk.deps, booking.get_visit(self.desk.deps.db, int(visit_id))
        if visit is None:
            raise tornado.web.HTTPError(404)
        if what == "cancel":
            result = await booking_actions.cancel(deps, BotNotifier(self.desk.bot, deps), visit_id=visit.id,
                                                  by=booking_actions.STAFF, actor_id=self.staff_id)
            done = result.done
        else:
            done = booking_actions.mark(deps, visit_id=visit.id,
                                        status=booking.NO_SHOW if what == "no_show" else booking.ATTENDED)
        log.info("desk visit action visit_id=%s action=%s staff_id=%s done=%s", visit.id, what, self.staff_id, done)
        changed = booking.get_visit(deps.db, visit.id)
        self.finish({"ok": done, "status": screens.status_of(changed) if changed else "gone"})


class Message(Api):
    """Staff write to a patient, reply to a thread, or close it: the same actions as the chat's inbox."""

    async def post(self, kind: str, ident: str, action: str) -> None:
        """POST /desk/api/<patient|thread>/<id>/<message|reply|close>"""
        deps, notifier = self.desk.deps, BotNotifier(self.desk.bot, self.desk.deps)
        if kind == "thread" and action == "close":
            outcome = await actions.close(deps, notifier, thread_id=int(ident), staff_id=self.staff_id)
        else:
            text = str(self.body_json().get("text", ""))
            if kind == "patient":
                if not deps.db.execute("select 1 from patients where user_id = ?", [int(ident)]).fetchone():
                    raise tornado.web.HTTPError(404)  # never wrote to the bot: no chat to reach
                outcome = await actions.staff_message(deps, notifier, user_id=int(ident), staff_id=self.staff_id,
                                                      text=text, keyboard=patient_keyboard)
            else:
                outcome = await actions.staff_reply(deps, notifier, thread_id=int(ident), staff_id=self.staff_id,
                                                    text=text, keyboard=patient_keyboard)
        self.finish({"ok": outcome is actions.Outcome.SENT, "outcome": outcome.value})


class Feed(Base):
    """A staff member's calendar feed: the secret token in the address is the only key."""

    def get(self, token: str) -> None:
        """GET /desk/feed/<token>.ics"""
        deps = self.desk.deps
        staff_id = feeds.owner(deps, token)
        if staff_id is None:
            raise tornado.web.HTTPError(404)
        log.info("calendar feed served staff_id=%s", staff_id)
        self.set_header("Content-Type", "text/calendar; charset=utf-8")
        self.write(feeds.calendar(deps).encode())


DESK_KEY = "desk"  # bot_data key of the running Desk
MENU_LABEL = N_("Desk")


def running(application: Any) -> Desk | None:
    """The running desk, or None when it is off."""
    desk: Desk | None = application.bot_data.get(DESK_KEY)
    return desk


async def startup(application: Any) -> None:
    """Serve the desk (when WELLBOT_DESK_LISTEN is set) and give each staff chat the menu button."""
    deps: Deps = application.bot_data["deps"]
    config = desk_config(deps.settings)
    if config is None:
        return
    desk = Desk(deps, application.bot, config)
    await desk.start()
    application.bot_data[DESK_KEY] = desk
    for staff_id in sorted(deps.settings.staff_ids):
        await set_menu_button(application.bot, desk, staff_id)


async def set_menu_button(bot: Any, desk: Desk, staff_id: int) -> bool:
    """The desk on one staff chat's menu button (per chat: patients keep the default commands menu)."""
    try:
        await bot.set_chat_menu_button(chat_id=staff_id, menu_button=MenuButtonWebApp(
            translate(MENU_LABEL, desk.deps.staff_language(staff_id)), WebAppInfo(desk.mini_app_url)))
    except TelegramError as exc:  # e.g. a staff member who has not opened the bot yet: /desk sets it later
        log.warning("could not set the desk menu button staff_id=%s error=%s", staff_id, type(exc).__name__)
        return False
    return True


async def shutdown(application: Any) -> None:
    """Stop serving the desk."""
    desk = application.bot_data.pop(DESK_KEY, None)
    if desk is not None:
        await desk.stop()


def routes(desk: Desk) -> list[Any]:
    """The desk's URL table."""
    args = {"desk": desk}
    return [
        (r"/desk/(|desk\.js|desk\.css)", Shell, args),
        (r"/desk/api/day", DayScreen, args),
        (r"/desk/api/week", WeekScreen, args),
        (r"/desk/api/patient/(\d{1,15})", PatientScreen, args),
        (r"/desk/api/inbox", InboxScreen, args),
        (r"/desk/api/waitlist", WaitlistScreen, args),
        (r"/desk/api/campaigns", CampaignScreen, args),
        (r"/desk/api/visit/(\d{1,15})/(cancel|no_show|attended)", VisitAction, args),
        (r"/desk/api/(?P<kind>patient|thread)/(?P<ident>\d{1,15})/(?P<action>message|reply|close)", Message, args),
        (r"/desk/feed/([A-Za-z0-9_-]{16,64})\.ics", Feed, args),
    ]
