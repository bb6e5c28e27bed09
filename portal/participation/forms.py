"""The forms of participation notices: the written notice, the urgent call, the township's answer,
the outcome and the withdrawal, each built from the flow kit's fields."""

import colander

from ..calendar import local_date
from ..flows import (
    choice_node,
    datetime_node,
    files_node,
    not_before,
    not_in_future,
    now_local,
    text_node,
    unit_node,
)
from ..views import CSRFSchema
from . import ATTENDEES_HINT, KINDS, NEEDS, PHONE_HINT, parse_attendees, phone_problem


def checked(node, check, missing_msg=None):
    """``node`` with one more validator (after its own length check), and its own missing message."""
    node.validator = colander.All(node.validator, check) if node.validator else check
    if missing_msg:
        node.missing_msg = missing_msg
    return node


def phone_check(node, value):
    problem = phone_problem(value)
    if problem:
        raise colander.Invalid(node, problem)


def attendees_check(node, value):
    try:
        parse_attendees(value)
    except ValueError as error:
        raise colander.Invalid(node, str(error)) from None


def from_item(name):
    """A default read from the bound item (the phone call's title and kind for its written notice)."""
    return colander.deferred(lambda node, kw: getattr(kw.get("item"), name, None) or colander.null)


@colander.deferred
def after_the_notice(node, kw):
    """The event starts no earlier than the notice goes out (now); a written notice following a
    phone call may come after the event began, which then starts no earlier than the day of the call."""
    item = kw.get("item")
    if item is not None and item.called_at is not None:
        return not_before(local_date(item.called_at), "电话通知的日期")
    return not_before(now_local(), "发出通知的时间")


class NoticeSchema(CSRFSchema):
    """The written notice (书面通知) a department sends one township."""

    title = text_node(
        "标题", 100, description="例如：关于参加冬季食品安全专项监督检查的通知", default=from_item("title")
    )
    township = unit_node("参与乡镇（街道）", kinds=("township",))
    kind = choice_node("事项类别", KINDS, default=from_item("kind"))
    starts_at = datetime_node(
        "开始时间",
        now_default=False,
        validator=after_the_notice,
        description="格式：年-月-日 时:分，例如 2026-12-10 09:00",
    )
    ends_at = datetime_node("结束时间", now_default=False, required=False, description="可不填")
    place = text_node("地点", 200, description="集合或办理地点")
    needs_people = text_node(
        "需派出的人员",
        500,
        required=False,
        textarea=True,
        description="人数、岗位或专业，例如：综合行政执法人员2名、熟悉辖区情况的网格员1名",
    )
    needs_materials = text_node(
        "需准备的材料",
        1000,
        required=False,
        textarea=True,
        description="例如：辖区经营主体名册、前期检查记录",
    )
    needs_cooperation = text_node(
        "需配合的事项",
        2000,
        required=False,
        textarea=True,
        description="例如：通知经营主体负责人到场、协助现场核查",
    )
    contact_person = text_node("联系人", 30, description="本单位联系人姓名")
    contact_phone = checked(text_node("联系电话", 30, description=PHONE_HINT), phone_check)
    files = files_node("书面通知及附件")

    def validator(self, node, value):
        error = colander.Invalid(node)
        ends_at = value.get("ends_at")
        if ends_at and ends_at <= value["starts_at"]:
            error["ends_at"] = "结束时间必须晚于开始时间"
        if not any(value.get(name) for name in NEEDS):
            error["needs_people"] = "请至少填写一项需要乡镇（街道）提供的人员、材料或配合事项"
        if error.children:
            raise error


def notice_schema():
    return NoticeSchema()


def written_schema():
    """The written notice that follows a phone call: the township is the one phoned."""
    schema = NoticeSchema()
    del schema["township"]
    return schema


@colander.deferred
def caller_default(node, kw):
    from ..people import display_name

    user = kw["request"].user
    return display_name(user) if user is not None else colander.null


class PhoneSchema(CSRFSchema):
    """The record of an urgent call (电话通知) made before the written notice."""

    title = text_node("事项", 100, description="例如：关于参加某工地扬尘污染专项检查的电话通知")
    township = unit_node("被通知的乡镇（街道）", kinds=("township",))
    kind = choice_node("事项类别", KINDS)
    called_at = datetime_node("通话时间", validator=not_in_future)
    caller = text_node("通知人", 50, description="本单位打电话的人（姓名、职务）", default=caller_default)
    callee = text_node("接听人", 50, description="乡镇（街道）接电话的人（姓名、职务）")
    phone_said = text_node(
        "通话内容", 2000, textarea=True, description="告知的事项、时间、地点，需要派出的人员和配合的事项"
    )


class ConfirmSchema(CSRFSchema):
    """Who of the township will attend."""

    attendees = checked(
        text_node("参加人员", 3000, textarea=True, description=ATTENDEES_HINT),
        attendees_check,
        missing_msg=f"请至少填写一名参加人员（{ATTENDEES_HINT}）",
    )
    note = text_node("备注", 1000, required=False, textarea=True, description="例如：携带执法记录仪")


class DeclineSchema(CSRFSchema):
    reason = text_node(
        "无法参加的原因", 1000, textarea=True, description="例如：同一时间辖区内有防汛任务，人员无法抽调"
    )


class CompleteSchema(CSRFSchema):
    outcome = text_node(
        "完成情况", 5000, textarea=True, description="检查、审批或确认的结果，乡镇（街道）参加和配合情况"
    )
    files = files_node("相关材料")


class CancelSchema(CSRFSchema):
    reason = text_node("撤销原因", 1000, textarea=True, description="例如：检查计划调整，活动取消")
