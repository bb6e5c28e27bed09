"""What the meetings tests do again and again: call a meeting through its form, press buttons, read
pages, look at inboxes, run the deadline run."""

import datetime
from types import SimpleNamespace

import transaction
from pyramid.threadlocal import manager as threadlocals

from portal.calendar import SHANGHAI
from portal.deadlines import check_deadlines
from portal.notifications import inbox_of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
PNG = b"\x89PNG\r\n\x1a\nphoto"


def local_now():
    return datetime.datetime.now(SHANGHAI).replace(second=0, microsecond=0)


def text_of(page, selector):
    node = page.html.select_one(selector)
    return None if node is None else " ".join(node.text.split())


def texts_of(page, selector):
    return [" ".join(node.text.split()) for node in page.html.select(selector)]


def errors(page):
    return [" ".join(e.text.split()) for e in page.html.select(".help-block, .errorMsg, .error")]


def press(page, action):
    """Submit the button form of ``@@action`` on an item page; returns the page after it."""
    for form in page.forms.values():
        if form.action.endswith("@@" + action):
            return form.submit().follow()
    raise AssertionError(f"no {action} button on the page")


def buttons(page):
    actions = page.html.select(".portal-actions form button, .portal-actions a")
    return sorted(" ".join(a.text.split()) for a in actions)


def tick(form, codes):
    for box in form.fields.get("checkbox", []):
        box.checked = box._value in codes


def meeting_form(browser):
    page = browser.get("/").click("协调会商", href="meetings").click("召集协调会商会议")
    return page.forms["meeting-form"]


def fill_meeting(form, title, invitees, kind="routine", starts_at=None, origin=""):
    form["kind"] = kind
    form["title"] = title
    form["starts_at"] = f"{starts_at or local_now():%Y-%m-%dT%H:%M}"
    form["place"] = "区市监局三楼会议室"
    form["agenda"] = "一、通报上半年协作配合情况\n二、研究校园周边食品安全联合执法"
    form["origin"] = origin
    tick(form, invitees)
    return form


def call_meeting(browser, title, invitees, kind="routine", starts_at=None, send=True, origin=""):
    """Call a meeting through the form (sent at once unless ``send`` is false); the meeting page."""
    form = fill_meeting(meeting_form(browser), title, invitees, kind, starts_at, origin)
    form["file"] = [("会议通知.pdf", PDF)]
    return form.submit("send" if send else "save").follow()


def write_minutes(browser, url, minutes="会议研究了校园周边食品安全联合执法的分工。"):
    form = browser.get(url).click("记录会议纪要").forms["minutes-form"]
    form["minutes_text"] = minutes
    form["attended"] = "区市监局：张某（分管领导）；鱼山镇：李某"
    form["file"] = [("会议纪要.pdf", PDF)]
    return form.submit("minutes").follow()


def add_action_item(browser, url, title, owner_unit, due):
    form = browser.get(url + "@@add_action").forms["add_action-form"]
    form["title"] = title
    form["owner_unit"] = owner_unit
    form["due_date"] = f"{due:%Y-%m-%d}"
    form["detail"] = "每周检查一次，形成检查记录"
    return form.submit("add_action")


def inbox(root, login, word=""):
    """The person's notifications, oldest first, those containing ``word``."""
    transaction.abort()
    box = inbox_of(root, login)
    texts = [n.text for _, n in reversed(box.latest())] if box is not None else []
    return [text for text in texts if word in text]


def deadline_run(app, root, moment):
    """What ``portal-deadlines`` does at ``moment``, on the test's own connection."""
    transaction.abort()
    threadlocals.push({"registry": app.registry, "request": None})
    try:
        counts = check_deadlines(root, SimpleNamespace(registry=app.registry), moment)
        transaction.commit()
    finally:
        threadlocals.pop()
    return counts


def at(day, hour=9, minute=0):
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)
