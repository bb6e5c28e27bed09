"""The shared library (共享资料库): documents units share with one another, found by browsing and search.

A unit uploads a document with a scope: its own unit only, chosen units, or every unit. The scope is
recorded as relations (``reader:<code>`` for each chosen unit, ``reader:*`` for every unit), so the
same Casbin decision that guards the document's page and downloads also makes the catalog listings,
facet counts and search of the library page (:mod:`portal.items.catalog`).

Published regulations (:mod:`portal.regulations`) join the library as library documents of their
own, shared with every unit; see :func:`portal.regulations.share_in_library` for why.

The pages (the form, the document, the library page with its filters and search) are declared in
:mod:`.flow`.
"""

from substanced.content import content

from ..flows import FlowItem, attach_files, unit_title
from ..items import EVERYONE, Workflow, record

OTHER = "其他"
#: What the library holds: the kinds of 法规文件 of (三)1, and anything else.
CATEGORIES = (
    "法律",
    "法规",
    "规章",
    "司法解释",
    "执法解释",
    "行政规范性文件",
    "上级行政规范性文件",
    "执法动态信息",
    "管理信息",
    OTHER,
)

#: Who may read a document beside its own unit.
SCOPES = {
    "own": "仅本单位",
    "chosen": "指定单位",
    "all": "全部单位",
}

#: A shared document has one state: it is in the library from the moment it is uploaded.
WORKFLOW = Workflow(initial="shared", states={"shared": "已共享"}, transitions=[], final=["shared"])


@content("Library Document", icon="glyphicon glyphicon-book")
class LibraryDocument(FlowItem):
    """A document in the shared library: title, category, year, description and files."""

    item_type = "library_document"
    type_title = "共享资料"
    workflow = WORKFLOW
    searchable_fields = ("title", "number", "issuing_number", "issuing_organ", "category", "description")

    category = OTHER
    year = None
    description = ""
    scope = "own"
    #: Set on documents that came from a published regulation.
    issuing_number = ""
    issuing_organ = ""
    regulation = None

    @property
    def document_year(self):
        """The year the library is browsed by (the catalog's ``year`` index)."""
        return self.year

    def share(self, scope, units=()):
        """Give the document its readers: nobody else, the ``units`` chosen, or every unit."""
        for unit in self.units_in("reader"):
            self.unrelate("reader", unit)
        self.scope = scope
        if scope == "all":
            self.relate("reader", EVERYONE)
        elif scope == "chosen":
            for unit in units:
                if unit != self.owner:
                    self.relate("reader", unit)

    def readers(self):
        """The unit codes chosen as readers (empty for "own" and "all")."""
        return tuple(unit for unit in self.units_in("reader") if unit != EVERYONE)

    def scope_text(self, request):
        """Who may read the document, in words."""
        if self.scope != "chosen":
            return SCOPES[self.scope]
        return "指定单位：" + "、".join(unit_title(request, unit) for unit in self.readers())


def free_name(folder, prefix):
    """The first ``<prefix>-<n>`` not yet used in ``folder``."""
    index = sum(1 for name in folder if name.startswith(prefix + "-")) + 1
    while f"{prefix}-{index}" in folder:
        index += 1
    return f"{prefix}-{index}"


def share_document(tenant, request, data):
    """A unit's document from the form, in the library with the scope chosen."""
    document = LibraryDocument(
        tenant.code,
        data["title"],
        request.login,
        category=data["category"],
        year=data["year"],
        description=data["description"],
    )
    document.share(data["scope"], sorted(data["units"]))
    tenant.add(free_name(tenant, "lib"), document)
    attach_files(document, data["files"], request, "附件")
    record(document, request, "share", "上传共享", SCOPES[data["scope"]])
    return document


def shared_message(document, request):
    return f"已上传到共享资料库（共享范围：{SCOPES[document.scope]}）"


def includeme(config):
    from .flow import LIBRARY

    config.scan(".")
    LIBRARY.include(config)
