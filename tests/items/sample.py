"""Item types for testing the listings and search on any item type, and a way to build sites.

They are ordinary :class:`~portal.items.Item` subclasses at module level (so ZODB can pickle them),
registered with a running app the way a feature's ``includeme`` does, with policy rows of their own.
"""

import datetime
import itertools
from contextlib import contextmanager

import transaction
from pyramid.threadlocal import manager
from substanced.content import content
from ZODB.blob import Blob

from portal.calendar import SHANGHAI
from portal.indexing import drain
from portal.items import Attachment, Item, Transition, Workflow

WORKFLOW = Workflow(
    initial="draft",
    states={"draft": "草稿", "submitted": "已报送", "returned": "已退回", "recorded": "已备案"},
    transitions=[
        Transition("submit", "报送", ["draft", "returned"], "submitted"),
        Transition("return", "退回补正", ["submitted"], "returned"),
        Transition("record", "备案", ["submitted"], "recorded"),
    ],
    final=["recorded"],
)


@content("Sample Item")
class SampleItem(Item):
    """A filing-like item: owned by one unit, sent to another, recorded or returned."""

    item_type = "sample_item"
    type_title = "示例事项"
    workflow = WORKFLOW
    searchable_fields = ("title", "number", "party", "body")
    party = ""
    body = ""


@content("Sample Notice")
class SampleNotice(Item):
    """A notice-like item: sent to many units at once."""

    item_type = "sample_notice"
    type_title = "示例通知"
    workflow = WORKFLOW
    searchable_fields = ("title", "number", "body")
    body = ""


TYPES = {"sample_item": SampleItem, "sample_notice": SampleNotice}

#: Policy rows for the sample types: every member sees what their unit owns or receives; the
#: liaison of a recipient records it.
ROWS = [
    ["role:member", "kind:unit", "owner", "sample_item", "view"],
    ["role:member", "kind:unit", "recipient", "sample_item", "view"],
    ["role:member", "kind:unit", "cc", "sample_item", "view"],
    ["role:member", "kind:unit", "owner", "sample_notice", "view"],
    ["role:member", "kind:unit", "recipient", "sample_notice", "view"],
    ["role:member", "kind:unit", "participant", "sample_notice", "view"],
    ["role:liaison", "kind:unit", "recipient", "sample_item", "record"],
]

BASE_TIME = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)
_names = itertools.count(1)


def register_types(registry):
    """What ``config.add_item_type`` does for each sample type."""
    types = registry.__dict__.setdefault("portal_item_types", {})
    workflows = registry.__dict__.setdefault("portal_item_workflows", {})
    for cls in TYPES.values():
        types[cls.item_type] = cls.type_title
        workflows[cls.item_type] = cls.workflow


@contextmanager
def site(app, commit=True):
    """The app's site root in a fresh connection, with the app's registry current (indexing needs
    it); committed at the end unless ``commit`` is false, and then indexed as after a request."""
    db = app.registry._zodb_databases[""]
    conn = db.open()
    manager.push({"registry": app.registry, "request": None})
    try:
        transaction.begin()
        yield conn.root()["app_root"]
        if commit:
            transaction.commit()
            drain(app.registry)
        else:
            transaction.abort()
    except BaseException:
        transaction.abort()
        raise
    finally:
        manager.pop()
        conn.close()


def add_rows(root, rows=ROWS):
    for fields in rows:
        root.policy_store.add("p", list(fields))


def add_item(
    root,
    cls,
    owner,
    title,
    relations=(),
    state=None,
    minute=0,
    due=None,
    awaiting=(),
    attachment_text=None,
    **fields,
):
    """Create an item in its owner's folder (indexed as the add form would) and return it.

    ``minute`` orders items in time: created and modified that many minutes after a fixed start.
    """
    item = cls(owner, title, creator="test")
    for name, value in fields.items():
        setattr(item, name, value)
    for relation, unit in relations:
        item.relate(relation, unit)
    if state is not None:
        item.state = state
    item.created = item.modified = BASE_TIME + datetime.timedelta(minutes=minute)
    if due is not None:
        item.set_due(due, awaiting=awaiting, waiting_for="等待办理")
    if attachment_text is not None:
        blob = Blob()
        with blob.open("w") as f:
            f.write(b"%PDF-1.4 sample")
        item.add(
            "file-1",
            Attachment("scan.pdf", "application/pdf", 15, blob, text=attachment_text),
            send_events=False,
        )
    folder = root["tenants"][owner]
    name = f"{cls.item_type}-{next(_names)}"
    while name in folder:
        name = f"{cls.item_type}-{next(_names)}"
    folder.add(name, item)
    return item
