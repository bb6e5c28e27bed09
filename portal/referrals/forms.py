"""The referral's forms, from the kit's fields: the draft (the case, the officers who report it, where
it goes, the penalty filing of the same case), a material upload, and the steps' comments, reasons
and records."""

import colander
import deform

from ..flows import (
    choice_node,
    date_node,
    datetime_node,
    files_node,
    flag_node,
    not_before,
    not_in_future,
    text_node,
)
from ..views import CSRFSchema
from . import SUPERVISION_OUTCOMES

#: The roles of a unit's members who may be named in a report (not a unit admin alone).
ENFORCEMENT_ROLES = frozenset({"officer", "liaison", "leader", "deputy"})


def owner_of(request, item=None):
    return item.owner if item is not None else request.acting_unit


def unit_people(request, item=None):
    """``[(login, name)]`` of the unit's members who may report a case (its enforcement people)."""
    from ..people import display_name, find_person

    members = request.policy.members_of(owner_of(request, item))
    people = []
    for login, roles in sorted(members.items()):
        if not set(roles) & ENFORCEMENT_ROLES:
            continue
        person = find_person(request.root, login)
        people.append((login, display_name(person) if person is not None else login))
    return people


def police_units(request):
    """``[(code, title)]`` of the district's public-security organs (units of the kind ``police``)."""
    tenants = request.root["tenants"]
    return [(code, t.title) for code, t in sorted(tenants.items()) if "police" in t.kinds]


def procuratorates(request):
    """``[(code, title)]`` of the district's procuratorates: judicial units named 检察院."""
    tenants = request.root["tenants"]
    return [
        (code, t.title) for code, t in sorted(tenants.items()) if t.kind == "judicial" and "检察院" in t.title
    ]


def requested_filing(request):
    """The penalty filing the form was opened from (``?filing=``), if it is the acting unit's."""
    from ..filings import PenaltyFiling

    tenant = request.root["tenants"].get(request.acting_unit or "")
    name = request.params.get("filing", "")
    filing = tenant.get(name) if tenant is not None and name else None
    return filing if isinstance(filing, PenaltyFiling) else None


def filing_choices(request, item=None):
    """The unit's penalty filings a referral may name: those flagged for 以罚代刑, the one the form
    was opened from, and the one the draft names already."""
    from ..filings import PenaltyFiling
    from .flags import flagged_names

    tenant = request.root["tenants"].get(owner_of(request, item) or "")
    if tenant is None:
        return []
    names = list(flagged_names(request.root, tenant.code))
    opened = requested_filing(request)
    for name in (opened.__name__ if opened is not None else "", item.filing if item is not None else ""):
        if name and name not in names:
            names.append(name)
    choices = []
    for name in names:
        filing = tenant.get(name)
        if isinstance(filing, PenaltyFiling):
            number = f"（{filing.decision_number}）" if filing.decision_number else ""
            choices.append((name, f"{filing.title}{number}"))
    return choices


def from_filing(attribute):
    """A default taken from the filing the form was opened from."""

    def default(node, kw):
        filing = requested_filing(kw["request"]) if kw.get("item") is None else None
        value = getattr(filing, attribute, None) if filing is not None else None
        return value if value else colander.null

    return colander.deferred(default)


def selection(title, choices, missing_msg):
    """One of ``choices(request)``, preselected when there is only one."""

    def options(kw):
        return choices(kw["request"])

    return choice_node(
        title,
        [],
        missing_msg=missing_msg,
        widget=colander.deferred(
            lambda node, kw: deform.widget.SelectWidget(values=[("", "请选择"), *options(kw)])
        ),
        validator=colander.deferred(
            lambda node, kw: colander.OneOf([code for code, _ in options(kw)], msg_err=missing_msg)
        ),
        default=colander.deferred(
            lambda node, kw: options(kw)[0][0] if len(options(kw)) == 1 else colander.null
        ),
    )


def officers_node():
    """The officers the report names: two or more of the unit's members (规定 art. 5)."""

    def validator(node, kw):
        people = {login for login, _ in unit_people(kw["request"], kw.get("item"))}
        return colander.All(
            colander.Length(min=2, min_err="书面报告须由两名以上执法人员提出，请至少选择两名"),
            colander.Function(lambda chosen: set(chosen) <= people, "只能选择本单位的执法人员"),
        )

    return colander.SchemaNode(
        colander.Set(),
        title="书面报告的执法人员",
        description="两名以上本单位执法人员书面报告；报告由其中一人提交负责人",
        widget=colander.deferred(
            lambda node, kw: deform.widget.CheckboxChoiceWidget(
                values=unit_people(kw["request"], kw.get("item")), inline=True
            )
        ),
        validator=colander.deferred(validator),
        preparer=lambda value: (
            tuple(sorted(value)) if isinstance(value, (set, frozenset, list, tuple)) else value
        ),
        missing_msg="书面报告须由两名以上执法人员提出，请至少选择两名",
    )


@colander.deferred
def not_police(node, kw):
    """Public security does not refer cases to itself."""
    request = kw["request"]
    item = kw.get("item")
    tenant = request.root["tenants"].get(owner_of(request, item) or "")

    def validator(form, value):
        if tenant is not None and "police" in tenant.kinds:
            raise colander.Invalid(form, "公安机关发现的涉嫌犯罪案件依刑事诉讼程序办理，不通过本流程移送")

    return validator


class ReferralSchema(CSRFSchema):
    """The officers' written report of a case that may be a crime, and where it goes."""

    validator = not_police

    title = text_node(
        "案件名称", 200, description="例如：某公司生产销售伪劣产品案", default=from_filing("title")
    )
    party = text_node("当事人", 200, description="单位名称或个人姓名", default=from_filing("party_name"))
    offence = text_node("涉嫌罪名", 100, description="例如：生产、销售伪劣产品罪")
    found_date = date_node("发现日期", validator=not_in_future, description="发现涉嫌犯罪线索的日期")
    facts = text_node("涉嫌犯罪事实", 20_000, textarea=True, default=from_filing("facts"))
    report = text_node(
        "书面报告",
        20_000,
        textarea=True,
        description="执法人员对案件情况、涉嫌犯罪的理由和移送建议的书面报告，负责人据此决定是否移送",
    )
    officers = officers_node()
    no_appraisal = flag_node("本案无需检验、鉴定", "勾选后，移送时不要求上传检验报告或鉴定意见")
    police = selection("移送的公安机关", police_units, "请选择移送的公安机关")
    procuratorate = selection("抄送的人民检察院", procuratorates, "请选择抄送的人民检察院")
    filing = choice_node(
        "同案的处罚决定备案",
        [],
        missing="",
        description="本案已作出行政处罚决定并备案的，请选择；移送页面将列出这些处罚决定",
        widget=colander.deferred(
            lambda node, kw: deform.widget.SelectWidget(
                values=[("", "无（未作出处罚决定）"), *filing_choices(kw["request"], kw.get("item"))]
            )
        ),
        validator=colander.deferred(
            lambda node, kw: colander.OneOf(
                [name for name, _ in filing_choices(kw["request"], kw.get("item"))],
                msg_err="请从列表中选择本单位的处罚决定备案",
            )
        ),
        default=colander.deferred(
            lambda node, kw: (
                requested_filing(kw["request"]).__name__
                if kw.get("item") is None and requested_filing(kw["request"]) is not None
                else colander.null
            )
        ),
    )


def material_schema(request=None):
    schema = CSRFSchema()
    schema.add(
        files_node(
            "选择文件",
            name="files",
            missing=colander.required,
            missing_msg="请选择要上传的文件",
        )
    )
    return schema


def comment_schema(label, required):
    """The form of a step: its comment, or the reason it requires (``label`` says which)."""
    comment = text_node(label, 5000, required=required, textarea=True, name="comment")
    comment.widget = deform.widget.TextAreaWidget(rows=3)
    schema = CSRFSchema()
    schema.add(comment)
    return schema


class OpenCaseSchema(CSRFSchema):
    case_number = text_node(
        "立案决定书文号", 100, required=False, description="选填，例如：昌公（刑）立字〔2026〕15号"
    )
    comment = text_node("说明", 2000, required=False, textarea=True)


class DeclineSchema(CSRFSchema):
    reason = text_node(
        "不予立案的理由",
        5000,
        textarea=True,
        description="没有犯罪事实，或者犯罪事实显著轻微、不需要追究刑事责任的理由",
        missing_msg="请填写不予立案的理由",
    )
    materials_returned = flag_node(
        "已相应退回案卷材料", "不予立案的，应当书面通知移送单位，并相应退回案卷材料"
    )
    files = files_node("不予立案通知书（选填）")

    def validator(self, node, value):
        if not value["materials_returned"]:
            error = colander.Invalid(node)
            error["materials_returned"] = "不予立案的，应当相应退回案卷材料；退回后请勾选"
            raise error


class SupervisionSchema(CSRFSchema):
    outcome = choice_node("立案监督情况", SUPERVISION_OUTCOMES)
    note = text_node("说明", 5000, textarea=True, description="检察机关开展立案监督的情况")


@colander.deferred
def after_opening(node, kw):
    item = kw["item"]
    return colander.All(not_in_future, not_before(item.police_decided_at, "公安机关立案时间"))


class HandoverSchema(CSRFSchema):
    none = flag_node("本案无涉案物品需要移交", "勾选后只需填写说明")
    handed_at = datetime_node("移交时间", validator=after_opening)
    receiver = text_node("公安机关接收人", 100, required=False)
    items = text_node(
        "移交的涉案物品",
        5000,
        required=False,
        textarea=True,
        description="名称、数量、特征，与涉案物品清单对应",
    )
    note = text_node("说明", 2000, required=False, textarea=True)
    files = files_node("交接清单（选填）")

    def validator(self, node, value):
        error = colander.Invalid(node, "请按提示修改")
        if not value["none"]:
            if not value["items"]:
                error["items"] = "请填写移交的涉案物品；没有涉案物品的，请勾选“本案无涉案物品需要移交”"
            if not value["receiver"]:
                error["receiver"] = "请填写公安机关接收人"
        elif not value["note"]:
            error["note"] = "请说明本案没有涉案物品的情况"
        if error.children:
            raise error
