"""Attachments: what may be uploaded, checked by content (not by name), stored as ZODB blobs.

A file must be one of the accepted kinds, its content must be what its name says (a program renamed
``.pdf`` is refused), and it must not exceed the size limit (setting ``portal.upload_max_mb``,
default 20). PDF text is extracted for search.
"""

import functools
import io
import zipfile

from ZODB.blob import Blob

from . import Attachment

DEFAULT_MAX_MB = 20

#: extension -> (Chinese name, MIME type, content check)
KINDS = {
    "pdf": ("PDF 文件", "application/pdf", lambda head, data: head.startswith(b"%PDF-")),
    "png": ("PNG 图片", "image/png", lambda head, data: head.startswith(b"\x89PNG\r\n\x1a\n")),
    "jpg": ("JPEG 图片", "image/jpeg", lambda head, data: head.startswith(b"\xff\xd8\xff")),
    "jpeg": ("JPEG 图片", "image/jpeg", lambda head, data: head.startswith(b"\xff\xd8\xff")),
    "doc": ("Word 文档", "application/msword", lambda head, data: head.startswith(b"\xd0\xcf\x11\xe0")),
    "xls": (
        "Excel 表格",
        "application/vnd.ms-excel",
        lambda head, data: head.startswith(b"\xd0\xcf\x11\xe0"),
    ),
    "docx": (
        "Word 文档",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        lambda head, data: _ooxml(data, "word/"),
    ),
    "xlsx": (
        "Excel 表格",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        lambda head, data: _ooxml(data, "xl/"),
    ),
}
ACCEPTED = (
    "、".join(sorted({name for name, _, _ in KINDS.values()}))
    + "（"
    + "、".join(f".{ext}" for ext in KINDS)
    + "）"
)


class UploadError(ValueError):
    """An upload refused; the message tells the person why, in Chinese."""


def _ooxml(data, folder):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return False
    return "[Content_Types].xml" in names and any(name.startswith(folder) for name in names)


def human_size(size):
    """A size as people read it: ``350 KB``, ``1.5 MB``."""
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1048576:.1f}".rstrip("0").rstrip(".") + " MB"


def max_bytes(settings):
    return int(float(settings.get("portal.upload_max_mb", DEFAULT_MAX_MB)) * 1024 * 1024)


def check_upload(filename, data, limit):
    """The MIME type of an acceptable upload; raises :class:`UploadError` otherwise."""
    name = (filename or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in KINDS:
        raise UploadError(f"“{name}”的文件类型不受支持。可上传：{ACCEPTED}")
    if len(data) > limit:
        raise UploadError(f"“{name}”大小为 {human_size(len(data))}，超过上限 {human_size(limit)}")
    if not data:
        raise UploadError(f"“{name}”是空文件")
    title, mimetype, looks_right = KINDS[extension]
    if not looks_right(data[:16], data):
        raise UploadError(f"“{name}”的内容不是{title}，与文件扩展名不符，已拒收")
    return mimetype


#: Files up to this size are read once: the same small file attached again is not parsed again.
REREAD_ABOVE = 64 * 1024


def pdf_text(data):
    """The text of a PDF, for search; empty when it has none (a scan) or cannot be read."""
    if len(data) <= REREAD_ABOVE:
        return _small_pdf_text(bytes(data))
    return _pdf_text(data)


@functools.lru_cache(maxsize=32)
def _small_pdf_text(data):
    return _pdf_text(data)


def _pdf_text(data):
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        return "\n".join((page.extract_text() or "") for page in reader.pages[:200])
    except Exception:  # a damaged PDF is still stored; it just is not searchable
        return ""


def make_attachment(filename, data, settings, kind="", uploaded_by=""):
    """A checked :class:`Attachment` holding ``data`` in a blob."""
    mimetype = check_upload(filename, data, max_bytes(settings))
    blob = Blob()
    with blob.open("w") as f:
        f.write(data)
    text = pdf_text(data) if mimetype == "application/pdf" else ""
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return Attachment(name, mimetype, len(data), blob, text=text, kind=kind, uploaded_by=uploaded_by)


def attach(item, attachment):
    """Add an attachment to an item under a fresh name; returns the name.

    An attachment is a part of its item, not content of its own: it is kept in the item's folder
    (found by traversal, its download decided by its item's relations) without an entry in
    Substance D's object map. An entry there (its path, its id, its place under every ancestor)
    would rewrite half a dozen shared buckets per upload for nothing the portal reads.
    """
    index = len(item.attachments()) + 1
    while f"file-{index}" in item:
        index += 1
    name = f"file-{index}"
    attachment.__parent__, attachment.__name__ = item, name
    item.data[name] = attachment
    item._num_objects.change(1)
    return name


def read_field_upload(field_value):
    """``(filename, bytes)`` from a deform FileUploadWidget value or a cgi FieldStorage."""
    if not field_value:
        return None
    fp = field_value.get("fp") if isinstance(field_value, dict) else getattr(field_value, "file", None)
    filename = field_value.get("filename") if isinstance(field_value, dict) else field_value.filename
    if fp is None:
        return None
    fp.seek(0)
    return filename, fp.read()
