"""Pages of the shared library: browse and search (/library), share a document, a document's page.

Every count on the library page is a catalog query over what the acting unit may see
(:func:`portal.items.catalog.visible_items`): the list, the total and each facet's count, so a unit
outside a document's scope finds no trace of it.
"""

from urllib.parse import urlencode

import colander
import deform
from hypatia.query import Eq
from pyramid.httpexceptions import HTTPFound
from pyramid.renderers import get_renderer

from ..items import now, record
from ..items.catalog import portal_catalog, text_query, visible_items
from ..tenants import Tenant
from ..views import CSRFSchema, portal_view
from ..views.forms import PortalForm
from . import CATEGORIES, SCOPES, LibraryDocument, free_name
from .attachments import attach_uploads, uploads_node
from ..views.paging import Page, page_number, text_param

TYPES = ("library_document",)
#: The filters of the library page: request parameter -> catalog index.
FILTERS = {"unit": "owner", "category": "category", "year": "year"}


class ChineseYear(colander.Integer):
    """An integer year, refused in Chinese when it is not one."""

    def deserialize(self, node, cstruct):
        try:
            return super().deserialize(node, cstruct)
        except colander.Invalid:
            raise colander.Invalid(node, "请填写四位数的年份，例如 2024") from None


def other_units(node, kw):
    tenant = kw["tenant"]
    units = sorted(kw["request"].root["tenants"].values(), key=lambda t: (t.kind, t.code))
    return deform.widget.CheckboxChoiceWidget(
        values=[(t.code, t.title) for t in units if t.code != tenant.code], inline=True
    )


def chosen_units_given(node, value):
    if value["scope"] == "chosen" and not value["units"]:
        error = colander.Invalid(node)
        error["units"] = "选择“指定单位”时，请至少勾选一个可查阅的单位"
        raise error


class DocumentSchema(CSRFSchema):
    """What a unit fills in to share a document."""

    title = colander.SchemaNode(
        colander.String(),
        title="标题",
        validator=colander.Length(max=200, max_err="标题最多 200 个字"),
        missing_msg="请填写标题",
    )
    category = colander.SchemaNode(
        colander.String(),
        title="类别",
        widget=deform.widget.SelectWidget(values=[("", "请选择"), *((c, c) for c in CATEGORIES)]),
        validator=colander.OneOf(CATEGORIES, msg_err="请选择类别"),
        missing_msg="请选择类别",
    )
    year = colander.SchemaNode(
        ChineseYear(),
        title="年份",
        description="文件的年份（印发或形成的年份）",
        validator=colander.Range(1949, 2100, min_err="年份不能早于 1949 年", max_err="年份不能晚于 2100 年"),
        missing_msg="请填写年份",
        default=colander.deferred(lambda node, kw: now().year),
    )
    description = colander.SchemaNode(
        colander.String(),
        title="说明",
        description="选填：内容摘要、适用范围等，便于其他单位检索",
        widget=deform.widget.TextAreaWidget(rows=4),
        missing="",
    )
    scope = colander.SchemaNode(
        colander.String(),
        title="共享范围",
        widget=deform.widget.SelectWidget(values=list(SCOPES.items())),
        validator=colander.OneOf(list(SCOPES), msg_err="请选择共享范围"),
        default="all",
    )
    units = colander.SchemaNode(
        colander.Set(),
        title="可查阅的单位",
        description="共享范围为“指定单位”时勾选",
        widget=colander.deferred(other_units),
        validator=colander.deferred(
            lambda node, kw: colander.Function(
                lambda units: set(units) <= set(kw["request"].root["tenants"]), "请从列出的单位中勾选"
            )
        ),
        missing=(),
    )
    uploads = uploads_node()


def document_form(request, tenant):
    schema = DocumentSchema(validator=chosen_units_given).bind(request=request, tenant=tenant)
    schema["uploads"].missing = colander.required
    schema["uploads"].missing_msg = "请选择要上传的文件"
    return PortalForm(schema, buttons=(deform.Button("share", "上传"),), formid="document-form")


@portal_view(
    context=Tenant,
    name="share-document",
    renderer="templates/upload.pt",
    permission="create:library_document",
)
def share_document(context, request):
    """Upload a document to the library in the acting unit's name."""
    form = document_form(request, context)
    if request.method != "POST":
        return {"tenant": context, "form": form.render()}
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return {"tenant": context, "form": failure.render()}
    document = LibraryDocument(
        context.code,
        data["title"].strip(),
        request.login,
        category=data["category"],
        year=data["year"],
        description=data["description"],
    )
    document.share(data["scope"], sorted(data["units"]))
    context.add(free_name(context, "lib"), document)
    attach_uploads(document, data["uploads"], request)
    record(document, request, "share", "上传共享", SCOPES[data["scope"]])
    request.session.flash(f"已上传到共享资料库（共享范围：{SCOPES[data['scope']]}）")
    return HTTPFound(location=request.resource_url(document))


def scope_text(document, request):
    """Who may read a document, in words, for its own unit."""
    if document.scope != "chosen":
        return SCOPES[document.scope]
    tenants = request.root["tenants"]
    return "指定单位：" + "、".join(tenants[u].title for u in document.readers() if u in tenants)


@portal_view(context=LibraryDocument, renderer="templates/document.pt", permission="view")
def document_page(context, request):
    tenants = request.root["tenants"]
    regulation = context.regulation
    return {
        "item": context,
        "owner_title": tenants[context.owner].title if context.owner in tenants else context.owner,
        "scope": scope_text(context, request) if context.owner == request.acting_unit else None,
        "regulation_url": request.resource_url(regulation)
        if regulation is not None and request.permits(regulation, "view")
        else None,
        "items_macros": get_renderer("portal:items/templates/history.pt").implementation().macros,
    }


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
        if not clauses:
            return None
        query = clauses[0]
        for clause in clauses[1:]:
            query = query & clause
        return query

    def count(self, query):
        return visible_items(self.request, query, types=TYPES, sort_index=None)[0]

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

    def render(self):
        request = self.request
        tenants = request.root["tenants"]
        count, result = visible_items(request, self.query(), types=TYPES, sort_index="created")
        years = sorted((y for y in self.catalog["year"].unique_values() if isinstance(y, int)), reverse=True)
        units = sorted(tenants.values(), key=lambda t: (t.kind, t.code))
        acting = tenants.get(request.acting_unit)
        return {
            "page": Page(count, result, page_number(request)),
            "tenants": tenants,
            "filters": self.filters,
            "words": self.words,
            "categories": self.facet("category", [(c, c) for c in CATEGORIES]),
            "years": self.facet("year", [(str(y), f"{y} 年") for y in years]),
            "units": self.facet("unit", [(t.code, t.title) for t in units]),
            "clear_url": self.url(unit="", category="", year="", q=""),
            "page_url": lambda number: self.url(page=number),
            "share_url": request.resource_url(acting, "@@share-document")
            if acting is not None and request.permits(acting, "create:library_document")
            else None,
        }


@portal_view(
    context="substanced.interfaces.IRoot", name="library", renderer="templates/library.pt", permission="view"
)
def library(context, request):
    return LibraryPage(request).render()
