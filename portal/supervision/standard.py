"""The 区司法局's page for the evaluation standard (``@@scoring-standard``): edit it, see its history.

The rules are a table of rows (what is counted, the rule's name, points per item, the cap), not a
deform sequence: deform adds and removes sequence items with inline scripts, which the portal's
Content-Security-Policy forbids. The rows are read from the form, validated by :func:`schema`
(colander, Chinese messages) and shown again as typed, each message beside its cell, when anything
is wrong. A page opened before someone else saved a newer version does not overwrite it: the person
sees the newer version named, their own rows kept, and saves again if they still mean it.
"""

import re
from decimal import Decimal

import colander
from pyramid.httpexceptions import HTTPFound
from substanced.util import get_oid

from ..items import Entry
from ..views import portal_view
from .figures import groups
from .scoring import (
    WARNING_RULES,
    Rule,
    current_standard,
    history,
    number,
    rule_keys,
    save_standard,
)

FORM_ID = "standard-form"
#: Empty rows under the rules, for new ones.
BLANK_ROWS = 3
#: The most rows one form may post (every measure a flow may register, and some).
ROWS_MAX = 200
NUMBER = re.compile(r"^[+-]?\d{1,4}(\.\d{1,2})?$")
FIELDS = ("key", "title", "points", "cap")
FORM_ERROR = "未保存：填写有误，请按红色提示修改后重新提交。已填写的内容均已保留。"


def decimal_of(text):
    return Decimal(text.replace("+", ""))


def points_valid(node, value):
    if not NUMBER.match(value):
        raise colander.Invalid(
            node, "每件分值应为数字，扣分填负数（如 -2），加分填正数（如 0.5），最多两位小数"
        )
    points = decimal_of(value)
    if points == 0:
        raise colander.Invalid(node, "每件分值不能为 0（不计分的项目请删除该规则）")
    if abs(points) > 100:
        raise colander.Invalid(node, "每件分值应在 -100 到 100 之间")


def cap_valid(node, value):
    if not NUMBER.match(value) or value.startswith("-"):
        raise colander.Invalid(node, "封顶分值应为正数（如 20），不封顶请留空")
    cap = decimal_of(value)
    if not 0 < cap <= 1000:
        raise colander.Invalid(node, "封顶分值应大于 0、不超过 1000，不封顶请留空")


def base_valid(node, value):
    if not NUMBER.match(value) or not 0 < decimal_of(value) <= 1000:
        raise colander.Invalid(node, "基础分应为大于 0、不超过 1000 的数字，例如 100")


def distinct_keys(node, rules):
    seen = set()
    for rule in rules:
        if rule["key"] in seen:
            raise colander.Invalid(node, "同一统计项只能设一条规则（请合并重复的行）")
        seen.add(rule["key"])


def schema(keys):
    """The colander schema of a posted standard; ``keys`` are what a rule may count."""

    class RuleSchema(colander.MappingSchema):
        key = colander.SchemaNode(
            colander.String(),
            validator=colander.OneOf(list(keys), msg_err="请从列表中选择统计项"),
            missing_msg="请选择统计项",
        )
        title = colander.SchemaNode(
            colander.String(),
            validator=colander.Length(1, 60, max_err="规则名称最多 60 个字"),
            missing_msg="请填写规则名称",
        )
        points = colander.SchemaNode(colander.String(), validator=points_valid, missing_msg="请填写每件分值")
        cap = colander.SchemaNode(colander.String(), validator=cap_valid, missing="")

    class RulesSchema(colander.SequenceSchema):
        rule = RuleSchema()

    class StandardSchema(colander.MappingSchema):
        base = colander.SchemaNode(colander.String(), validator=base_valid, missing_msg="请填写基础分")
        note = colander.SchemaNode(
            colander.String(),
            validator=colander.Length(1, 200, max_err="修改说明最多 200 个字"),
            missing_msg="请填写修改说明（为什么修改、依据什么）",
        )
        rules = RulesSchema(validator=distinct_keys)

    return StandardSchema()


def rows_of(standard):
    """The form's rows for a standard."""
    return [
        {
            "key": rule.key,
            "title": rule.title,
            "points": number(rule.points),
            "cap": number(rule.cap),
            "delete": False,
            "errors": {},
        }
        for rule in standard.rules
    ]


def blank_row():
    return {"key": "", "title": "", "points": "", "cap": "", "delete": False, "errors": {}}


def posted_rows(post):
    """The rows as the person typed them (at most :data:`ROWS_MAX`), each text cut to 100 characters."""
    count = (post.get("rows") or "").strip()
    count = min(int(count), ROWS_MAX) if count.isdigit() and len(count) < 5 else 0
    rows = []
    for n in range(count):
        row = {name: (post.get(f"{name}-{n}") or "").strip()[:100] for name in FIELDS}
        row["delete"] = bool(post.get(f"delete-{n}"))
        row["errors"] = {}
        rows.append(row)
    return rows


def read_form(post, keys):
    """``(data, rows, errors)``: the valid standard (or None), the rows as typed, page-level messages.

    A row left empty or marked 删除 is no rule; a row with a key and no name takes the key's name.
    """
    rows = posted_rows(post)
    kept = []
    for index, row in enumerate(rows):
        if row["delete"] or not any(row[name] for name in FIELDS):
            continue
        if row["key"] and not row["title"] and row["key"] in keys:
            row["title"] = keys[row["key"]]
        kept.append(index)
    fields = {
        "base": (post.get("base") or "").strip()[:20],
        "note": (post.get("note") or "").strip()[:300],
        "rules": [{name: rows[i][name] for name in FIELDS} for i in kept],
    }
    try:
        data = schema(keys).deserialize(fields)
    except colander.Invalid as invalid:
        messages = []
        for path, message in invalid.asdict().items():
            parts = path.split(".")
            if parts[0] == "rules" and len(parts) == 3:
                rows[kept[int(parts[1])]]["errors"][parts[2]] = message
            elif parts[0] in ("base", "note"):
                messages.append((parts[0], message))
            else:
                messages.append(("rules", message))
        return None, rows, dict(messages)
    if not data["rules"]:
        return None, rows, {"rules": "至少保留一条规则"}
    return data, rows, {}


class StandardView:
    """``@@scoring-standard``: the standard in force, the form to change it, every saved version."""

    def __init__(self, context, request):
        self.context = context
        self.request = request

    def page(self, rows=None, base=None, note="", errors=None, version=None, message=""):
        request = self.request
        standard = current_standard(self.context, request.registry)
        if rows is None:
            rows = rows_of(standard)
        used = {row["key"] for row in rows}
        keys = rule_keys(request.registry)
        return {
            "standard": standard,
            "rows": rows + [blank_row() for _ in range(BLANK_ROWS)],
            "base": number(standard.base) if base is None else base,
            "note": note,
            "errors": errors or {},
            "message": message,
            "version": standard.version if version is None else version,
            "choices": self.choices(),
            "keys": keys,
            "unused": [(key, title) for key, title in keys.items() if key not in used],
            "history": history(self.context),
            "number": number,
            "action": request.application_url + "/@@scoring-standard",
            "form_id": FORM_ID,
        }

    def choices(self):
        """``[(group, [(key, title)])]`` for the rows' lists: the measures by group, the warnings."""
        result = [
            (group, [(m.key, m.title) for m in members]) for group, members in groups(self.request.registry)
        ]
        result.append(("预警（按当前时刻）", list(WARNING_RULES.items())))
        return result

    @portal_view(
        context="substanced.interfaces.IRoot",
        name="scoring-standard",
        renderer="templates/standard.pt",
        permission="manage:supervision",
    )
    def show(self):
        posted = getattr(self.request, "stale_post", None)
        if posted is not None and posted.get("__formid__") == FORM_ID:
            _, rows, _ = read_form(posted, rule_keys(self.request.registry))
            return self.page(
                rows=[row for row in rows if not row["delete"] and any(row[name] for name in FIELDS)],
                base=(posted.get("base") or "")[:20],
                note=(posted.get("note") or "")[:300],
                version=self.posted_version(posted),
            )
        return self.page()

    def posted_version(self, post):
        version = (post.get("version") or "").strip()
        return int(version) if version.isdigit() and len(version) < 7 else -1

    @portal_view(
        context="substanced.interfaces.IRoot",
        name="scoring-standard",
        renderer="templates/standard.pt",
        permission="manage:supervision",
        request_method="POST",
        request_param="save_standard",
    )
    def save(self):
        request = self.request
        keys = rule_keys(request.registry)
        current = current_standard(self.context, request.registry)
        # Rules already in force keep their key even if its flow no longer registers it.
        keys.update({rule.key: rule.title for rule in current.rules if rule.key not in keys})
        data, rows, errors = read_form(request.POST, keys)
        shown = [row for row in rows if not row["delete"] and any(row[name] for name in FIELDS)]
        base = (request.POST.get("base") or "").strip()[:20]
        note = (request.POST.get("note") or "").strip()[:300]
        based_on = self.posted_version(request.POST)
        if data is None:
            request.response.status = 400
            return self.page(shown, base, note, errors, based_on, FORM_ERROR)
        if based_on != current.version:
            request.response.status = 409
            who = f"{current.name or current.login} 于 {current.at:%Y-%m-%d %H:%M} " if current.at else ""
            message = (
                f"未保存：评分标准已由{who}另行修改为{current.title}（下方“修改记录”可见）。"
                "您填写的内容保留如下，请核对后再次保存。"
            )
            return self.page(shown, base, note, {}, current.version, message)
        rules = [
            Rule(
                rule["key"],
                rule["title"],
                Decimal(rule["points"].replace("+", "")),
                Decimal(rule["cap"]) if rule["cap"] else None,
            )
            for rule in data["rules"]
        ]
        base_value = Decimal(data["base"].replace("+", ""))
        if current.version and current.base == base_value and current.rules == tuple(rules):
            request.session.flash("评分标准没有变化，未保存新版本")
            return HTTPFound(location=request.application_url + "/@@scoring-standard")
        from ..people import display_name

        name = display_name(request.user)
        saved = save_standard(self.context, base_value, rules, request.login, name, data["note"])
        self.audit(saved)
        request.session.flash(f"已保存为{saved.title}，即日起按此标准评分")
        return HTTPFound(location=request.application_url + "/@@scoring-standard")

    def audit(self, saved):
        """The change in the site's permanent audit trail, as the policy page records its rows."""
        from ..people import display_name

        request = self.request
        trail = getattr(self.context, "audit_trail", None)
        if trail is None:
            return
        tenant = self.context["tenants"].get(request.acting_unit or "")
        entry = Entry(
            "scoring_standard",
            f"修改考核评分标准（{saved.title}）",
            request.login,
            display_name(request.user),
            request.acting_unit or "",
            tenant.title if tenant is not None else "系统管理",
            comment=saved.note,
            details={"version": saved.version},
        )
        trail.append(get_oid(self.context, None), entry)
