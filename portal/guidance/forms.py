"""The forms of guidance and training: the activity a department records (or arranges in answer to
a township's request), what it records when the activity was held, moved or cancelled, and the
township's request for guidance."""

import datetime

import colander

from ..calendar import SHANGHAI
from ..flows import (
    choice_node,
    date_node,
    datetime_node,
    files_node,
    not_before,
    not_in_future,
    now_local,
    text_node,
    unit_node,
    units_node,
)
from ..views import CSRFSchema

#: What a department does to guide townships' officers, (三)3: trainings and coaching...
TRAININGS = ("集中培训", "上门辅导", "座谈", "咨询")
#: ... and the enforcement work it invites them into, (四)1.
FIELD_WORK = ("现场检查", "调查取证", "应急处置", "案卷制作")
KINDS = TRAININGS + FIELD_WORK
#: How each kind reads in a list or a sentence.
KIND_LABELS = {**{kind: kind for kind in TRAININGS}, **{kind: f"邀请参加{kind}" for kind in FIELD_WORK}}
#: A township asking for guidance may leave the form to the department.
ANY_KIND = "不限"
REQUEST_KINDS = (*KINDS, ANY_KIND)
#: When an activity arranged for a request starts, unless the department says otherwise.
DEFAULT_START = datetime.time(9, 0)


def kind_label(kind):
    return "由部门确定" if kind == ANY_KIND else KIND_LABELS.get(kind, kind)


def answering(kw):
    """The township's request an activity form answers (it is bound as the form's item), or None."""
    item = kw.get("item")
    return item if getattr(item, "item_type", None) == "guidance_request" else None


def _from_request(value):
    """A form default taken from the request being answered (``value(request_item)``)."""

    def default(node, kw):
        item = answering(kw)
        return colander.null if item is None else value(item)

    return colander.deferred(default)


def _preferred_start(item):
    return datetime.datetime.combine(item.preferred_from, DEFAULT_START, tzinfo=SHANGHAI)


class ActivitySchema(CSRFSchema):
    """A guidance activity: what, when, where, who takes part, and its materials."""

    title = text_node(
        "主题",
        100,
        description="例如：食品安全抽样检查业务培训",
        default=_from_request(lambda item: item.title),
    )
    kind = choice_node(
        "形式",
        [(kind, KIND_LABELS[kind]) for kind in KINDS],
        default=_from_request(lambda item: item.preferred_kind if item.preferred_kind in KINDS else ""),
    )
    starts_at = datetime_node(
        "时间",
        now_default=False,
        description="开始的日期和时间。已经举办过的活动也可以补录：填写实际日期，登记后再登记举办情况",
        default=_from_request(_preferred_start),
    )
    place = text_node("地点", 100, required=False)
    participants = units_node(
        "参加单位", kinds=("township",), default=_from_request(lambda item: {item.owner})
    )
    people = text_node(
        "参加人员",
        2000,
        required=False,
        textarea=True,
        description="授课、带队的部门人员和邀请的乡镇（街道）执法人员，用顿号分隔或每行一个单位",
    )
    outline = text_node(
        "内容", 5000, required=False, textarea=True, description="培训、辅导或执法活动的主要内容"
    )
    files = files_node("材料", description="通知、课件等（举办后可再上传签到表、照片），可一次选择多个文件")

    def validator(self, node, value):
        item = answering(self.bindings)
        if item is None:
            return
        error = colander.Invalid(node)
        if item.owner not in value["participants"]:
            error["participants"] = f"这是答复{item.owner_title}申请的活动，参加单位须包括{item.owner_title}"
        if value["starts_at"].astimezone(SHANGHAI).date() < item.created.astimezone(SHANGHAI).date():
            error["starts_at"] = f"时间不能早于申请提出的日期（{item.created.astimezone(SHANGHAI):%Y-%m-%d}）"
        if error.children:
            raise error


@colander.deferred
def _held_default(node, kw):
    """The planned time if it has come, else now."""
    planned = kw["item"].starts_at
    moment = now_local()
    return planned if planned is not None and planned <= moment else moment


class HoldSchema(CSRFSchema):
    held_at = datetime_node("实际举办时间", now_default=False, default=_held_default, validator=not_in_future)
    attendance = text_node(
        "实到人员", 2000, textarea=True, description="按签到表填写，例如：鱼山镇 张三、李四；吕蒙街道 王五"
    )
    summary = text_node(
        "举办情况", 5000, required=False, textarea=True, description="讲授或带教的内容、解答的问题等"
    )
    files = files_node("签到表、课件、照片")


class RescheduleSchema(CSRFSchema):
    starts_at = datetime_node(
        "新的时间", now_default=False, default=colander.deferred(lambda node, kw: kw["item"].starts_at)
    )
    place = text_node(
        "地点", 100, required=False, default=colander.deferred(lambda node, kw: kw["item"].place)
    )
    reason = text_node("调整理由", 1000, textarea=True)

    def validator(self, node, value):
        item = self.bindings["item"]
        if value["starts_at"] == item.starts_at and value["place"] == item.place:
            error = colander.Invalid(node)
            error["starts_at"] = "时间和地点都与原定的相同，请填写新的时间或地点"
            raise error


class MaterialsSchema(CSRFSchema):
    files = files_node("补充材料", description="签到表、课件、照片等，可一次选择多个文件")
    note = text_node("说明", 200, required=False)

    def validator(self, node, value):
        if not value["files"]:
            error = colander.Invalid(node)
            error["files"] = "请选择要补充的材料文件"
            raise error


class CancelSchema(CSRFSchema):
    reason = text_node("取消理由", 1000, textarea=True)


@colander.deferred
def _not_before_today(node, kw):
    return not_before(now_local().date(), "今天")


class RequestSchema(CSRFSchema):
    """What a township asks of a department."""

    title = text_node("主题", 100, description="例如：关于食品经营许可现场核查的业务指导")
    department = unit_node("被申请部门", kinds=("department",))
    needs = text_node(
        "需要指导的内容",
        5000,
        textarea=True,
        description="遇到的问题、希望掌握的法律法规、业务或执法设备使用技能，拟参加的人员等",
    )
    preferred_kind = choice_node("希望的形式", [(kind, kind_label(kind)) for kind in REQUEST_KINDS])
    preferred_from = date_node("希望最早日期", validator=_not_before_today)
    preferred_to = date_node("希望最晚日期", missing=None, description="可不填")
    files = files_node("相关材料")

    def validator(self, node, value):
        if value["preferred_to"] is not None and value["preferred_to"] < value["preferred_from"]:
            error = colander.Invalid(node)
            error["preferred_to"] = "希望最晚日期不能早于希望最早日期"
            raise error


class WithdrawSchema(CSRFSchema):
    reason = text_node("撤回理由", 1000, textarea=True)
