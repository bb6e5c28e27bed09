"""What every deform form of the portal shares: Chinese rendering and per-request upload stores."""

import functools
from pathlib import Path

import colander
import deform
from pyramid.i18n import make_localizer

from . import fields

#: Corrected copies of deform 2.0.15 templates, found first: its checkbox and radio choices wrote
#: ``autofocus="False"`` on every choice but the first, and browsers focus (and scroll to) the last.
OUR_TEMPLATES = Path(__file__).parent / "deform_templates"

#: Said after any form error on a form with files: browsers never send a chosen file twice.
CHOOSE_AGAIN = "请重新选择文件（表单出错后，已选择的文件不会保留）"


@functools.cache
def chinese_renderer():
    """deform's templates translated with deform's and colander's own zh_Hans catalogues.

    Installed as deform's default renderer, so every form (the back office's too) says
    “提交的内容有误” whoever is asking, rather than depending on a person's locale setting.
    """
    localizer = make_localizer(
        "zh_Hans",
        [str(Path(deform.__file__).parent / "locale"), str(Path(colander.__file__).parent / "locale")],
    )
    return deform.template.ZPTRendererFactory(
        [str(OUR_TEMPLATES), str(Path(deform.__file__).parent / "templates")],
        translator=localizer.translate,
    )


class UploadStore(dict):
    """deform's temporary upload store for one request only: a file never outlives its request."""

    def preview_url(self, uid):
        return None


def includeme(config):
    deform.Form.set_default_renderer(chinese_renderer())


#: Above a form shown again because its page had gone stale (the session's CSRF token changed).
STALE_FORM = (
    "页面已过期（您可能在其他窗口重新登录或退出过），本次提交未保存。"
    "已填写的内容均已保留，请核对后重新提交；如选择了文件，请重新选择（浏览器不会保留已选择的文件）。"
)


def harden(schema):
    """Every text and date field of ``schema`` under the portal's rules (:mod:`.fields`).

    A text field becomes a :class:`~.fields.Text` (no control characters, bounded; ``max_length``
    on the node or its own ``colander.Length`` sets a smaller bound), and a multi-line text says its
    limit in its description. A date field refuses implausible years. (:class:`PortalForm` also
    gives the inputs the browser's ``maxlength``.)
    """
    for node in _walk(schema):
        typ = node.typ
        if type(typ) in (colander.String, fields.Text):
            multiline = isinstance(node.widget, deform.widget.TextAreaWidget)
            if type(typ) is colander.String:
                limit = getattr(node, "max_length", None) or _length_limit(node.validator)
                node.typ = typ = fields.Text(multiline, limit)
            if multiline and "最多" not in (node.description or ""):
                limit = f"最多 {typ.max_length} 字"
                node.description = f"{node.description}（{limit}）" if node.description else limit
        elif type(typ) is colander.Date:
            node.typ = fields.ChineseDate()
    return schema


def _length_limit(validator):
    """The ``max`` of a node's own ``colander.Length`` (also inside ``colander.All``), or None."""
    if isinstance(validator, colander.Length):
        return validator.max
    if isinstance(validator, colander.All):
        limits = [_length_limit(v) for v in validator.validators]
        limits = [limit for limit in limits if limit]
        return min(limits) if limits else None
    return None


def _walk(node):
    for child in node.children:
        yield child
        yield from _walk(child)


class PortalForm(deform.Form):
    """A deform form of the portal: Chinese templates, :func:`harden`-ed fields, and, after a stale
    page, the person's posted values shown again with a fresh CSRF token (see :mod:`.stale`)."""

    def __init__(self, schema, **kw):
        kw.setdefault("renderer", chinese_renderer())
        super().__init__(harden(schema), **kw)
        for field in _fields(self):
            # The browser stops typing at the limit too (the widget is this field's own or shared
            # by every form of the schema; the attributes are the same either way).
            widget = field.widget
            if isinstance(field.typ, fields.Text) and isinstance(widget, deform.widget.TextInputWidget):
                attributes = dict(getattr(widget, "attributes", None) or {})
                if attributes.get("type") not in ("date", "time", "datetime-local", "hidden"):
                    attributes.setdefault("maxlength", str(field.typ.max_length))
                    widget.attributes = attributes

    def render(self, appstruct=colander.null, **kw):
        request = self.schema.bindings.get("request") if self.schema.bindings else None
        posted = getattr(request, "stale_post", None) if request is not None else None
        if posted is None or posted.get("__formid__") != self.formid:
            return super().render(appstruct, **kw)
        try:
            self.validate(posted.items())
        except deform.ValidationFailure:
            pass
        for field in _fields(self):
            if isinstance(field.widget, deform.widget.FileUploadWidget):
                field.cstruct = colander.null
        if "csrf_token" in self:
            self["csrf_token"].cstruct = request.session.get_csrf_token()
        self.error = colander.Invalid(self.schema, STALE_FORM)
        return super().render(**kw)


def _fields(field):
    for child in field.children:
        yield child
        yield from _fields(child)
