"""What every field of the portal's forms must satisfy, in one place.

* Text: no control characters (tab and line breaks only in multi-line texts), at most
  :data:`LINE_MAX` characters on one line and :data:`TEXT_MAX` in a multi-line text (a field may
  set a smaller ``max_length``). A NUL, a 2 MB "title" or a 2 MB 违法事实 is refused next to its
  field, in Chinese, with everything else typed kept.
* Dates: typed ``年-月-日``; never before :data:`EARLIEST` (a field may allow older dates with its
  own ``earliest``, a regulation from 1996) nor more than :data:`FUTURE_YEARS` years ahead.
  Whether a date may lie in the future, or before another date of the item, is the form's own
  check (:func:`not_in_future`, :func:`not_before`).
* Identification numbers: the 公民身份号码 (GB 11643) and the 统一社会信用代码 (GB 32100) with
  their check characters.

:class:`portal.views.forms.PortalForm` applies the text and date rules to every field of a form,
so a new field cannot forget them.
"""

import datetime
import re

import colander

from ..calendar import SHANGHAI
from ..items import now

#: Characters on one line (a title, a name, an address).
LINE_MAX = 200
#: Characters in a multi-line text (facts, evidence, a reason, a regulation's body).
TEXT_MAX = 20_000
#: No date a person types on the portal lies before this day (unless the field says otherwise).
EARLIEST = datetime.date(2000, 1, 1)
#: Nor more than this many years ahead (a deadline, a regulation's date of effect).
FUTURE_YEARS = 10

#: C0 controls but tab, LF and CR; DEL; C1 controls; lone surrogates; U+FFFE, U+FFFF.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = re.compile("[\t\n\r\u2028\u2029]")


def control_problem(text, multiline):
    """Why ``text`` cannot be stored as typed, or ``""``."""
    if _CONTROL.search(text) or (not multiline and _LINE_BREAKS.search(text)):
        if "\x00" in text:
            return "不能包含空字符（NUL）等控制字符，请删除后重新填写（可能是从其他文件复制时带入的）"
        return "不能包含控制字符（如从其他文件复制时带入的不可见字符），请删除后重新填写"
    return ""


class Text(colander.String):
    """A string as the portal stores it: no control characters and bounded in length."""

    def __init__(self, multiline=False, max_length=None, **kw):
        super().__init__(**kw)
        self.multiline = multiline
        self.max_length = max_length or (TEXT_MAX if multiline else LINE_MAX)

    def deserialize(self, node, cstruct):
        value = super().deserialize(node, cstruct)
        if value is colander.null:
            return value
        if len(value) > self.max_length:
            raise colander.Invalid(
                node, f"{node.title}最多 {self.max_length} 个字（现有 {len(value)} 个字），请删减后重新提交"
            )
        problem = control_problem(value, self.multiline)
        if problem:
            raise colander.Invalid(node, f"{node.title}{problem}")
        return value


def latest_date():
    today = now().date()
    return today.replace(year=today.year + FUTURE_YEARS, day=min(today.day, 28))


def date_range_problem(node, value, earliest=None):
    earliest = earliest or getattr(node, "earliest", None) or EARLIEST
    if value < earliest:
        return f"{node.title}不能早于 {earliest:%Y-%m-%d}，请核对年份"
    if value > latest_date():
        return f"{node.title}不能晚于 {latest_date():%Y-%m-%d}，请核对年份"
    return ""


class ChineseDate(colander.Date):
    """A date typed ``年-月-日``, refused in Chinese, within the portal's plausible years."""

    err_template = "请按“年-月-日”填写日期，例如 2026-03-05"

    def deserialize(self, node, cstruct):
        if isinstance(cstruct, str) and control_problem(cstruct, False):
            raise colander.Invalid(node, self.err_template)
        value = super().deserialize(node, cstruct)
        if value is not colander.null:
            problem = date_range_problem(node, value)
            if problem:
                raise colander.Invalid(node, problem)
        return value


class ChineseTime(colander.Time):
    err_template = "请按“时:分”填写时间，例如 09:30"


DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class LocalDateTime(colander.SchemaType):
    """A date and time typed as Shanghai wall-clock time (``2026-11-27T09:30`` or ``2026-11-27 09:30``),
    within the portal's plausible years."""

    def serialize(self, node, appstruct):
        if appstruct is colander.null or appstruct is None:
            return colander.null
        return appstruct.astimezone(SHANGHAI).strftime(DATETIME_FORMAT)

    def deserialize(self, node, cstruct):
        if cstruct is colander.null or not str(cstruct).strip():
            return colander.null
        text = str(cstruct).strip().replace(" ", "T")
        try:
            moment = datetime.datetime.strptime(text[:16], DATETIME_FORMAT)
        except ValueError:
            raise colander.Invalid(node, "请按“年-月-日 时:分”填写，例如 2026-11-27 09:30") from None
        problem = date_range_problem(node, moment.date())
        if problem:
            raise colander.Invalid(node, problem)
        return moment.replace(tzinfo=SHANGHAI)


def _day(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(SHANGHAI).date()
    return value


def not_in_future(node, value):
    """What already happened cannot have happened later than now (a minute's grace for clocks)."""
    if value is None or value is colander.null:
        return
    moment = now()
    if isinstance(value, datetime.datetime):
        if value > moment + datetime.timedelta(minutes=1):
            raise colander.Invalid(node, f"{node.title}不能晚于现在")
    elif value > moment.date():
        raise colander.Invalid(node, f"{node.title}不能晚于今天")


def not_before(moment, what, grace=None):
    """A validator: the value (a date or a moment) lies on or after ``moment``, "the ``what``"
    (or at most ``grace``, a timedelta, before it)."""
    if moment is not None and grace is not None:
        moment = moment - grace

    def validate(node, value):
        if value is None or value is colander.null or moment is None:
            return
        if isinstance(value, datetime.datetime) and isinstance(moment, datetime.datetime):
            too_early = value < moment.replace(second=0, microsecond=0)
            shown = moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        else:
            too_early = _day(value) < _day(moment)
            shown = f"{_day(moment):%Y-%m-%d}"
        if too_early:
            raise colander.Invalid(node, f"{node.title}不能早于{what}（{shown}）")

    return validate


# Identification numbers --------------------------------------------------------------------------

ID_CARD = re.compile(r"^\d{17}[\dX]$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"

#: GB 32100-2015: the 31 characters of a unified social credit code, each worth its position.
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: Registration department and kind, the six-digit region code, then the organisation's code.
USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def citizen_id_valid(text):
    """Whether ``text`` is an 18-character ID card number with a valid check digit (GB 11643)."""
    if not ID_CARD.match(text):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(text[:17], ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11] == text[17]


def looks_like_uscc(text):
    return bool(USCC.match(text))


def uscc_check_char(first17):
    total = sum(USCC_CHARS.index(char) * weight for char, weight in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def uscc_valid(text):
    """Whether ``text`` is a unified social credit code with a valid check character (GB 32100)."""
    return looks_like_uscc(text) and uscc_check_char(text[:17]) == text[17]
