"""The referral's pages, declared on the flow kit: the draft form, the item page with its steps (a
comment or a reason on the page itself; the police's decisions, the procuratorate's record and the
handover on pages of their own), the material uploads and the listing. Who may take each step is the
Casbin action of the same name (``policies/referrals.csv``)."""

import deform

from ..flows import Action, Flow, fmt
from ..items import now
from . import (
    FIELDS,
    MATERIALS,
    PENALTIES_STAY,
    CrimeReferral,
    add_materials,
    after_save,
    approve,
    before_record,
    close,
    decline_case,
    handover,
    objection_refusal,
    open_case,
    reconsider,
    record_supervision,
    refuse,
    report,
    report_refusal,
    return_for_more,
    send,
    send_refusal,
    sign_receipt,
    suggest_supervision,
    supervision_refusal,
    uphold,
    upload_refusal,
)
from .forms import (
    DeclineSchema,
    HandoverSchema,
    OpenCaseSchema,
    ReferralSchema,
    SupervisionSchema,
    comment_schema,
    material_schema,
)


def step(name, title, label, do, required=False, message=None, **kw):
    """A step taken with a comment (``label``), or with the reason it ``required``: ``do(item,
    request, comment)``, checked by its workflow transition."""

    def act(item, request, data):
        do(item, request, data["comment"])
        return message(item) if message else f"已{title}"

    return Action(
        name, title, act, schema=comment_schema(label, required), transition=name, inline=True, **kw
    )


def saying(do, message):
    """A form's step ``do(item, request, data)``, and what the person reads after it."""

    def act(item, request, data):
        do(item, request, data)
        return message

    return act


def police_title(item):
    return item.unit_name(item.police)


def upload(item, request, data):
    """Files into the material slot the form names in its address (``?slot=letter``)."""
    return add_materials(item, request, request.params.get("slot", ""), data["files"])


def upload_intro(item, request):
    hints = {slot: f"{kind}：{hint}。" for slot, kind, hint, _ in MATERIALS}
    return (
        hints.get(request.params.get("slot", ""), "")
        + "移送书、调查报告、涉案物品清单和检验报告或鉴定意见齐全后方可移送。"
    )


UPLOAD = Action(
    "upload",
    "上传移送材料",
    upload,
    schema=material_schema(),
    allowed=lambda item, request: upload_refusal(item),
    intro=upload_intro,
    listed=False,
)


def decision_intro(item, request):
    clock = item.running("decide")
    due = f"请于 {fmt(clock['due'])} 前决定" if clock else "请决定"
    return (
        f"两名以上执法人员（{item.officers_text}）已书面报告。{due}（自报告之日起3个工作日内）。"
        "批准的，应当在24小时内向公安机关移送；不批准的，应当将不予批准的理由记录在案。"
    )


def report_intro(item, request):
    return (
        "书面报告负责人：由报告所列执法人员之一提交；负责人自报告之日起3个工作日内决定是否移送。"
        "移送材料可在移送前继续补充。"
    )


def send_intro(item, request):
    clock = item.running("send")
    due = f"，移送期限 {fmt(clock['due'])}" if clock else ""
    return (
        f"负责人已批准移送{due}（批准后24小时内，节假日不停止）。以本单位名义移送{police_title(item)}，"
        f"移送书及材料目录同时抄送{item.unit_name(item.procuratorate)}。"
    )


def receipt_intro(item, request):
    clock = item.running("police")
    due = f"审查期限 {fmt(clock['due'])}（自收到移送之日起3个工作日，签收与否不影响期限）。" if clock else ""
    return f"请在移送书回执上签收。{due}"


def objection_intro(item, request):
    clock = item.running("objection") or item.running("supervision")
    due = f"请于 {fmt(clock['due'])} 前提出（3个工作日）。" if clock else ""
    return (
        f"{police_title(item)}不予立案。有异议的，可以提请其复议，也可以建议{item.unit_name(item.procuratorate)}"
        f"进行立案监督：{due}无异议的，依法作出处理后办结。"
    )


def review_intro(item, request):
    clock = item.running("review")
    due = f"请于 {fmt(clock['due'])} 前" if clock else "请"
    return f"移送单位提请复议。{due}作出立案或者不予立案的复议决定（自收到复议申请之日起3个工作日）。"


def open_intro(item, request):
    clock = item.running("police") or item.running("review")
    due = f"审查期限：{fmt(clock['due'])}。" if clock else ""
    return (
        f"{due}认为有犯罪事实、需要追究刑事责任，依法决定立案的，书面通知移送单位；"
        "移送单位应当自接到立案通知之日起3个工作日内移交涉案物品。"
    )


def decline_intro(item, request):
    clock = item.running("police")
    due = f"审查期限：{fmt(clock['due'])}。" if clock else ""
    return (
        f"{due}认为没有犯罪事实，或者犯罪事实显著轻微、不需要追究刑事责任，依法不予立案的，"
        "应当说明理由，书面通知移送单位，并相应退回案卷材料。移送单位可以自接到通知之日起3个工作日内提请复议。"
    )


def handover_intro(item, request):
    clock = item.running("handover")
    due = f"请于 {fmt(clock['due'])} 前移交（自接到立案通知之日起3个工作日内）。" if clock else ""
    return f"{police_title(item)}已决定立案。{due}移交涉案物品以及与案件有关的其他材料，并办结交接手续。"


ACTIONS = (
    step(
        "report",
        "书面报告负责人",
        "报告说明（选填）",
        report,
        blocked=report_refusal,
        intro=report_intro,
        message=lambda item: f"已书面报告负责人，负责人应于 {fmt(item.due)} 前决定是否移送",
    ),
    step("approve", "批准移送", "审批意见（选填）", approve, intro=decision_intro),
    step("refuse", "不予移送", "不予移送的理由", refuse, required=True, primary=False),
    step("return", "退回补充", "需要补充的内容", return_for_more, required=True, primary=False),
    step(
        "send",
        "以本单位名义移送公安机关",
        "移送说明（选填）",
        send,
        blocked=send_refusal,
        intro=send_intro,
        message=lambda item: (
            f"已移送{police_title(item)}（{item.number}），移送书及材料目录已抄送{item.unit_name(item.procuratorate)}"
        ),
    ),
    step("sign_receipt", "签收回执", "回执说明（选填）", sign_receipt, intro=receipt_intro),
    Action(
        "open_case",
        "决定立案",
        saying(open_case, "已决定立案，已通知移送单位移交涉案物品"),
        schema=OpenCaseSchema(),
        transition="open_case",
        intro=open_intro,
    ),
    Action(
        "decline_case",
        "决定不予立案",
        saying(decline_case, "已决定不予立案，已通知移送单位"),
        schema=DeclineSchema(),
        transition="decline_case",
        intro=decline_intro,
        primary=False,
    ),
    step(
        "reconsider",
        "提请复议",
        "提请复议的理由",
        reconsider,
        required=True,
        allowed=objection_refusal,
        intro=objection_intro,
        message=lambda item: f"已提请{police_title(item)}复议，复议决定期限 {fmt(item.due)}",
    ),
    step(
        "uphold",
        "复议维持不予立案",
        "复议决定的理由",
        uphold,
        required=True,
        primary=False,
        intro=review_intro,
    ),
    step(
        "suggest_supervision",
        "建议检察院立案监督",
        "建议立案监督的理由",
        suggest_supervision,
        required=True,
        primary=False,
        intro=objection_intro,
    ),
    Action(
        "supervision_result",
        "登记立案监督情况",
        saying(record_supervision, "已登记立案监督情况"),
        schema=SupervisionSchema(),
        allowed=supervision_refusal,
        intro="人民检察院对公安机关不予立案的案件依法进行立案监督；登记后，移送单位和公安机关可以看到。",
    ),
    step("close", "办结", "依法处理的情况", close, required=True, primary=False),
    Action(
        "handover",
        "移交涉案物品",
        saying(handover, "已登记涉案物品移交"),
        schema=HandoverSchema(),
        transition="handover",
        intro=handover_intro,
    ),
    UPLOAD,
)


def material_form(item, request, slot, kind):
    """The upload form of one material slot, on the item page."""
    return UPLOAD.inline_form(
        item,
        request,
        formid=f"upload-{slot}",
        action=request.resource_url(item, "@@upload", query={"slot": slot}),
        buttons=(deform.Button("upload", f"上传{kind}"),),
    )


def penalty_decisions(item, request):
    """The penalty decisions of the same case (the linked filing), as the referral's page lists them."""
    filing = item.linked_filing()
    if filing is None:
        return None
    fine = f"罚款 {filing.fine_amount:,.2f} 元" if filing.fine_amount is not None else ""
    return {
        "title": filing.title,
        "decision_number": filing.decision_number,
        "decision_date": fmt(filing.decision_date),
        "kinds": "、".join(filing.penalty_kinds),
        "fine": fine,
        "organ": filing.deciding_organ,
        "state": filing.state_title,
        "url": request.resource_url(filing) if request.permits(filing, "view") else "",
    }


def page_values(item, request):
    may_upload = UPLOAD.offered(item, request)
    offered = FLOW.offered_actions(item, request)
    intros = []
    for action in offered:
        text = action.intro_for(item, request) if action.inline else ""
        if text and text not in intros:
            intros.append(text)
    return {
        "step_intros": intros,
        "clock_rows": item.clock_rows(now(), request),
        "penalties": penalty_decisions(item, request),
        "penalties_stay": PENALTIES_STAY,
        "materials": [
            {
                "slot": slot,
                "kind": kind,
                "hint": hint,
                "required": required,
                "files": [(f, request.permits(f, "view")) for f in files],
                "form": material_form(item, request, slot, kind) if may_upload else None,
            }
            for slot, kind, hint, required, files in item.materials()
        ],
        "fmt": fmt,
    }


INTRO = (
    "发现违法行为涉嫌犯罪的，应当及时移送公安机关，不得以行政处罚代替移送（以罚代刑）。"
    "由两名以上执法人员书面报告本单位负责人：保存草稿后，由报告所列执法人员之一点击“书面报告负责人”。"
    "负责人自报告之日起3个工作日内决定是否移送；批准的，24小时内以本单位名义移送公安机关，"
    "附移送书、调查报告、涉案物品清单、检验报告或鉴定意见等材料，移送书及材料目录同时抄送区人民检察院。"
)

FLOW = Flow(
    CrimeReferral,
    slug="referral",
    formid="crime-referral",
    listing="referrals",
    nav_title="涉罪移送",
    nav_order=55,
    number_word="刑",
    numbered=False,
    name_prefix="xr",
    schema=ReferralSchema,
    fields=FIELDS,
    heading="起草涉嫌犯罪案件移送",
    intro=INTRO,
    list_intro=(
        "行政执法中发现的涉嫌犯罪案件，移送公安机关：本单位移送的，移送给本单位的，以及抄送本单位的。"
    ),
    files_kind="调查报告",
    create_button="保存草稿",
    created_message="已保存草稿。请上传移送材料，核对后由报告所列执法人员之一书面报告负责人。",
    before_record=before_record,
    after_save=after_save,
    not_editable="“{item.state_title}”的移送不能修改",
    columns=(
        ("移送单位", lambda item, request: item.owner_title),
        ("公安机关", lambda item, request: item.unit_name(item.police)),
        ("涉嫌罪名", lambda item, request: item.offence),
    ),
    actions=ACTIONS,
    draft_state="draft",
    item_template="portal.referrals:templates/referral.pt",
    page_values=page_values,
    due_title="期限",
)
