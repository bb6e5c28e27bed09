"""Form fields every flow's forms are made of: texts, dates and times, choices, ticks, units of the
district and several attachments in one field.

Each builder returns a colander node with a Chinese title and Chinese messages (missing, too long,
not one of the choices), so a flow's schema reads as the paper form it stands for. A builder's other
keywords are the node's own settings and win over its defaults (a ``missing_msg`` of the flow's own,
a ``widget``, a ``default``). The rules every
field obeys (no control characters, bounded lengths, dates within range) are applied by
:class:`portal.views.forms.PortalForm` whatever the builder.

Uploaded files cannot survive a form shown again with errors (the browser does not send them back),
so the forms say so: everything typed is kept, the files must be chosen again.
"""

import html

import colander
import deform

from ..items import now
from ..items.uploads import ACCEPTED, KINDS, UploadError, check_upload, max_bytes
from ..views.fields import ChineseDate, ChineseTime, LocalDateTime, not_before, not_in_future

#: Under a file input of a form shown again with errors (``FilesWidget(choose_again=True)``).
CHOOSE_AGAIN_NOTE = "表单未能提交，浏览器不会保留已选的文件：如需上传附件，请重新选择文件。"

__all__ = [
    "ChineseDate",
    "LocalDateTime",
    "not_before",
    "not_in_future",
    "FilesWidget",
    "files_node",
    "date_node",
    "datetime_node",
    "datetime_widget",
    "time_node",
    "text_node",
    "choice_node",
    "flag_node",
    "unit_node",
    "units_node",
    "units_of_kind",
    "departments",
    "townships",
    "now_local",
    "strip",
]


class FilesWidget(deform.widget.Widget):
    """A file input taking several files; its value is a list of ``(filename, bytes)``.

    The files are read at once (no temporary store): a form shown again asks for them again.
    Options: ``input_name`` (the input's name, ``file``); ``multiple`` (false: one file, in the
    portal's file input that names the file chosen, as deform's upload widget does); ``accept``
    (what the browser's file picker offers: by default the kinds the portal accepts);
    ``choose_again`` (true: when the form comes back with errors, a line under the input says the
    files must be chosen again, for forms whose page does not say so already).
    """

    input_name = "file"
    multiple = True
    accept = ",".join(f".{extension}" for extension in KINDS)
    choose_again = False

    def serialize(self, field, cstruct, **kw):
        name, oid = html.escape(field.name), html.escape(field.oid)
        multiple = (
            ' multiple="multiple"'
            if self.multiple
            else ' data-portal-upload="true" data-selectfile="选择文件…" data-changefile="更换文件…"'
        )
        accept = f' accept="{html.escape(self.accept)}"' if self.accept else ""
        again = (
            f'<p class="help-block text-warning portal-choose-again">{CHOOSE_AGAIN_NOTE}</p>'
            if self.choose_again and field.get_root().error is not None
            else ""
        )
        return (
            f'<input type="hidden" name="__start__" value="{name}:sequence"/>'
            f'<input type="file" name="{html.escape(self.input_name)}" id="{oid}"{multiple}{accept}'
            ' class="form-control"/>'
            f'<input type="hidden" name="__end__" value="{name}:sequence"/>{again}'
        )

    def deserialize(self, field, pstruct):
        if pstruct is colander.null:
            return colander.null
        files = []
        for value in pstruct if isinstance(pstruct, list) else [pstruct]:
            filename = getattr(value, "filename", "")
            stream = getattr(value, "file", None)
            if filename and stream is not None:
                stream.seek(0)
                files.append((filename, stream.read()))
        return files or colander.null


@colander.deferred
def files_validator(node, kw):
    """Each file must be an accepted kind, its content as its name says, within the size limit."""
    limit = max_bytes(kw["request"].registry.settings)

    def validate(node, files):
        for filename, data in files:
            try:
                check_upload(filename, data, limit)
            except UploadError as error:
                raise colander.Invalid(node, f"{error}。请重新选择附件") from None

    return validate


def files_node(title="附件", description=None, **kw):
    """An optional field for several attachments.

    ``kw`` are the node's own settings, over the defaults: e.g. ``widget=FilesWidget(...)``,
    ``missing=colander.required`` with a ``missing_msg``, or a ``validator`` of the flow's own.
    """
    settings = {
        "widget": FilesWidget(),
        "validator": files_validator,
        "missing": (),
        "description": description or f"可一次选择多个文件。可上传：{ACCEPTED}",
        **kw,
    }
    return colander.SchemaNode(colander.List(), title=title, **settings)


def datetime_widget():
    return deform.widget.TextInputWidget(attributes={"type": "datetime-local"})


def now_local():
    """Now, as the default of a form's date-time field."""
    return now().replace(second=0, microsecond=0)


def date_node(title, **kw):
    """A date typed as ``2026-11-27`` (a date picker in browsers that have one)."""
    settings = {
        "widget": deform.widget.TextInputWidget(attributes={"type": "date"}),
        "missing_msg": f"请填写{title}",
        **kw,
    }
    return colander.SchemaNode(ChineseDate(), title=title, **settings)


def datetime_node(title, now_default=True, required=True, **kw):
    """A date and time typed in Shanghai wall-clock time; by default now."""
    if now_default:
        kw.setdefault("default", colander.deferred(lambda node, bindings: now_local()))
    if not required:
        kw.setdefault("missing", None)
    return colander.SchemaNode(
        LocalDateTime(), title=title, widget=datetime_widget(), missing_msg=f"请填写{title}", **kw
    )


def time_node(title, required=True, **kw):
    """A time of day typed as ``09:30`` (a time picker in browsers that have one); ``None`` when an
    optional one is left empty."""
    return colander.SchemaNode(
        ChineseTime(),
        title=title,
        widget=deform.widget.TextInputWidget(attributes={"type": "time"}),
        missing_msg=f"请填写{title}",
        **({} if required else {"missing": None}),
        **kw,
    )


def strip(value):
    """Surrounding blanks are not content: a field of spaces counts as empty."""
    return (value.strip() or colander.null) if isinstance(value, str) else value


def text_node(title, max_length, required=True, textarea=False, **kw):
    """A text field with a Chinese message when it is missing or too long.

    ``kw`` are the node's own settings, over the defaults (a ``missing_msg``, a ``preparer``...);
    a ``validator`` is checked after the length.
    """
    widget = deform.widget.TextAreaWidget(rows=5) if textarea else deform.widget.TextInputWidget()
    length = colander.Length(max=max_length, max_err=f"{title}最多 {max_length} 个字")
    validator = kw.pop("validator", None)
    if isinstance(validator, colander.deferred):
        check = validator
        validator = colander.deferred(lambda node, bindings: colander.All(length, check(node, bindings)))
    elif validator is not None:
        validator = colander.All(length, validator)
    settings = {
        "widget": widget,
        "preparer": strip,
        "validator": validator or length,
        "missing_msg": f"请填写{title}",
        **({} if required else {"missing": ""}),
        **kw,
    }
    return colander.SchemaNode(colander.String(), title=title, **settings)


def choice_node(title, choices, missing_msg=None, **kw):
    """One of ``choices`` (values, or ``(value, label)`` pairs) from a list.

    ``missing_msg``: what is said when nothing, or something not offered, is chosen (by default
    the title and every label, ``请选择来源渠道：来信、来电、…``).
    """
    pairs = [c if isinstance(c, tuple) else (c, c) for c in choices]
    message = missing_msg or f"请选择{title}：{'、'.join(label for _, label in pairs)}"
    settings = {
        "widget": deform.widget.SelectWidget(values=[("", "请选择"), *pairs]),
        "validator": colander.OneOf([value for value, _ in pairs], msg_err=message),
        "missing_msg": message,
        **kw,
    }
    return colander.SchemaNode(colander.String(), title=title, **settings)


def flag_node(title, description=""):
    """A tick box (false when not ticked)."""
    return colander.SchemaNode(
        colander.Boolean(),
        title=title,
        missing=False,
        widget=deform.widget.CheckboxWidget(),
        description=description,
    )


# Units of the district ---------------------------------------------------------------------------


def units_of_kind(request, *kinds, exclude=()):
    """``[(code, title)]`` of the site's units of those kinds (all when none given), in code order."""
    tenants = request.root["tenants"]
    return [
        (code, tenant.title)
        for code, tenant in sorted(tenants.items())
        if (not kinds or tenant.kind in kinds) and code not in exclude
    ]


def departments(request):
    """``[(code, title)]`` of the district's departments."""
    return units_of_kind(request, "department")


def townships(request):
    """``[(code, title)]`` of the district's townships and streets."""
    return units_of_kind(request, "township")


def _choices(kinds, others):
    """The units a person may choose: of ``kinds`` (or of the kinds ``kinds(request)`` gives), but
    never their own acting unit."""

    def choices(request):
        exclude = () if others is False else (request.acting_unit,)
        return units_of_kind(request, *(kinds(request) if callable(kinds) else kinds), exclude=exclude)

    return choices


def unit_node(title, kinds=(), others=True, missing_msg=None, **kw):
    """One unit of the district, of ``kinds`` (``"department"``, ``"township"``, ...; or a function
    of the request giving them, e.g. the other kind than the acting unit's).

    ``others``: the acting unit itself is not offered. ``missing_msg``: what is said when none is
    chosen (by default ``请选择<title>``).
    """
    choices = _choices(kinds, others)
    settings = {
        "widget": colander.deferred(
            lambda node, kw: deform.widget.SelectWidget(values=[("", "请选择"), *choices(kw["request"])])
        ),
        "validator": colander.deferred(
            lambda node, kw: colander.OneOf(
                [code for code, _ in choices(kw["request"])], msg_err=f"请从列表中选择{title}"
            )
        ),
        "missing_msg": missing_msg or f"请选择{title}",
        **kw,
    }
    return colander.SchemaNode(colander.String(), title=title, **settings)


def units_node(title, kinds=(), others=True, required=True, **kw):
    """Several units of the district, ticked; a tuple of codes."""
    choices = _choices(kinds, others)

    def validator(node, kw):
        codes = {code for code, _ in choices(kw["request"])}
        checks = [colander.Function(lambda chosen: set(chosen) <= codes, f"{title}只能从列表中选择")]
        if required:
            checks.insert(0, colander.Length(min=1, min_err=f"请至少选择一个{title}"))
        return colander.All(*checks)

    return colander.SchemaNode(
        colander.Set(),
        title=title,
        widget=colander.deferred(
            lambda node, kw: deform.widget.CheckboxChoiceWidget(values=choices(kw["request"]), inline=True)
        ),
        validator=colander.deferred(validator),
        missing_msg=f"请至少选择一个{title}",
        **({} if required else {"missing": ()}),
        **kw,
    )
