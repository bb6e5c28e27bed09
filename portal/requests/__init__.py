"""Collaboration requests (执法协作文书), 昌府办字〔2024〕52号 (三)2.

A township asks a department for a determination (认定), a technical appraisal (技术鉴定) or a
consultation opinion (咨询意见). The department's clock starts when the request reaches it (送达, the
township's send): a written answer is due **3 working days after receipt** (自收到之日起), whether or
not anyone has signed for it yet. Signing (签收) is recorded, who and when, and moves no clock.
For a technical appraisal or a complex case the
department may extend, with a reason and a new due date. When the matter is urgent or evidence may be
lost, the department sends staff to the site at once and records who went and when (现场处置).

Whether the answer came late, and by how many working days, is computed once when it is given and
kept: later calendar changes do not rewrite history.
"""

import datetime

from persistent.list import PersistentList
from persistent.mapping import PersistentMapping
from substanced.content import content

from ..calendar import add_workdays_ex, local_date, workdays_between, year_has_data
from ..items import Item, Transition, Workflow, now, reindex

#: What a township may ask for.
KINDS = ("认定", "技术鉴定", "咨询意见")
#: The kind a department may always extend; other kinds only when the case is complex.
APPRAISAL = "技术鉴定"
#: Working days a department has to answer, counted from receipt.
ANSWER_WORKDAYS = 3

WORKFLOW = Workflow(
    initial="draft",
    states={
        "draft": "草稿",
        "sent": "已发送，待签收",
        "received": "已签收，待答复",
        "answered": "已答复",
        "closed": "已办结",
    },
    transitions=[
        Transition("send", "发送", ["draft"], "sent"),
        Transition("receive", "签收", ["sent"], "received"),
        Transition("answer", "书面答复", ["received"], "answered"),
        Transition("close", "办结", ["answered"], "closed"),
    ],
    final=["closed"],
)


def parse_office_close(value):
    """The ``portal.office_close`` setting (``"17:30"``) as a time; empty means no office-hours rule."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return datetime.datetime.strptime(value, "%H:%M").time()
    except ValueError:
        raise ValueError(f"portal.office_close must be HH:MM (e.g. 17:30), not {value!r}") from None


def office_close(request):
    """The office-hours rule parsed at start (see :func:`includeme`)."""
    return request.registry.portal_office_close


@content("Collaboration Request", icon="glyphicon glyphicon-question-sign")
class CollaborationRequest(Item):
    """A township's written request to a department, with the department's clock and answer."""

    item_type = "collab_request"
    type_title = "执法协作请求"
    workflow = WORKFLOW
    searchable_fields = ("title", "number", "kind", "facts", "question", "answer_text")

    kind = ""
    department = ""
    facts = ""
    question = ""
    urgent = False
    evidence_at_risk = False
    sent_at = None
    #: When the request reached the department (送达): its clock runs from here.
    received_at = None
    #: When and by whom the department signed for it (签收); no clock depends on it.
    signed_at = None
    signed_by = ""
    answer_text = ""
    answered_at = None
    #: The due date the answer was measured against.
    answer_due = None
    answered_late = False
    late_by_workdays = 0
    closed_at = None

    def __init__(self, owner, title="", creator="", **fields):
        super().__init__(owner, title, creator)
        for name, value in fields.items():
            setattr(self, name, value)
        self.extensions = PersistentList()
        self.onsite_visits = PersistentList()

    @property
    def needs_onsite(self):
        """Urgent or evidence at risk: the department is expected on site at once."""
        return bool(self.urgent or self.evidence_at_risk)

    @property
    def flags(self):
        return [
            flag for flag, on in (("情况紧急", self.urgent), ("证据可能灭失", self.evidence_at_risk)) if on
        ]

    def start_answer_clock(self, received_at, overrides=None, office_close=None):
        """Receipt starts the department's clock: the answer is due 3 working days later."""
        self.received_at = received_at
        due = add_workdays_ex(received_at, ANSWER_WORKDAYS, overrides, office_close)
        self.set_due(
            due.date,
            awaiting=[self.department],
            waiting_for=self._waiting("书面答复" if self.signed_at else "签收并书面答复"),
            provisional=due.provisional,
        )
        return due

    def record_signing(self, signed_at, login):
        """The department signed for it: recorded, and the clock left as it runs."""
        self.signed_at = signed_at
        self.signed_by = login
        self.set_due(
            self.due,
            awaiting=[self.department],
            waiting_for=self._waiting("书面答复"),
            provisional=self.due_provisional,
        )

    def extend(self, new_due, reason, overrides=None, **who):
        """Move the due date later, keeping a record of the old one and why."""
        self.extensions.append(
            PersistentMapping(old_due=self.due, new_due=new_due, reason=reason, when=now(), **who)
        )
        self.set_due(
            new_due,
            awaiting=[self.department],
            waiting_for=self._waiting("书面答复"),
            provisional=not year_has_data(new_due.year, overrides),
        )

    def record_answer(self, text, answered_at, overrides=None):
        """Keep the answer and, once and for all, whether it was late and by how many working days."""
        self.answer_text = text
        self.answered_at = answered_at
        self.answer_due = self.due
        self.answered_late = local_date(answered_at) > self.due
        self.late_by_workdays = max(workdays_between(self.due, answered_at, overrides), 0)

    def record_onsite(self, staff, arrived_at, **who):
        self.onsite_visits.append(PersistentMapping(staff=staff, arrived_at=arrived_at, when=now(), **who))

    def notices(self, entry, request):
        """Who hears of a step (see :mod:`portal.notifications`): the department's liaison when the
        request arrives, the township's people when the department answers, extends or comes on
        site; nobody for a unit's own routine steps (drafting, signing, closing)."""
        township, title = self.owner_title, f"《{self.title}》"
        department = self.department_title
        if entry.action == "send":
            text = (
                f"{township}向{department}请求{self.kind}：{title}（{self.number}），"
                f"请于 {self.due:%Y-%m-%d} 前书面答复"
            )
            return [([self.department], {"liaison"}, text)]
        to_township = {
            "answer": f"{department}已书面答复{township}的请求{title}，待查阅后办结",
            "extend": f"{department}延长了{title}的答复期限：{entry.comment}",
            "onsite": f"{department}已派员到场处置{title}：{entry.comment}",
        }
        if entry.action in to_township:
            return [([self.owner], {"officer", "liaison"}, to_township[entry.action])]
        return []

    @property
    def owner_title(self):
        tenants = self.__parent__.__parent__ if self.__parent__ is not None else None
        tenant = tenants.get(self.owner) if tenants is not None else None
        return tenant.title if tenant is not None else self.owner

    def _waiting(self, what):
        return f"等待{self.department_title}{what}"

    @property
    def department_title(self):
        tenants = self.__parent__.__parent__ if self.__parent__ is not None else None
        tenant = tenants.get(self.department) if tenants is not None else None
        return tenant.title if tenant is not None else self.department


def clocks_from_receipt(root, registry):
    """Evolution step: requests sent before the clock ran from receipt, and not signed for yet, get
    the clock they should have had, from the moment they were sent."""
    catalog = root["catalogs"]["portal"]
    objectmap = root.__objectmap__
    for docid in catalog["item_type"].applyEq("collab_request"):
        item = objectmap.object_for(docid)
        if item is None or item.state != "sent" or item.due is not None:
            continue
        sent = item.sent_at or item.created
        item.start_answer_clock(sent, root.calendar_overrides, getattr(registry, "portal_office_close", None))
        reindex(item)


def includeme(config):
    config.add_evolution_step(clocks_from_receipt, name="portal.requests.clocks_from_receipt")
    config.registry.portal_office_close = parse_office_close(
        config.registry.settings.get("portal.office_close")
    )
    from .views import nav_url

    config.add_item_type("collab_request", "执法协作请求")
    config.add_nav_link(30, "协作请求", nav_url)
    config.scan(".")
