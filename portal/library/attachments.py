"""The attachments field of the library's and the regulations' forms: several files in one input.

The files are checked while the form is validated (kind, content, size; see
:mod:`portal.items.uploads`), so a refused file is reported on the field itself, in Chinese, like
any other mistake. A browser cannot be told to keep a chosen file when the form comes back with an
error, so the field says the files have to be chosen again.
"""

import colander
from deform.widget import Widget

from ..items.uploads import ACCEPTED, KINDS, UploadError, attach, check_upload, make_attachment, max_bytes

ACCEPT = ",".join(f".{extension}" for extension in KINDS)
CHOOSE_AGAIN = "请重新选择要上传的文件"


class UploadsWidget(Widget):
    """``<input type="file" multiple>`` inside a peppercorn sequence: one entry per chosen file."""

    template = "portal.library:templates/uploads_widget.pt"
    readonly_template = template
    accept = ACCEPT

    def serialize(self, field, cstruct, **kw):
        values = self.get_template_values(field, cstruct, kw)
        values["resubmitted"] = field.get_root().error is not None
        return field.renderer(self.template, **values)

    def deserialize(self, field, pstruct):
        """The chosen files as ``[{"filename", "fp"}]``; an empty file input sends nothing useful."""
        if pstruct is colander.null:
            return colander.null
        files = [
            {"filename": upload.filename, "fp": upload.file}
            for upload in pstruct
            if getattr(upload, "filename", "") and hasattr(upload, "file")
        ]
        return files or colander.null


class Uploads(colander.SchemaType):
    """The files of an :class:`UploadsWidget`, read and checked: ``[(filename, bytes)]``.

    The size limit is the site's (``portal.upload_max_mb``), from the request the schema is bound to.
    """

    def serialize(self, node, appstruct):
        return colander.null

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return colander.null
        limit = max_bytes(node.bindings["request"].registry.settings)
        files = []
        for upload in cstruct:
            upload["fp"].seek(0)
            data = upload["fp"].read()
            try:
                check_upload(upload["filename"], data, limit)
            except UploadError as error:
                raise colander.Invalid(node, f"{error}。{CHOOSE_AGAIN}") from None
            files.append((upload["filename"], data))
        return files


def uploads_node(title="附件"):
    """The schema node for a form's attachments (optional, any number of files)."""
    return colander.SchemaNode(
        Uploads(),
        title=title,
        description=f"可一次选择多个文件。可上传：{ACCEPTED}",
        widget=UploadsWidget(),
        missing=(),
    )


def attach_uploads(item, files, request, kind="附件"):
    """Store the checked files of a form as the item's attachments."""
    for filename, data in files:
        attachment = make_attachment(
            filename, data, request.registry.settings, kind=kind, uploaded_by=request.login
        )
        attach(item, attachment)
