"""The library on the kit: the form that shares a document, the document's page, and the library
page (/library) with its filters by unit, category and year and its search.

Every count on the library page is a catalog query over what the acting unit may see
(:func:`portal.items.catalog.visible_items`): the list, the total and each facet's count, so a unit
outside a document's scope finds no trace of it.
"""

import functools
import operator
from urllib.parse import urlencode

import colander
from hypatia.query import Eq

from ..flows import FilesWidget, Flow, choice_node, files_node, listing_view, text_node, units_node
from ..items import now
from ..items.catalog import portal_catalog, text_query, visible_items
from ..views import CSRFSchema
from ..views.paging import text_param
from . import CATEGORIES, SCOPES, LibraryDocument, share_document, shared_message

ITEM_TYPE = LibraryDocument.item_type
#: The filters of the library page: request parameter -> catalog index.
FILTERS = {"unit": "owner", "category": "category", "year": "year"}


class ChineseYear(colander.Integer):
    """An integer year, refused in Chinese when it is not one."""

    def deserialize(self, node, cstruct):
        try:
            return super().deserialize(node, cstruct)
        except colander.Invalid:
            raise colander.Invalid(node, "请填写四位数的年份，例如 2024") from None


class DocumentSchema(CSRFSchema):
    """What a unit fills in to share a document."""

    title = text_node("标题", 200)
    category = choice_node("类别", CATEGORIES)
    year = colander.SchemaNode(
        ChineseYear(),
        title="年份",
        description="文件的年份（印发或形成的年份）",
        validator=colander.Range(1949, 2100, min_err="年份不能早于 1949 年", max_err="年份不能晚于 2100 年"),
        missing_msg="请填写年份",
        default=colander.deferred(lambda node, kw: now().year),
    )
    description = text_node(
        "说明",
        20_000,
        required=False,
        textarea=True,
        description="选填：内容摘要、适用范围等，便于其他单位检索",
    )
    scope = choice_node("共享范围", list(SCOPES.items()), default="all")
    units = units_node("可查阅的单位", required=False, description="共享范围为“指定单位”时勾选")
    files = files_node(
        "附件",
        widget=FilesWidget(input_name="upload", choose_again=True),
        missing=colander.required,
        missing_msg="请选择要上传的文件",
    )

    def validator(self, node, value):
        if value["scope"] == "chosen" and not value["units"]:
            error = colander.Invalid(node)
            error["units"] = "选择“指定单位”时，请至少勾选一个可查阅的单位"
            raise error


class LibraryPage:
    """``/library``: what the acting unit may read, filtered by unit, category and year, searched."""

    def __init__(self, request):
        self.request = request
        self.catalog = portal_catalog(request)
        self.filters = {name: text_param(request, name) for name in FILTERS}
        if not (self.filters["year"].isdigit() and len(self.filters["year"]) == 4):
            self.filters["year"] = ""
        self.words = text_param(request, "q", 100, "搜索词")

    def query(self, without=None, **extra):
        """The filters and the search as one catalog query (``without`` leaves one filter out)."""
        filters = {k: v for k, v in self.filters.items() if k != without}
        filters.update(extra)
        clauses = [
            Eq(self.catalog[FILTERS[name]], int(value) if name == "year" else value)
            for name, value in filters.items()
            if value != ""
        ]
        if self.words:
            words = text_query(self.catalog, self.words)
            if words is not None:
                clauses.append(words)
        return functools.reduce(operator.and_, clauses) if clauses else None

    def count(self, query):
        return visible_items(self.request, query, types=[ITEM_TYPE], sort_index=None)[0]

    def facet(self, name, values):
        """``[(value, title, count, url, selected)]`` of one filter, counted with the others applied."""
        rows = []
        for value, title in values:
            count = self.count(self.query(without=name, **{name: value}))
            selected = str(value) == self.filters[name]
            if count or selected:
                rows.append((value, title, count, self.url(**{name: value}), selected))
        return rows

    def url(self, **changes):
        params = {**self.filters, "q": self.words, **changes}
        query = {key: value for key, value in params.items() if value not in ("", None)}
        return self.request.application_url + "/library" + ("?" + urlencode(query) if query else "")

    def values(self):
        tenants = self.request.root["tenants"]
        years = sorted((y for y in self.catalog["year"].unique_values() if isinstance(y, int)), reverse=True)
        units = sorted(tenants.values(), key=lambda t: (t.kind, t.code))
        return {
            **listing_view(self.request, ITEM_TYPE, self.query()),
            "filters": self.filters,
            "words": self.words,
            "categories": self.facet("category", [(c, c) for c in CATEGORIES]),
            "years": self.facet("year", [(str(y), f"{y} 年") for y in years]),
            "units": self.facet("unit", [(t.code, t.title) for t in units]),
            "clear_url": self.url(unit="", category="", year="", q=""),
            "page_url": lambda number: self.url(page=number),
        }


def document_values(document, request):
    """Its scope, for its own unit; the regulation it came from, for those who may see that."""
    regulation = document.regulation
    return {
        "scope": document.scope_text(request) if document.owner == request.acting_unit else None,
        "regulation_url": request.resource_url(regulation)
        if regulation is not None and request.permits(regulation, "view")
        else None,
    }


LIBRARY = Flow(
    LibraryDocument,
    slug="library-document",
    new_name="share-document",
    formid="document-form",
    listing="library",
    nav_title="共享资料库",
    nav_order=30,
    schema=DocumentSchema,
    create=share_document,
    save_button=("share", "上传"),
    created_message=shared_message,
    heading="上传共享资料",
    intro=(
        "以本单位的名义把文件存入共享资料库。共享范围决定谁能看到：“仅本单位”只有本单位人员可查阅；"
        "“指定单位”另加勾选的单位；“全部单位”平台上所有单位均可查阅。"
        "不在共享范围内的单位在资料库的列表、统计和搜索中都看不到该文件。"
    ),
    listing_values=lambda request: LibraryPage(request).values(),
    item_template="portal.library:templates/document.pt",
    list_template="portal.library:templates/library.pt",
    page_values=document_values,
)
