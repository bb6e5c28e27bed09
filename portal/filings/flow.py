"""The filing flow on the kit: the township's form, the filing's page and its actions (change,
submit, record, return for correction), and the list."""

from ..flows import Action, Flow, unit_title
from . import (
    PenaltyFiling,
    change,
    create,
    edit_refusal,
    record_filing,
    return_for_correction,
    submit,
    timeliness,
)
from .forms import CorrectionSchema, FilingSchema, ReturnSchema, filing_values

FORM_TEMPLATE = "portal.filings:templates/form.pt"
INTRO = (
    "乡镇（街道）作出行政处罚决定后，应及时将处罚决定书抄告业务主管部门备案。"
    "请按处罚决定书的内容填写（行政处罚法第五十九条），并上传加盖印章的决定书扫描件。"
    "保存后为草稿，核对无误后在备案页面点击“报送”。"
)


def return_intro(filing, request):
    return (
        f"备案文号 {filing.number}，报送单位 {filing.owner_title}。"
        "退回后，报送单位将看到您填写的理由，修改后重新报送，文号不变。"
    )


EDIT = Action(
    "edit",
    "修改",
    act=change,
    schema=CorrectionSchema(),
    allowed=edit_refusal,
    heading="修改处罚决定备案",
    intro=INTRO,
    formid="penalty-filing",
    buttons=[("save", "保存修改")],
    values=filing_values,
    form_template=FORM_TEMPLATE,
    primary=False,
)
SUBMIT = Action("submit", "报送", act=submit, transition="submit")
RESUBMIT = Action("resubmit", "重新报送", act=submit, transition="resubmit", permission="submit")
RECORD = Action("record", "备案", act=record_filing, transition="record")
RETURN = Action(
    "return",
    "退回补正",
    act=lambda filing, request, data: return_for_correction(filing, request, data["reason"]),
    schema=ReturnSchema(),
    transition="return",
    heading="退回补正",
    intro=return_intro,
    formid="return-filing",
    primary=False,
)


def page_values(filing, request):
    days, limit = timeliness(filing, request)
    return {"department": unit_title(request, filing.department), "days": days, "limit": limit}


FILINGS = Flow(
    PenaltyFiling,
    slug="penalty-filing",
    formid="penalty-filing",
    listing="penalty-filings",
    nav_title="处罚决定备案",
    nav_order=20,
    schema=FilingSchema,
    create=create,
    create_button="保存草稿",
    created_message="已保存草稿。请核对内容，确认无误后点击“报送”。",
    heading="新建处罚决定备案",
    intro=INTRO,
    list_intro="乡镇（街道）报送的行政处罚决定书及其备案情况。乡镇（街道）看到本单位报送的，"
    "业务主管部门看到报送给本部门的。",
    actions=[EDIT, SUBMIT, RESUBMIT, RECORD, RETURN],
    item_template="portal.filings:templates/filing.pt",
    list_template="portal.filings:templates/listing.pt",
    form_template=FORM_TEMPLATE,
    page_values=page_values,
)
