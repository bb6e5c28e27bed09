"""A small item type for the deadline and notification tests: sent to a unit, which signs for it.

Built only on the item framework, as every real workflow is: the panels, labels, notifications and
the overdue run must work for it without knowing it.
"""

import datetime

import transaction
from pyramid.httpexceptions import HTTPFound
from pyramid.threadlocal import manager
from substanced.content import content

import portal
from portal.calendar import SHANGHAI, add_workdays
from portal.indexing import drain
from portal.items import Item, Transition, Workflow, now
from portal.site import bring_up_to_date, seed_rows
from portal.views import portal_view
from tests.conftest import settings_for

WORKFLOW = Workflow(
    initial="draft",
    states={"draft": "草稿", "sent": "待签收", "signed": "已签收"},
    transitions=[
        Transition("send", "报送", ["draft"], "sent"),
        Transition("sign", "签收", ["sent"], "signed"),
    ],
    final=["signed"],
)

#: The rows a real feature would seed in its policies/<feature>.csv.
POLICY = [
    ("p", ["role:member", "kind:unit", "owner", "deadline_sample", "view"]),
    ("p", ["role:member", "kind:unit", "recipient", "deadline_sample", "view"]),
    ("p", ["role:member", "kind:unit", "cc", "deadline_sample", "view"]),
    ("p", ["role:officer", "kind:unit", "owner", "deadline_sample", "send"]),
    ("p", ["role:liaison", "kind:unit", "recipient", "deadline_sample", "sign"]),
]


@content("Deadline Sample")
class DeadlineSample(Item):
    item_type = "deadline_sample"
    type_title = "到期测试事项"
    workflow = WORKFLOW


@portal_view(context=DeadlineSample, renderer="string", permission="view")
def page(context, request):
    """The item's page, reduced to what the tests read: its title and due-date label."""
    from portal.deadlines import due_label

    label = due_label(context, request)
    return f"{context.title} | {label[0] if label else '无期限'} | {label[1] if label else ''}"


@portal_view(context=DeadlineSample, name="send", request_method="POST", permission="send")
def send(context, request):
    """Send it to its recipient, due in 3 working days."""
    recipient = context.units_in("recipient")[0]
    due = add_workdays(now(), 3, request.root.calendar_overrides)
    context.set_due(due, awaiting=[recipient], waiting_for="等待本单位签收")
    WORKFLOW.fire(context, request, "send")
    return HTTPFound(location=request.resource_url(context))


@portal_view(context=DeadlineSample, name="sign", request_method="POST", permission="sign")
def sign(context, request):
    context.set_due(None)
    WORKFLOW.fire(context, request, "sign")
    return HTTPFound(location=request.resource_url(context))


def make_sample_app(directory):
    """The portal with this item type added, as a feature's ``includeme`` would add it."""
    config = portal.make_config(settings_for(directory))
    config.scan("tests.deadlines.sample")
    config.add_item_type("deadline_sample", "到期测试事项")
    app = config.make_wsgi_app()
    bring_up_to_date(app.registry)
    conn = app.registry._zodb_databases[""].open()
    try:
        seed_rows(conn.root()["app_root"], POLICY)
        transaction.commit()
    finally:
        conn.close()
    drain(app.registry)
    return app


def add_sample(
    root,
    registry,
    name,
    title,
    *,
    owner="cj-yushan",
    recipient="cj-scjgj",
    cc=None,
    due=None,
    awaiting=None,
    state="sent",
    waiting_for="等待本单位签收",
):
    """An item as its workflow would leave it, committed (for panels and the overdue run)."""
    item = DeadlineSample(owner, title, creator="ys.officer")
    item.relate("recipient", recipient)
    if cc:
        item.relate("cc", cc)
    item.state = state
    if due is not None:
        item.set_due(due, awaiting=[recipient] if awaiting is None else awaiting, waiting_for=waiting_for)
    manager.push({"registry": registry, "request": None})
    try:
        root["tenants"][owner].add(name, item, registry=registry)
        transaction.commit()
    finally:
        manager.pop()
    drain(registry)
    return item


def at(year, month, day, hour=0, minute=0):
    """A moment in China time."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)
