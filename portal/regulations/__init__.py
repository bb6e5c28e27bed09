"""Regulations and normative documents (法规文件下发), 实施意见 (三)1.

A department publishes a law, regulation, normative document or piece of enforcement news to every
township or to chosen ones. On publishing, each township becomes a ``recipient`` of the document and
must sign for it (签收); the publisher sees who has signed and reminds (催办) those who have not. The
units still to sign are the item's ``awaiting`` (the dashboards' "to sign"), with a sign-by date three
working days after publication.

Publishing also puts the document in the shared library (:func:`share_in_library`).

The pages (the form, the document with its signing table, the list) are declared in :mod:`.flow`.
"""

from BTrees.OOBTree import OOBTree
from substanced.content import content

from ..calendar import add_workdays_ex, local_date
from ..flows import FlowItem, attach_files, townships, unit_title
from ..items import Attachment, Transition, Workflow, WorkflowError, now, record
from ..items.numbering import next_number
from ..library import CATEGORIES as LIBRARY_CATEGORIES
from ..library import OTHER, LibraryDocument, free_name
from ..people import display_name
from ..supervision.figures import Measure

#: The kinds of 法规文件 named in (三)1.
CATEGORIES = tuple(category for category in LIBRARY_CATEGORIES if category != OTHER)
#: Recipients chosen as "every township" (resolved to the townships of the day it is published).
ALL_TOWNSHIPS = "all"
#: Working days a township has to sign for a published document.
SIGN_WORKDAYS = 3

WORKFLOW = Workflow(
    initial="draft",
    states={"draft": "草稿", "published": "已发布"},
    transitions=[Transition("publish", "发布", ["draft"], "published", action="publish")],
)


@content("Regulation", icon="glyphicon glyphicon-bullhorn")
class Regulation(FlowItem):
    """A regulation or normative document a department sends to townships, and who signed for it."""

    item_type = "regulation"
    type_title = "法规文件"
    workflow = WORKFLOW
    searchable_fields = ("title", "number", "issuing_number", "issuing_organ", "category", "body")

    category = ""
    issuing_number = ""
    issuing_organ = ""
    issue_date = None
    effective_date = None
    body = ""
    #: Unit codes chosen on the form, or ``(ALL_TOWNSHIPS,)``.
    chosen_recipients = ()
    published = None
    sign_by = None
    library_entry = None

    def __init__(self, owner, title="", creator="", **fields):
        super().__init__(owner, title, creator, **fields)
        #: unit code -> (login, name, when) of the person who signed for the unit.
        self.signatures = OOBTree()

    @property
    def document_year(self):
        return self.issue_date.year if self.issue_date else None

    def recipients(self):
        """The units it was sent to (empty while a draft)."""
        return self.units_in("recipient")

    def unsigned(self):
        return tuple(unit for unit in self.recipients() if unit not in self.signatures)

    def chosen_titles(self, request):
        """The recipients chosen on the form, in words (for a draft: who it will go to)."""
        if ALL_TOWNSHIPS in self.chosen_recipients:
            return ["全部乡镇（街道）"]
        return [unit_title(request, unit) for unit in self.chosen_recipients]


#: The fields of the form stored on the document as they are.
FIELDS = ("category", "title", "issuing_number", "issuing_organ", "issue_date", "effective_date", "body")
PUBLISHED = "已发布，发文编号 {}；已通知接收单位签收，并存入共享资料库"
DRAFT_SAVED = "草稿已保存，确认无误后请点击“发布”"


def create(tenant, request, data):
    """A department's new document from the form: a draft (not numbered until it is published)."""
    regulation = Regulation(tenant.code, data["title"], request.login)
    tenant.add(free_name(tenant, "reg"), regulation)
    record(regulation, request, "create", "起草")
    fill(regulation, request, data)
    return regulation


def fill(regulation, request, data):
    """Store what the form says (new files are added to those attached)."""
    for name in FIELDS:
        setattr(regulation, name, data[name])
    regulation.chosen_recipients = tuple(sorted(data["recipients"]))
    attach_files(regulation, data["files"], request, "附件")


def change_draft(regulation, request, data):
    """The draft changed by its department, and published if the person pressed 发布."""
    record(regulation, request, "edit", "修改草稿")
    fill(regulation, request, data)
    return send(regulation, request) if "publish" in request.POST else DRAFT_SAVED


def resolve_recipients(chosen, request):
    """The unit codes a choice on the form stands for ("every township" or the ones ticked)."""
    codes = {code for code, _ in townships(request)}
    if ALL_TOWNSHIPS in chosen:
        return sorted(codes)
    return sorted(code for code in chosen if code in codes)


def publish(regulation, request, comment=""):
    """Send the document: recipients, the unit's outgoing number, the sign-by clock, the library."""
    WORKFLOW.check(regulation, request, "publish")
    recipients = resolve_recipients(regulation.chosen_recipients, request)
    if not recipients:
        raise WorkflowError("请先选择接收单位")
    tenant = request.root["tenants"][regulation.owner]
    published = now()
    regulation.published = published
    regulation.number = next_number(tenant, tenant.doc_code + "发", published.year)
    for unit in recipients:
        regulation.relate("recipient", unit)
    due = add_workdays_ex(published, SIGN_WORKDAYS, getattr(request.root, "calendar_overrides", None))
    regulation.sign_by = due.date
    regulation.set_due(
        due.date, awaiting=recipients, waiting_for="等待接收单位签收", provisional=due.provisional
    )
    WORKFLOW.fire(regulation, request, "publish", comment, recipients=list(recipients))
    regulation.library_entry = share_in_library(regulation, tenant, request)


def send(regulation, request):
    """:func:`publish`, and what the publisher reads then."""
    publish(regulation, request)
    return PUBLISHED.format(regulation.number)


def share_in_library(regulation, tenant, request):
    """Put a published regulation in the shared library, readable by every unit.

    The library gets a document of its own rather than making the regulation itself readable by
    everyone: the regulation also carries the distribution (who it was sent to, who has signed,
    the reminders), which is the business of the publisher and the recipients only. The library
    document holds the text and the very same files (the blobs are shared, not copied), and its
    readers are every unit.
    """
    entry = LibraryDocument(
        regulation.owner,
        regulation.title,
        regulation.creator,
        category=regulation.category,
        year=regulation.document_year,
        description=regulation.body,
        number=regulation.number,
        issuing_number=regulation.issuing_number,
        issuing_organ=regulation.issuing_organ,
        regulation=regulation,
    )
    entry.share("all")
    tenant.add(free_name(tenant, "lib"), entry)
    for file in regulation.attachments():
        shared = Attachment(
            file.filename, file.mimetype, file.size, file.blob, file.text, file.kind, file.uploaded_by
        )
        entry.add(file.__name__, shared, send_events=False)
    record(entry, request, "share", "存入共享资料库", f"随法规文件 {regulation.number} 发布")
    return entry


def sign_refusal(regulation, request):
    """Why the acting unit cannot sign for the document now (not sent to it, signed already), or ``""``."""
    unit = request.acting_unit
    if regulation.state != "published" or unit not in regulation.recipients():
        return "本单位不是该文件的接收单位，无需签收"
    signed = regulation.signatures.get(unit)
    if signed is not None:
        return f"本单位已由{signed[1]}于{signed[2]:%Y-%m-%d %H:%M}签收，无需重复签收"
    return ""


def sign(regulation, request):
    """The acting unit signs for the document; refused if not sent to it or signed already."""
    refusal = sign_refusal(regulation, request)
    if refusal:
        raise WorkflowError(refusal)
    unit = request.acting_unit
    regulation.signatures[unit] = (request.login, display_name(request.user), now())
    unsigned = regulation.unsigned()
    if unsigned:
        regulation.set_due(
            regulation.due,
            awaiting=unsigned,
            waiting_for=regulation.waiting_for,
            provisional=regulation.due_provisional,
        )
    else:
        regulation.set_due(None)
    record(regulation, request, "sign", "签收")
    return "已签收"


def remind_refusal(regulation, request):
    """Why nobody is to be reminded now, or ``""``."""
    if regulation.state != "published":
        return "文件尚未发布，不能催办"
    if not regulation.unsigned():
        return "所有接收单位均已签收，无需催办"
    return ""


def remind(regulation, request):
    """Record a reminder (催办) to every recipient that has not signed; returns what the publisher reads."""
    refusal = remind_refusal(regulation, request)
    if refusal:
        raise WorkflowError(refusal)
    laggards = regulation.unsigned()
    names = "、".join(unit_title(request, unit) for unit in laggards)
    record(regulation, request, "remind", "催办", f"催促签收：{names}", units=list(laggards))
    return f"已催办：{names}"


GROUP = "法规文件"
MEASURES = (
    Measure("regulations.published", "发布文件", GROUP, "", "部门发布的法规文件（按发布月份）"),
    Measure("regulations.received", "收到文件", GROUP, "duty", "接收单位收到、须签收的文件（按发布月份）"),
    Measure("regulations.signed_on_time", "按期签收", GROUP, "", "签收期限内签收（按签收月份）"),
    Measure("regulations.signed_late", "逾期签收", GROUP, "late", "超过签收期限才签收（按签收月份）"),
    Measure("regulations.unsigned", "未签收", GROUP, "open", "已发布、接收单位尚未签收（按发布月份）"),
)


def figures(regulation):
    """What a published document counts in the supervisor's overview (portal.supervision)."""
    if regulation.published is None:
        return
    yield "regulations.published", regulation.owner, regulation.published
    for unit in regulation.recipients():
        yield "regulations.received", unit, regulation.published
        signed = regulation.signatures.get(unit)
        if signed is None:
            yield "regulations.unsigned", unit, regulation.published
            continue
        late = regulation.sign_by is not None and local_date(signed[2]) > regulation.sign_by
        yield ("regulations.signed_late" if late else "regulations.signed_on_time"), unit, signed[2]


def includeme(config):
    from .flow import REGULATIONS

    config.add_figures("regulation", MEASURES, figures)
    config.scan(".")
    REGULATIONS.include(config)
