"""权限说明: why may, or why may not, a person do an action on an item; and the answer is the truth.

On the demo district (every flow filed once through its forms), the 区司法局's supervisor asks about
鱼山镇's officer on a penalty filing, and what the page says is what the officer gets when trying;
for every demo person, the page's answer on viewing and on recording a filing is what that person
gets. A unit admin asks about their own unit's people only; nobody opens the page of an item they
cannot view; bad input gets a Chinese message and 400 with what was typed. Property tests (hypothesis):
over people × units × items × actions of the demo site, and with random rows and memberships added,
``explain``'s decision equals the real decision (Pyramid's authorization policy asking Casbin through
a request), and what it says decides is consistent with the rows.
"""

import re
import shutil
from contextlib import contextmanager

import pytest
import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyramid.request import Request, apply_request_extensions
from pyramid.threadlocal import manager

from portal.items import Item
from portal.security import relations_to
from portal.security.explain import explain, item_actions, person_units
from portal.security.names import membership_row
from portal.site import DEMO_PEOPLE
from tests.conftest import Browser, close_app, make_app
from tests.filings.test_filings import press, save_draft

#: Every demo login (the portal admin included).
PEOPLE = ["admin", *(login for login, *_ in DEMO_PEOPLE)]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    """The demo district with one example of every flow, built once for the module."""
    directory = tmp_path_factory.mktemp("demo")
    close_app(make_app(directory, **{"portal.demo_content": "true"}))
    return directory


@pytest.fixture(scope="module")
def app(demo_dir, tmp_path_factory):
    directory = tmp_path_factory.mktemp("site")
    shutil.copy(demo_dir / "Data.fs", directory / "Data.fs")
    shutil.copytree(demo_dir / "blobs", directory / "blobs", dirs_exist_ok=True)
    application = make_app(directory)
    yield application
    transaction.abort()
    close_app(application)


@pytest.fixture(scope="module")
def person(app):
    """``person(login)``: a browser logged in as that demo person (once per module)."""
    browsers = {}

    def browser_of(login):
        if login not in browsers:
            browsers[login] = Browser(app)
            browsers[login].login(login, "admin12345" if login == "admin" else "demo12345")
        return browsers[login]

    return browser_of


counter = iter(range(10, 10_000))


def submitted_filing(officer):
    """鱼山镇's officer files a decision with 区市监局 through the forms; its path."""
    page = save_draft(officer, decision_number=f"鱼山镇罚决〔2026〕{next(counter)}号")
    return press(page, "submit").follow().request.path


def ask(browser, path, login, action, status=200):
    """The 权限说明 form of the item at ``path``, filled in and sent."""
    form = browser.get(path + "@@why").forms["why-form"]
    form["login"] = login
    form["action"] = action
    return form.submit(status=status)


def answers(page):
    """``{unit: (allowed, the answer's text)}`` of a 权限说明 page."""
    return {
        section["id"][len("why-") :]: (section["data-allowed"] == "yes", section.get_text(" ", strip=True))
        for section in page.html.select("section.portal-why-answer")
    }


def tries(browser, path, action):
    """The status a person gets pressing ``action`` on the item (a POST with their CSRF token)."""
    token = browser.csrf_token()
    return browser.post(path + "@@" + action, {"csrf_token": token, action: "1"}, status="*").status_int


# the supervisor asks about a township officer ---------------------------------------------------


def test_the_supervisor_asks_about_a_township_officer_and_the_officer_gets_just_that(person):
    officer, supervisor = person("ys.officer"), person("sfj.supervisor")
    path = submitted_filing(officer)
    page = supervisor.get(path)
    link = page.html.select_one(".portal-why-link a")
    assert link is not None and link["href"].endswith(path + "@@why")
    form_page = page.click("权限说明")
    titles = {option["value"]: option.text for option in form_page.html.select("#why-action option")}
    assert titles["view"].startswith("查看") and titles["record"].startswith("备案")
    assert titles["submit"].startswith("报送／重新报送") and titles["return"].startswith("退回补正")

    # Viewing: allowed, by the township members' row; the officer does see it.
    viewing = answers(ask(supervisor, path, "ys.officer", "view"))
    assert list(viewing) == ["cj-yushan"]
    allowed, text = viewing["cj-yushan"]
    assert allowed and "允许" in text
    assert "p, role:member, kind:township, owner, penalty_filing, view" in text
    assert "g, user:ys.officer, role:member, unit:cj-yushan" in text
    assert "g2, unit:cj-yushan, kind:township" in text
    assert officer.get(path).status_int == 200

    # Recording: refused, the department liaisons' row would be needed; the officer is refused.
    page = ask(supervisor, path, "ys.officer", "record")
    allowed, text = answers(page)["cj-yushan"]
    assert not allowed and "不允许" in text
    assert "p, role:liaison, kind:department, recipient, penalty_filing, record" in text
    assert "此人在鱼山镇不担任“联系人”" in text and "鱼山镇不属于“区级行政执法部门”" in text
    assert "不是“主送单位”（recipient）" in text
    assert (
        "r = user:ys.officer, unit:cj-yushan, owner, penalty_filing, record"
        in page.html.select_one("pre.why-raw").get_text()
    )
    assert tries(officer, path, "record") == 403
    html = page.text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", html) and not re.search(r"\sstyle\s*=", html)

    # Submitting again: the rows allow it, the filing's state does not; the page says both, and the
    # officer is not refused by the rows (403) but by the state (back to the page with the reason).
    allowed, text = answers(ask(supervisor, path, "ys.officer", "submit"))["cj-yushan"]
    assert allowed and "只能在事项处于“草稿”或“退回补正”时进行" in text
    assert tries(officer, path, "submit") == 302
    assert "不能报送" in officer.get(path).text

    # The department's liaison may record it, and does.
    allowed, text = answers(ask(supervisor, path, "scj.liaison", "record"))["cj-scjgj"]
    assert allowed and "g, user:scj.liaison, role:liaison, unit:cj-scjgj" in text
    liaison = person("scj.liaison")
    page = press(liaison.get(path), "record").follow()
    assert page.html.select_one("#state").text == "已备案"


def test_every_demo_person_gets_what_the_page_says(person):
    """Viewing a filing and recording it, for every demo person: the page's answer for the unit
    they act as is the page they get, and the 403 (or not) they get pressing 备案."""
    path = submitted_filing(person("ys.officer"))
    supervisor = person("sfj.supervisor")
    seen = {}
    for login in PEOPLE:
        browser = person(login)
        acting = browser.get("/").html.select_one("#acting-unit option[selected]")
        unit = acting["value"] if acting is not None else "portal"
        viewing = answers(ask(supervisor, path, login, "view"))[unit][0]
        recording = answers(ask(supervisor, path, login, "record"))[unit][0]
        assert viewing == (browser.get(path, status="*").status_int == 200), login
        seen[login] = (viewing, recording)
    for login, (_, recording) in seen.items():
        # Whoever may not record it is refused by the rows (403); whoever may is refused at most
        # by the state, once the first of them recorded it.
        assert recording == (tries(person(login), path, "record") != 403), login
    assert seen["ys.officer"] == (True, False)
    assert seen["scj.liaison"] == (True, True)
    assert seen["admin"] == (True, True)
    assert seen["cg.liaison"] == (False, False)


# who may ask, and about whom ---------------------------------------------------------------------


def test_a_unit_admin_asks_about_their_own_units_people_only(person):
    path = submitted_filing(person("ys.officer"))
    admin = person("ys.admin")
    page = admin.get(path + "@@why")
    suggested = {option["value"] for option in page.html.select("#why-people option")}
    assert "ys.officer" in suggested and not any(login.startswith("scj.") for login in suggested)

    allowed, text = answers(ask(admin, path, "ys.officer", "submit"))["cj-yushan"]
    assert allowed and "p, role:officer, kind:township, owner, penalty_filing, submit" in text

    page = ask(admin, path, "scj.liaison", "record", status=400)
    assert page.html.select_one("#error-login").text == (
        "您只能查询本单位（鱼山镇）人员的权限说明：“scj.liaison”不是鱼山镇的成员"
    )
    assert page.forms["why-form"]["login"].value == "scj.liaison"
    assert page.forms["why-form"]["action"].value == "record"
    assert not page.html.select("section.portal-why-answer")
    # A crafted address likewise.
    admin.get(path + "@@why", {"login": "sfj.supervisor", "action": "view"}, status=400)

    # The department's unit admin asks about its own liaison on the same filing.
    allowed, _ = answers(ask(person("scj.admin"), path, "scj.liaison", "record"))["cj-scjgj"]
    assert allowed


def test_nobody_learns_about_an_item_they_cannot_view(person):
    officer = person("ys.officer")
    draft = save_draft(officer, decision_number=f"鱼山镇罚决〔2026〕{next(counter)}号").request.path
    sent = submitted_filing(officer)
    # The officer may view both but may not ask: no link, 403.
    assert officer.get(sent).html.select_one(".portal-why-link") is None
    officer.get(sent + "@@why", status=403)
    # The supervisor reads no draft, so asks nothing about it.
    person("sfj.supervisor").get(draft + "@@why", {"login": "ys.officer", "action": "view"}, status=403)
    # The 区司法局's unit admin may ask on the items the 区司法局 sees, not on this filing.
    sfj_admin = person("sfj.admin")
    sfj_admin.get(sent, status=403)
    sfj_admin.get(sent + "@@why", {"login": "sfj.supervisor", "action": "view"}, status=403)
    # Another unit's admin neither.
    person("cg.liaison").get(sent + "@@why", status=403)
    # The township's own unit admin may ask about its draft.
    assert answers(ask(person("ys.admin"), draft, "ys.officer", "edit"))["cj-yushan"][0]
    # Anonymous visitors go to the login page.
    assert "/login" in Browser(officer.app).get(sent + "@@why", status=302).location


def test_the_page_answers_on_every_kind_of_item(app, person):
    """Every item the supervisor reads (one of every flow at least): the page lists its actions
    and answers about its own unit's people, for each action."""
    supervisor = person("sfj.supervisor")
    kinds = set()
    for path in demo_items(app):
        if supervisor.get(path + "/", status="*").status_int != 200:
            supervisor.get(path + "/@@why", status=403)  # a draft another test filed
            continue
        page = supervisor.get(path + "/@@why")
        actions = [option["value"] for option in page.html.select("#why-action option") if option["value"]]
        assert actions[0] == "view" and actions[-1] == "why", path
        owner = path.split("/")[2]
        with asking(app, None, None) as request:
            kinds.add(resolve(request.root, path).item_type)
            login = sorted(request.policy.members_of(owner))[0]
        for action in actions:
            found = answers(supervisor.get(path + "/@@why", {"login": login, "action": action}))
            assert list(found) == [owner], (path, action)
    assert len(kinds) >= 15


def test_bad_input_is_refused_with_a_message_and_kept(person):
    supervisor = person("sfj.supervisor")
    path = submitted_filing(person("ys.officer"))
    cases = [
        ("nobody.here", "record", "login", "没有登录名为“nobody.here”的人员"),
        ("ys officer", "record", "login", "登录名由字母、数字和 . _ - 组成，2 到 64 个字符，请核对"),
        ("", "record", "login", "请填写要查询的人员的登录名"),
        ("ys.officer", "fly", "action", "本事项没有“fly”这一操作，请从列表中选择"),
        ("ys.officer", "create", "action", "本事项没有“create”这一操作，请从列表中选择"),
        ("ys.officer", "", "action", "请选择要查询的操作"),
    ]
    for login, action, field, message in cases:
        page = supervisor.get(path + "@@why", {"login": login, "action": action}, status=400)
        assert page.html.select_one(f"#error-{field}").text == message
        assert page.html.select_one("#why-login")["value"] == login
        assert not page.html.select("section.portal-why-answer")
    page = supervisor.get(path + "@@why?login=ys.%00officer&action=view", status=400)
    assert "不能含有控制字符" in page.text
    page = supervisor.get(path + "@@why?login=%FF&action=view", status=400)
    assert "UTF-8" in page.text
    # The portal admin may ask about anyone, the supervisor included, as their unit.
    allowed, text = answers(ask(person("admin"), path, "sfj.supervisor", "view"))["cj-sfj"]
    assert allowed and "p, role:supervisor, kind:supervisor, supervisor, *, view" in text


def test_a_person_in_several_units_is_explained_as_each(app, person):
    """cg.liaison also made an officer of 鱼山镇: one answer per unit they may act as."""
    rows = [membership_row("cg.liaison", role, "cj-yushan") for role in ("member", "officer")]
    change_rows(app, add=rows)
    try:
        path = submitted_filing(person("ys.officer"))
        found = answers(ask(person("sfj.supervisor"), path, "cg.liaison", "view"))
        assert sorted(found) == ["cj-cgj", "cj-yushan"]
        assert found["cj-yushan"][0] and not found["cj-cgj"][0]
        assert "此人在区城管局的角色" in found["cj-cgj"][1]
        # 鱼山镇's admin sees only the answer as 鱼山镇.
        assert sorted(answers(ask(person("ys.admin"), path, "cg.liaison", "view"))) == ["cj-yushan"]
    finally:
        change_rows(app, remove=rows)


def change_rows(app, add=(), remove=(), ptype="g"):
    """Add or remove rows of the site's policy, committed (every engine follows at its next
    request); returns the rows that were new."""
    db = app.registry._zodb_databases[""]
    conn = db.open()
    try:
        store = conn.root()["app_root"].policy_store
        added = [row for row in add if store.add(ptype, list(row))]
        for row in remove:
            store.remove(ptype, list(row))
        transaction.commit()
    finally:
        conn.close()
    return added


# the property: explain's decision is the real decision ------------------------------------------


@contextmanager
def asking(app, login, unit):
    """A request of ``login`` acting as ``unit``, on a connection of its own, as the current
    request (the authorization policy finds it so); aborted and closed afterwards."""
    conn = app.registry._zodb_databases[""].open()
    request = Request.blank("/")
    request.registry = app.registry
    apply_request_extensions(request)
    request.root = conn.root()["app_root"]
    request.login = login
    request.acting_unit = unit
    manager.push({"request": request, "registry": app.registry})
    try:
        yield request
    finally:
        manager.pop()
        transaction.abort()
        conn.close()


def demo_items(app):
    with asking(app, None, None) as request:
        return sorted(
            f"/tenants/{tenant.__name__}/{name}"
            for tenant in request.root["tenants"].values()
            for name, item in tenant.items()
            if isinstance(item, Item)
        )


def resolve(root, path):
    _, _, unit, name = path.split("/")
    return root["tenants"][unit][name]


def decide_and_explain(app, login, unit, path, action):
    """``(the real decision, explain's answer, the item's actions)`` for one question."""
    with asking(app, login, unit) as request:
        item = resolve(request.root, path)
        # The real decision: Pyramid's authorization policy, as for every view's ``permission=``.
        real = bool(request.has_permission(action, item))
        answer = explain(request, login, unit, item, action)
        return real, answer, [name for name, _ in item_actions(request, item)]


def check_consistent(answer, store_rows):
    """What the answer says decides is in the rows: the rows it names exist, every refusal says
    what is missing, an allowing row's role and kind links are rows of the policy."""
    p_rows, g_rows, g2_rows = store_rows
    for grant in answer.grants:
        assert list(grant.row) in p_rows
        assert all(list(row) in g_rows for row in grant.roles)
        assert all(list(row) in g2_rows for row in grant.kinds)
        if grant.roles:
            assert grant.roles[0][0] == f"user:{answer.login}" and grant.roles[-1][1] == grant.row[0]
    for miss in answer.misses:
        assert list(miss.row) in p_rows and miss.missing
    assert all(list(row) in g_rows for row in answer.memberships)


def rows_of(app):
    with asking(app, None, None) as request:
        store = request.root.policy_store
        return tuple([list(row) for row in store.rows(ptype)] for ptype in ("p", "g", "g2"))


EXTRA_ACTIONS = ["view", "why", "edit", "why_members", "manage", "frobnicate"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_explain_decides_as_the_real_decision_on_the_demo_site(app, data):
    """People × the units they act as (and others) × the demo items × the items' actions (and a
    few more): explain's decision is the real one."""
    login = data.draw(st.sampled_from(PEOPLE), label="login")
    with asking(app, login, None) as request:
        own = person_units(request.policy, login)
    unit = data.draw(st.sampled_from([*own, "cj-yushan", "cj-scjgj", "cj-sfj", "portal"]), label="unit")
    path = data.draw(st.sampled_from(demo_items(app)), label="item")
    _, _, actions = decide_and_explain(app, login, unit, path, "view")
    action = data.draw(st.sampled_from([*actions, *EXTRA_ACTIONS]), label="action")
    real, answer, _ = decide_and_explain(app, login, unit, path, action)
    assert answer.allowed == real
    check_consistent(answer, rows_of(app))


ROLES = ["member", "officer", "liaison", "leader", "unit_admin", "supervisor", "admin"]
UNITS = ["cj-yushan", "cj-scjgj", "cj-cgj", "cj-sfj", "cj-lvmeng", "portal"]
KINDS = ["kind:unit", "kind:township", "kind:department", "kind:supervisor"]


def question(app):
    """Who asks what: a person, a unit they act as (or any), an item, an action."""
    return st.tuples(
        st.sampled_from(PEOPLE), st.sampled_from(UNITS), st.sampled_from(demo_items(app))
    ).flatmap(
        lambda q: st.tuples(*map(st.just, q), st.sampled_from(["view", "record", "why", "answer", "send"]))
    )


def rows_near(login, unit, item_type, relations):
    """``p`` and ``g`` rows that often come near the question: its person, roles and unit, the
    unit's kinds, relations and the item's type, and ``*``; and some that do not."""
    domain = "portal:all" if unit == "portal" else f"unit:{unit}"
    roles = [f"role:{role}" for role in ROLES]
    p_rows = st.lists(
        st.tuples(
            st.sampled_from([*roles, f"user:{login}", "user:scj.liaison"]),
            st.sampled_from([domain, "portal:all", *KINDS, "unit:cj-cgj"]),
            st.sampled_from(["*", *relations, "recipient", "cc", "none", "supervisor"]),
            st.sampled_from(["*", item_type, "collab_request"]),
            st.sampled_from(["*", "view", "record", "why", "answer", "send"]),
        ),
        max_size=3,
        unique=True,
    )
    g_rows = st.lists(
        st.one_of(
            st.tuples(
                st.just(f"user:{login}"), st.sampled_from(roles), st.sampled_from([domain, "portal:all"])
            ),
            # A role holding another role in a unit: a hierarchy, which the model allows.
            st.tuples(
                st.sampled_from(roles), st.sampled_from(roles), st.sampled_from([domain, "portal:all"])
            ),
        ),
        max_size=3,
        unique=True,
    )
    return st.tuples(p_rows, g_rows)


def facts(app, login, unit, path):
    with asking(app, login, unit) as request:
        item = resolve(request.root, path)
        return item.item_type, tuple(relations_to(item, unit))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_explain_decides_as_the_real_decision_with_random_rows(app, data):
    """Rows of every shape near the question (a row for one person, for one unit, for portal:all,
    ``*`` anywhere; a person's roles in several units and in portal:all; roles holding roles)
    added to the demo policy: the answer stays the real one."""
    login, unit, path, action = data.draw(question(app), label="question")
    p_rows, g_rows = data.draw(rows_near(login, unit, *facts(app, login, unit, path)), label="rows")
    added_p = change_rows(app, add=p_rows, ptype="p")
    added_g = change_rows(app, add=g_rows)
    try:
        real, answer, _ = decide_and_explain(app, login, unit, path, action)
        assert answer.allowed == real
        check_consistent(answer, rows_of(app))
    finally:
        change_rows(app, remove=added_p, ptype="p")
        change_rows(app, remove=added_g)
