"""The flow kit: what every collaboration flow of the portal is made of.

A flow is its content type (a :class:`FlowItem` with a :class:`~portal.items.Workflow`), the schema
of the form that creates it, the :class:`Action` objects of its item page, its policy rows
(``policies/<flow>.csv``) and, where the kit's pages are not enough, its own templates. Everything
else comes from here, declared once by a :class:`Flow`:

* the creation form on the unit (``@@new-<slug>``), numbered from the unit's document code and the
  flow's word (``昌鱼山镇隐〔2026〕3号``), saved as a draft or sent at once;
* the draft's edit form, when the workflow has a draft state;
* the item page: its number, state and clock, its fields, the actions the person may take now, its
  attachments and its history;
* one view per action: a button (POST) or a form (GET shows it, POST validates it); a refusal
  (wrong state, not allowed now) goes back to the item page with its reason, and the Casbin
  permission of each view is the action's own;
* the listing (``@@<listing>``), newest first and paged, with the same Casbin decision as every page;
* the navigation link and the item type the catalog, search, to-do and deadline panels know.

Notifications come from the item (``item.notices(entry, request)``, see :mod:`portal.notifications`)
and deadlines from its clock (``item.set_due``, see :mod:`portal.deadlines`): a flow that sets them
gets reminders, overdue marks and the home page's panels without code of its own.
"""

import itertools

import colander
import deform
from pyramid.httpexceptions import HTTPFound
from substanced.interfaces import IRoot

from ..items import Item, WorkflowError, now, record
from ..items.numbering import next_number, parse_number
from ..items.uploads import attach, make_attachment
from ..tenants import Tenant
from ..views.forms import PortalForm
from .fields import (  # noqa: F401 (the kit's fields, for the flows)
    FilesWidget,
    ChineseDate,
    LocalDateTime,
    choice_node,
    date_node,
    datetime_node,
    datetime_widget,
    departments,
    files_node,
    flag_node,
    not_before,
    not_in_future,
    now_local,
    strip,
    text_node,
    time_node,
    townships,
    unit_node,
    units_node,
    units_of_kind,
)
from .pages import (  # noqa: F401 (the kit's page parts, for the flows)
    FORM_ERROR,
    PAGE_SIZE,
    WorkflowViews,
    item_macros,
    kit_macros,
    listing_page,
    listing_view,
    unit_nav_link,
    unit_title,
)

FORM_TEMPLATE = "portal.flows:templates/form.pt"
ITEM_TEMPLATE = "portal.flows:templates/item.pt"
LIST_TEMPLATE = "portal.flows:templates/list.pt"


def attach_files(item, files, request, kind):
    """Store each uploaded ``(filename, bytes)`` as an attachment of ``item``; returns the names."""
    settings = request.registry.settings
    return [
        attach(item, make_attachment(name, data, settings, kind=kind, uploaded_by=request.login))
        for name, data in files
    ]


def page_counter(request):
    """One field counter for every form of a page, so that the fields of its forms have distinct ids."""
    counter = getattr(request, "portal_form_counter", None)
    if counter is None:
        counter = request.portal_form_counter = itertools.count(100)
    return counter


def free_name(folder, prefix):
    """A name ``<prefix>-<n>`` not taken yet in ``folder``."""
    number = len(folder) + 1
    while f"{prefix}-{number}" in folder:
        number += 1
    return f"{prefix}-{number}"


def fmt(moment, with_time=True):
    """A date or date-time as the portal writes it everywhere (``2026-12-07`` / ``2026-12-07 09:30``)."""
    if moment is None:
        return ""
    if with_time and hasattr(moment, "hour"):
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.strftime("%Y-%m-%d")


def span(delta):
    """A duration as people say it: ``35分钟``, ``1小时5分钟``, ``3天2小时``."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    hours, minutes = divmod(minutes, 60)
    if hours >= 48:
        days, hours = divmod(hours, 24)
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if not hours:
        return f"{minutes}分钟"
    return f"{hours}小时{minutes}分钟" if minutes else f"{hours}小时"


def actor(request):
    """``{login, name}`` of the person acting, as a flow records it beside what they did."""
    from ..people import display_name

    return {"login": request.login, "name": display_name(request.user) if request.user else request.login}


def close_by_owner(item, request, data, who, files_kind):
    """The item's own unit closes it with a note (``data["note"]``) and files; every clock stops.

    ``who``: the owner as the refusal names it (``通报单位``). The workflow's ``close`` transition
    is checked first."""
    item.workflow.check(item, request, "close")
    if request.acting_unit != item.owner:
        raise WorkflowError(f"只有{who}可以办结")
    item.closed_at = now()
    item.close_note = data["note"]
    attach_files(item, data.get("files", ()), request, files_kind)
    item.workflow.fire(
        item, request, "close", data["note"], before_record=lambda item, request: item.set_due(None)
    )
    return "已办结"


class FlowItem(Item):
    """An item of a flow: created from its form's fields, and naming the units it concerns."""

    def __init__(self, owner, title="", creator="", **fields):
        super().__init__(owner, title, creator)
        for name, value in fields.items():
            setattr(self, name, value)

    def unit_name(self, code):
        """The title of unit ``code`` (the code itself if there is no such unit)."""
        tenants = self.__parent__.__parent__ if self.__parent__ is not None else None
        tenant = tenants.get(code) if tenants is not None else None
        return tenant.title if tenant is not None else code

    @property
    def owner_title(self):
        return self.unit_name(self.owner)

    def units_titles(self, codes):
        return "、".join(self.unit_name(code) for code in codes)

    def describe(self, request):
        """``[(label, text)]`` for the item page's fields; empty texts are left out. A field may
        name a CSS class for its text as a third element: ``(label, text, "portal-kind")``."""
        return []

    def sections(self, request):
        """``[(heading, [line, ...])]`` for what was recorded after creation (answers, measures...)."""
        return []

    def form_values(self, names):
        """What the draft's edit form starts from: the fields ``names`` as stored (an item that
        stores a field otherwise than its form has it adds the form's value here)."""
        return {name: getattr(self, name) for name in names}


class Action:
    """One thing a person does on an item page.

    Without ``schema`` it is a button: a POST that does ``act(item, request)``. With one it is a
    form: GET shows it, POST validates it and does ``act(item, request, data)``. ``act`` returns the
    message the person reads. ``transition`` names the workflow transition the action fires: its
    state check applies before anything is shown or done. ``allowed(item, request)`` returns why
    the action cannot be taken now, or ``""``. ``permission`` is the Casbin action (by default the
    transition's, else the action's name).

    ``inline``: the item page shows the form itself (a comment, a reason: a few fields) rather than
    a link to the action's page. ``blocked(item, request)``: why the person, though the action is
    theirs now, cannot take it yet (a material missing, a consent awaited), or ``""``; the item page
    then shows it disabled with that reason. It is for the page only: ``act`` keeps its own checks
    (and may do more than refuse). ``listed=False``: the item page's list of actions leaves it out
    (the flow's own template shows it where it belongs).

    A form's page: ``formid`` (by default ``<name>-form``), ``buttons`` (``[(name, title)]``, by
    default one, the action's; ``act`` finds the one pressed in ``request.POST``), ``values(item,
    request)`` (what the form shows at first, e.g. the item's own fields for a form that changes
    them) and ``form_template`` (a flow's own page, given the same values as the kit's).
    """

    def __init__(
        self,
        name,
        title,
        act=None,
        schema=None,
        transition=None,
        allowed=None,
        permission=None,
        heading=None,
        intro=None,
        button=None,
        primary=True,
        inline=False,
        blocked=None,
        listed=True,
        formid=None,
        buttons=None,
        values=None,
        form_template=None,
    ):
        self.name = name
        self.title = title
        self.act = act
        self.schema = schema
        self.transition = transition
        self.allowed = allowed
        self.permission = permission or name
        self.heading = heading or title
        self.intro = intro
        self.button = button or title
        self.primary = primary
        self.inline = inline
        self.blocked = blocked
        self.listed = listed
        self.formid = formid or f"{name}-form"
        self.buttons = tuple(buttons) if buttons else ((name, self.button),)
        self.values = values
        self.form_template = form_template or FORM_TEMPLATE

    @property
    def is_form(self):
        return self.schema is not None

    def refusal(self, item, request):
        """Why the action cannot be taken now, or ``""`` (the state first, then the flow's rule)."""
        if self.transition:
            transition = item.workflow.transitions[self.transition]
            if item.state not in transition.sources:
                return f"“{item.title}”当前状态为“{item.state_title}”，不能{transition.title}"
        return (self.allowed(item, request) if self.allowed else "") or ""

    def offered(self, item, request):
        """Whether the item page shows it to this person now."""
        return request.permits(item, self.permission) and not self.refusal(item, request)

    def blocked_reason(self, item, request):
        """Why the item page shows the action disabled, or ``""`` (see ``blocked``)."""
        return (self.blocked(item, request) if self.blocked else "") or ""

    def intro_for(self, item, request):
        return self.intro(item, request) if callable(self.intro) else (self.intro or "")

    def form(self, item, request, **kw):
        """The action's form for ``item``; ``kw`` are the form's own (``formid``, ``action``,
        ``buttons``, ``counter``), by default those of the action's page."""
        kw.setdefault("formid", self.formid)
        kw.setdefault("buttons", tuple(deform.Button(name, title) for name, title in self.buttons))
        return PortalForm(self.schema.bind(request=request, item=item), **kw)

    def inline_form(self, item, request, **kw):
        """The form as the item page shows it (rendered), posting to the action's view."""
        kw.setdefault("action", request.resource_url(item, "@@" + self.name))
        return self.form(item, request, counter=page_counter(request), **kw).render()

    def view(self, context, request):
        """The action's page: the button's POST, or the form."""

        def back(message, error=False):
            if message:
                request.session.flash(message, "error" if error else "")
            return HTTPFound(location=request.resource_url(context))

        reason = self.refusal(context, request)
        if reason:
            return back(reason, error=True)
        if not self.is_form:
            try:
                return back(self.act(context, request))
            except WorkflowError as error:
                return back(str(error), error=True)
        form = self.form(context, request)
        page = {
            "heading": self.heading,
            "intro": self.intro_for(context, request),
            "item": context,
            "error": "",
        }
        if request.method != "POST":
            values = self.values(context, request) if self.values else colander.null
            return {**page, "form": form.render(values)}
        try:
            data = form.validate(request.POST.items())
        except deform.ValidationFailure as failure:
            return {**page, "form": failure.render(), "error": FORM_ERROR}
        try:
            return back(self.act(context, request, data))
        except WorkflowError as error:
            return back(str(error), error=True)

    def button_of(self):
        return deform.Button(self.name, self.button)


#: A draft's own actions, registered by the flow (see :meth:`Flow.include`), shown as the others.
SEND = Action("send", "发送")
EDIT = Action("edit", "修改草稿", schema=(), primary=False)


class Flow:
    """One flow's registration: its item class, creation form, item page, actions and listing.

    ``fields``: the schema's fields copied onto a new item (``files`` are attached as
    ``files_kind``). ``send(item, request)``, when given, is what "保存并发送" does after saving
    (it returns the message); without it the form has one button, ``create_button``, named
    ``create_name``.
    ``before_record(item, request, data)``, when given, runs once the new item is in its unit with
    its files, before its creation is recorded (``create_title``, by default 起草 or 登记): a flow
    whose items reach other units at once relates them and starts its clock there, so that the
    creation's notices, supervision and index see the item as it is.
    ``columns``: ``[(header, text(item, request))]`` of the listing besides number, title, state
    and due date (``due_column=False`` leaves the due date out, for a flow without deadlines);
    ``list_values(context, request)`` adds to what the listing's template gets, as
    ``page_values(item, request)`` does for the item page. Without ``nav_title`` the listing has no
    link of its own in the navigation (another page of the flow links to it).
    ``edit_title``: the draft's edit link on the item page.

    ``formid``: the creation and edit form's id (by default ``<slug>-form``). ``numbered=False``:
    the item gets no number when it is created (the flow numbers it itself later, e.g. when it is
    sent) and is named ``<name_prefix>-<n>``. ``after_save(item, request)``, when given, runs after
    the item is created or its draft changed (a clock or a notice that follows from its fields).
    ``not_editable``: what a person reads who opens the edit form of an item no longer a draft
    (``{item}`` is the item).

    A flow whose items are made by another flow's step (a meeting's action items) passes
    ``schema=None`` (no creation form): its items are made with :meth:`create`, and its listing and
    item pages are registered as for any flow.

    A flow whose items are made otherwise (named, numbered or recorded its own way) gives
    ``create(tenant, request, data)``, which returns the new item; ``number_word``, ``name_prefix``
    and ``fields`` are then not needed. ``created_message`` may be ``message(item, request)``.
    The creation form: ``new_name`` (the view's name, by default ``new-<slug>``), ``save_button``
    and ``send_button`` (``(name, title)`` of the button that only saves and of the one that also
    sends; by default ``save`` (or ``create_name``) and ``send``) and ``form_template``.
    ``listing_values(request)``, when given, is what the listing shows instead of the kit's page
    of every visible item (it has the same keys: see :func:`listing_view`).

    Another package may add to a flow's item page without touching the flow: an action
    (:meth:`add_action`, e.g. the court-enforcement reminder on a penalty filing) and a section
    (:meth:`add_panel`), both from its own ``includeme``.
    """

    def __init__(
        self,
        item_class,
        *,
        slug,
        listing,
        nav_title,
        nav_order,
        schema,
        heading,
        number_word=None,
        name_prefix=None,
        fields=(),
        intro="",
        list_intro="",
        files_kind="材料",
        send=None,
        create_button="提交",
        created_message="已保存草稿；核对无误后请点击“发送”",
        columns=(),
        actions=(),
        item_template=ITEM_TEMPLATE,
        list_template=LIST_TEMPLATE,
        draft_state=None,
        page_values=None,
        due_title="期限",
        before_record=None,
        create_title=None,
        list_values=None,
        edit_title=EDIT.title,
        create_name="save",
        due_column=True,
        formid=None,
        numbered=True,
        after_save=None,
        not_editable="“{item.title}”已发送，不能再修改",
        create=None,
        new_name=None,
        save_button=None,
        send_button=None,
        form_template=FORM_TEMPLATE,
        listing_values=None,
    ):
        self.item_class = item_class
        self.item_type = item_class.item_type
        self.slug = slug
        self.listing = listing
        self.nav_title = nav_title
        self.nav_order = nav_order
        self.number_word = number_word
        self.name_prefix = name_prefix
        self.schema = schema
        self.fields = tuple(fields)
        self.heading = heading
        self.intro = intro
        self.list_intro = list_intro
        self.files_kind = files_kind
        self.send = send
        self.create_button = create_button
        self.created_message = created_message
        self.columns = tuple(columns)
        self.actions = {action.name: action for action in actions}
        self.item_template = item_template
        self.list_template = list_template
        self.draft_state = draft_state
        self.page_values = page_values
        self.due_title = due_title
        self.before_record = before_record
        self.create_title = create_title or ("起草" if draft_state else "登记")
        self.list_values = list_values
        self.edit = Action("edit", edit_title, schema=(), primary=False)
        self.create_name = create_name
        self.due_column = due_column
        self.formid = formid or f"{slug}-form"
        self.numbered = numbered
        self.after_save = after_save
        self.not_editable = not_editable
        self.make = create
        self.new_name = new_name or f"new-{slug}"
        self.save_button = save_button or (("save", "保存草稿") if send else (create_name, create_button))
        self.send_button = send_button or ("send", "保存并发送")
        self.form_template = form_template
        self.listing_values = listing_values

    # creation ------------------------------------------------------------------------------------

    def form(self, request, item=None):
        save = deform.Button(*self.save_button, **({"css_class": "btn-default"} if self.send else {}))
        buttons = (save, deform.Button(*self.send_button)) if self.send else (save,)
        schema = self.schema().bind(request=request, item=item)
        return PortalForm(schema, formid=self.formid, buttons=buttons)

    def sending(self, request):
        """Whether the person pressed the button that also sends."""
        return self.send is not None and self.send_button[0] in request.POST

    def form_page(self, form, error="", item=None, heading=None):
        return {
            "heading": heading or self.heading,
            "intro": self.intro,
            "item": item,
            "form": form,
            "error": error,
        }

    def create(self, tenant, request, data, prepare=None):
        """A new item of the flow in ``tenant``, numbered (unless ``numbered=False``), with its files,
        its creation recorded.

        ``prepare(item)``, if given, runs once the item is in its unit and before its creation is
        recorded (relations and clock set there are what the creation's notifications see).
        """
        if self.make is not None:
            return self.make(tenant, request, data)
        if self.numbered:
            number = next_number(tenant, f"{tenant.doc_code}{self.number_word}", now().year)
            _, year, sequence = parse_number(number)
            item_name = f"{self.name_prefix}-{year}-{sequence}"
        else:
            number, item_name = "", free_name(tenant, self.name_prefix)
        item = self.item_class(
            tenant.code, creator=request.login, number=number, **{name: data[name] for name in self.fields}
        )
        tenant.add(item_name, item)
        attach_files(item, data.get("files", ()), request, self.files_kind)
        if self.before_record is not None:
            self.before_record(item, request, data)
        if prepare is not None:
            prepare(item)
        record(item, request, "create", self.create_title)
        if self.after_save is not None:
            self.after_save(item, request)
        return item

    def new_view(self, context, request):
        form = self.form(request)
        if request.method != "POST":
            return self.form_page(form.render())
        try:
            data = form.validate(request.POST.items())
        except deform.ValidationFailure as failure:
            return self.form_page(failure.render(), FORM_ERROR)
        item = self.create(context, request, data)
        return self.saved(item, request, self.sending(request))

    def edit_view(self, context, request):
        """The draft changed by its unit (new files are added to those attached), and maybe sent."""
        item = context
        if item.state != self.draft_state:
            request.session.flash(self.not_editable.format(item=item), "error")
            return HTTPFound(location=request.resource_url(item))
        form = self.form(request, item)
        heading = f"修改{item.type_title}"
        if request.method != "POST":
            typed = item.form_values(self.fields)
            return self.form_page(form.render(typed), item=item, heading=heading)
        try:
            data = form.validate(request.POST.items())
        except deform.ValidationFailure as failure:
            return self.form_page(failure.render(), FORM_ERROR, item=item, heading=heading)
        for name in self.fields:
            setattr(item, name, data[name])
        attach_files(item, data.get("files", ()), request, self.files_kind)
        record(item, request, "edit", "修改草稿")
        if self.after_save is not None:
            self.after_save(item, request)
        return self.saved(item, request, self.sending(request))

    def saved(self, item, request, sending):
        """After the draft was saved: send it if asked; a refused send leaves it a draft, and says why."""
        message, error = self.created_message, False
        if callable(message):
            message = message(item, request)
        if sending and self.send is not None:
            try:
                message = self.send(item, request)
            except WorkflowError as refusal:
                message, error = f"已保存草稿，但未能发送：{refusal}", True
        request.session.flash(message, "error" if error else "")
        return HTTPFound(location=request.resource_url(item))

    def send_view(self, context, request):
        try:
            message = self.send(context, request)
        except WorkflowError as error:
            request.session.flash(str(error), "error")
        else:
            request.session.flash(message)
        return HTTPFound(location=request.resource_url(context))

    # pages ---------------------------------------------------------------------------------------

    def offered_actions(self, item, request):
        actions = [*self.actions.values(), *self.added(request.registry)["actions"].values()]
        offered = [a for a in actions if a.listed and a.offered(item, request)]
        if self.draft_state and item.state == self.draft_state:
            if self.send and request.permits(item, "send"):
                offered.insert(0, SEND)
            if request.permits(item, "edit"):
                offered.insert(0, self.edit)
        return offered

    def item_view(self, context, request):
        values = {
            "item": context,
            "flow": self,
            "fmt": fmt,
            "macros": item_macros(),
            "kit": kit_macros(),
            "actions": self.offered_actions(context, request),
            "fields": [field for field in context.describe(request) if field[1]],
            "sections": [(h, [line for line in lines if line]) for h, lines in context.sections(request)],
            "due_title": self.due_title,
        }
        if self.page_values is not None:
            values.update(self.page_values(context, request))
        panels = self.added(request.registry)["panels"].values()
        values["panels"] = [markup for markup in (render(context, request) for render in panels) if markup]
        return values

    def listing_view(self, context, request):
        if self.listing_values is not None:
            values = self.listing_values(request)
        else:
            values = listing_view(request, self.item_type)
        values = {
            "page_url": lambda number: f"?page={number}",
            **values,
            "flow": self,
            "rows": [(item, [text(item, request) for _, text in self.columns]) for item in values["items"]],
            "fmt": fmt,
            "kit": kit_macros(),
        }
        if self.list_values is not None:
            values.update(self.list_values(context, request))
        return values

    # registration --------------------------------------------------------------------------------

    def include(self, config):
        """Register everything the flow is made of (called from the flow's ``includeme``)."""
        cls, item_type = self.item_class, self.item_type
        config.add_item_type(item_type, cls.type_title, cls.workflow)
        if self.nav_title:
            config.add_nav_link(self.nav_order, self.nav_title, unit_nav_link(f"/@@{self.listing}"))
        common = {"require_csrf": True}
        config.add_view(
            self.listing_view,
            context=IRoot,
            name=self.listing,
            renderer=self.list_template,
            permission="view",
            **common,
        )
        if self.schema is not None:
            config.add_view(
                self.new_view,
                context=Tenant,
                name=self.new_name,
                renderer=self.form_template,
                permission=f"create:{item_type}",
                **common,
            )
        config.add_view(self.item_view, context=cls, renderer=self.item_template, permission="view", **common)
        if self.draft_state:
            config.add_view(
                self.edit_view,
                context=cls,
                name="edit",
                renderer=self.form_template,
                permission="edit",
                **common,
            )
        if self.draft_state and self.send:
            config.add_view(
                self.send_view, context=cls, name="send", request_method="POST", permission="send", **common
            )
        for action in self.actions.values():
            self.register_action(config, action)

    def register_action(self, config, action):
        config.add_view(
            action.view,
            context=self.item_class,
            name=action.name,
            renderer=action.form_template,
            permission=action.permission,
            require_csrf=True,
            **({} if action.is_form else {"request_method": "POST"}),
        )

    # what other packages add to a flow's items ---------------------------------------------------

    def added(self, registry):
        """``{"actions": {name: Action}, "panels": {name: render}}`` other packages added to this
        flow in the application of ``registry`` (kept there, not on this module-level declaration,
        so that each application has those of the features it includes)."""
        added = registry.__dict__.setdefault("portal_flow_additions", {})
        return added.setdefault(self.item_type, {"actions": {}, "panels": {}})

    def add_action(self, config, action):
        """An action another package adds to this flow's items (e.g. the enforcement application's
        reminder on a penalty filing): listed on the item page with the flow's own (unless
        ``listed=False``), its view registered as theirs. Called from that package's ``includeme``."""
        self.added(config.registry)["actions"][action.name] = action
        self.register_action(config, action)

    def add_panel(self, config, name, render):
        """A section another package adds to this flow's item page: ``render(item, request)``
        returns its markup, or ``""`` to show nothing (it decides itself what the person may see).
        The kit's item page shows the panels after the fields, in the order they were added; a flow
        with its own template shows its ``panels`` where it puts them."""
        self.added(config.registry)["panels"][name] = render
