"""A living demo district: one example of each flow, filed by the demo people through the real forms.

With ``portal.demo_content = true`` (``development.ini``), the first start on a site that has none
files the examples through the application itself, as the demo people would (log in, open the
form, fill it in, press the button): the same views, schemas, Casbin decisions, clocks and
notifications as for anyone. It runs once; the site remembers it (``root.demo_content``).

Each flow adds its examples with :func:`demo_step` (``(order, title, step(people))``); ``people``
is a :class:`People` that logs the demo people in on demand.
"""

import logging
import time

from webtest import TestApp, Upload

from .items import now
from .site import DEMO_PASSWORD

log = logging.getLogger(__name__)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
STEPS = []


def demo_step(order, title):
    """Register ``step(people)`` as part of the demo district (in ``order``)."""

    def register(step):
        STEPS.append((order, title, step))
        STEPS.sort(key=lambda entry: entry[0])
        return step

    return register


class People:
    """The demo people, each a browser logged in once."""

    def __init__(self, app):
        self.app = app
        self.browsers = {}

    def __call__(self, login):
        if login not in self.browsers:
            browser = TestApp(self.app, extra_environ={"HTTP_HOST": "127.0.0.1"})
            form = browser.get("/login").forms["login-form"]
            form["login"], form["password"] = login, DEMO_PASSWORD
            form.submit("submit", status=302)
            self.browsers[login] = browser
        return self.browsers[login]


def fill(form, **values):
    """Fill a form as a person would: texts, choices, ticks (``True``), several files (a list)."""
    for name, value in values.items():
        if isinstance(value, bool):
            form[name].checked = value
        elif isinstance(value, list) and value and isinstance(value[0], Upload):
            form[name] = value
        elif isinstance(value, (list, tuple, set)):
            for box in form.fields.get("checkbox", []):
                if box._value in value:
                    box.checked = True
        else:
            form[name] = value
    return form


def submit(page, formid, button, **values):
    """Fill the form ``formid`` of ``page`` and press ``button``; the page shown afterwards."""
    response = fill(page.forms[formid], **values).submit(button)
    if response.status_int != 302:
        errors = [" ".join(n.text.split()) for n in response.html.select(".alert-danger, .help-block")]
        raise RuntimeError(f"{formid}: {errors}")
    return response.follow()


def press(browser, url, action, **fields):
    """Press the button (or submit the form) of ``@@action`` on the item page at ``url``."""
    page = browser.get(url)
    for form in page.forms.values():
        if form.action.endswith("@@" + action):
            return fill(form, **fields).submit(action).follow()
    page = browser.get(url + "@@" + action)
    return submit(page, f"{action}-form", action, **fields)


def pdf(name):
    return [Upload(name, PDF, "application/pdf")]


def today():
    return now().date()


def fill_demo(app):
    """File every registered example, in order; returns how many steps ran."""
    people = People(app)
    started = time.monotonic()
    for number, (_, title, step) in enumerate(STEPS, 1):
        log.info("演示数据 %d/%d：%s", number, len(STEPS), title)
        step(people)
    log.info("演示数据已生成（%d 项，用时 %.1f 秒）", len(STEPS), time.monotonic() - started)
    return len(STEPS)


def ensure_demo_content(app):
    """Fill the demo district once (``portal.demo_content``); later starts find it done."""
    registry = app.registry
    if not registry.settings.get("portal.demo_content"):
        return False
    db = registry._zodb_databases[""]
    with db.transaction() as conn:
        if getattr(conn.root()["app_root"], "demo_content", False):
            return False
    from . import demo_flows  # noqa: F401 (registers the examples)

    fill_demo(app)
    with db.transaction() as conn:
        conn.root()["app_root"].demo_content = True
    from .indexing import drain

    drain(registry)
    populate_demo(registry)
    return True


#: The demo site's year of work beside its examples (``portal.demo_populate``: items; 0 for none).
DEMO_POPULATE = 300


def populate_demo(registry):
    """A modest year of the district's work (``portal-populate``), so that the lists, panels and
    the supervisor's figures show a living district and not only the examples."""
    from .populate import populate

    items = int(registry.settings.get("portal.demo_populate", DEMO_POPULATE) or 0)
    if items <= 0:
        return None
    log.info("演示数据：生成近一年的协作事项（%d 项）", items)
    summary = populate(registry, items, seed=2026)
    log.info("演示数据：已生成 %d 项（用时 %.1f 秒）", summary.created, summary.seconds)
    return summary
