"""The foundation as people use it: logging in, the members page, acting units, the back office.

Everything goes through the real app on a temporary FileStorage; the effects are checked the way the
person would see them (who can log in, which unit and roles the portal page shows, what is refused).
"""

import shutil

import transaction

import portal
from portal.security.names import membership_row
from portal.site import bring_up_to_date

PEOPLE_NAME = "鱼山镇新执法人员"


def members_url(unit):
    return f"/tenants/{unit}/@@members"


def header_unit(page):
    """The unit shown as selected in the header's unit switcher."""
    return page.html.select_one("#acting-unit option[selected]").text.strip()


def units_table(page):
    """``{unit title: roles text}`` from the portal page's table of the person's units."""
    rows = page.html.select("table.portal-units tbody tr")
    return {row.find_all("td")[0].text.strip(): row.find_all("td")[1].text.strip() for row in rows}


def member_roles(page, login):
    """The role names shown for ``login`` on a members page, or None when they are not listed."""
    row = page.html.select_one(f'#members tr[data-login="{login}"]')
    if row is None:
        return None
    return [span.contents[0].strip() for span in row.select("span.portal-role")]


def add_person(page, login, name, password, roles=()):
    form = page.forms["new-person"]
    form["login"] = login
    form["display_name"] = name
    form.set("password", password, index=0)
    form.set("password-confirm", password, index=0)
    for role in roles:
        role_box(form, role).checked = True
    return form.submit("add_person")


def role_box(form, role):
    """The checkbox for ``role`` in the new-person form."""
    return next(box for box in form.fields["checkbox"] if box._value == role)


def site_counts(app):
    """Units, logins and policy rows per ptype, read in a fresh connection."""
    conn = app.registry._zodb_databases[""].open()
    try:
        transaction.begin()
        site = conn.root()["app_root"]
        store = site.policy_store
        return {
            "units": len(site["tenants"]),
            "users": len(site["principals"]["users"]),
            **{ptype: store.count(ptype) for ptype in ("p", "g", "g2")},
            "rows": sorted(tuple(row) for ptype in store.ptypes() for row in store.rows(ptype)),
        }
    finally:
        transaction.abort()
        conn.close()


def unit_title(app, code):
    conn = app.registry._zodb_databases[""].open()
    try:
        transaction.begin()
        return conn.root()["app_root"]["tenants"][code].title
    finally:
        transaction.abort()
        conn.close()


# Logging in and out


def test_login_shows_name_and_units_and_logout_returns_to_login(browser):
    page = browser.get("/", status=302).follow()
    assert "登录" in page.html.h1.text
    assert "请使用本单位管理员为您开设的登录名和密码登录" in page.text

    home = browser.login("lm.officer")
    assert "吕蒙街道执法人员，您好" in home.text
    assert header_unit(home) == "吕蒙街道"
    assert units_table(home) == {"吕蒙街道": "联系人、执法人员"}

    page = browser.logout()
    assert page.request.path == "/login"
    assert "吕蒙街道执法人员" not in page.text
    assert browser.get("/", status=302).location.endswith("/login?came_from=/")


def test_wrong_password_says_so_in_chinese_and_keeps_the_login_and_the_page_asked_for(browser):
    form = browser.get("/tenants/cj-yushan/", status=302).follow().forms["login-form"]
    form["login"] = "ys.officer"
    form["password"] = "not-the-password"
    page = form.submit("submit", status=200)
    assert page.html.select_one("#login-error").text.strip() == "登录名或密码不正确，请重新输入"
    form = page.forms["login-form"]
    assert form["login"].value == "ys.officer"
    assert form["password"].value == ""
    assert browser.get("/", status=302).location.endswith("/login?came_from=/")

    form["password"] = portal.site.DEMO_PASSWORD
    page = form.submit("submit", status=302).follow()
    assert page.request.path == "/tenants/cj-yushan/"
    assert "鱼山镇" in page.html.h1.text


# The members page


def test_overlong_password_gets_the_length_message_and_keeps_what_was_typed(browser):
    browser.login("ys.admin")
    page = browser.get(members_url("cj-yushan"))
    page = add_person(page, "ys.new", PEOPLE_NAME, "密码" * 13, roles=["officer"])
    assert page.status_int == 200
    form = page.forms["new-person"]
    assert "密码过长：最多 72 个字节（一个汉字占 3 个字节）" in page.text
    assert form["login"].value == "ys.new"
    assert form["display_name"].value == PEOPLE_NAME
    assert role_box(form, "officer").checked
    assert not role_box(form, "leader").checked
    assert member_roles(page, "ys.new") is None


def test_unit_admin_creates_a_person_who_logs_in_with_their_unit_and_role(browser_factory):
    admin = browser_factory()
    admin.login("ys.admin")
    page = add_person(
        admin.get(members_url("cj-yushan")), "ys.new", PEOPLE_NAME, "new-password-1", roles=["officer"]
    )
    page = page.follow()
    assert "已新建人员 鱼山镇新执法人员（ys.new）并加入本单位" in page.text
    assert member_roles(page, "ys.new") == ["执法人员"]

    person = browser_factory()
    home = person.login("ys.new", "new-password-1")
    assert "鱼山镇新执法人员，您好" in home.text
    assert units_table(home) == {"鱼山镇": "执法人员"}


def test_unit_admin_grants_and_revokes_a_role_with_effect(browser_factory):
    admin = browser_factory()
    admin.login("ys.admin")
    page = admin.get(members_url("cj-yushan"))
    form = page.forms["grant-role"]
    form["login"] = "ys.officer"
    form["role"] = "liaison"
    page = form.submit("grant").follow()
    assert "已授予 ys.officer “联系人”角色" in page.text
    assert sorted(member_roles(page, "ys.officer")) == ["执法人员", "联系人"]

    officer = browser_factory()
    assert units_table(officer.login("ys.officer")) == {"鱼山镇": "联系人、执法人员"}

    row = page.html.select_one('#members tr[data-login="ys.officer"]')
    revoke = next(f for f in row.select("span.portal-role form") if f.find("input", {"value": "liaison"}))
    page = admin.post(
        members_url("cj-yushan"),
        {
            "csrf_token": revoke.find("input", {"name": "csrf_token"})["value"],
            "login": "ys.officer",
            "role": "liaison",
            "revoke": "1",
        },
    ).follow()
    assert "已撤销 ys.officer 的“联系人”角色" in page.text
    assert member_roles(page, "ys.officer") == ["执法人员"]
    assert units_table(officer.get("/")) == {"鱼山镇": "执法人员"}


def test_unit_admin_removes_a_person_from_the_unit(browser_factory):
    admin = browser_factory()
    admin.login("ys.admin")
    token = admin.csrf_token()
    page = admin.post(
        members_url("cj-yushan"),
        {
            "csrf_token": token,
            "login": "ys.deputy",
            "role": "member",
            "revoke": "1",
        },
    ).follow()
    assert "已将 ys.deputy 移出本单位" in page.text
    assert member_roles(page, "ys.deputy") is None
    deputy = browser_factory()
    form = deputy.get("/login").forms["login-form"]
    form["login"] = "ys.deputy"
    form["password"] = portal.site.DEMO_PASSWORD
    home = form.submit("submit", status=302).follow(status=403)
    assert "您尚未加入任何单位" in home.html.select_one("#no-unit").text
    page = deputy.get("/tenants/cj-yushan/", status=403)
    assert "您尚未加入任何单位" in page.text


def test_unit_admin_of_another_unit_is_refused_even_with_crafted_posts(browser, root):
    """The check is the server's: forged POSTs to another unit get 403, tokenless POSTs 400."""
    browser.login("ys.admin")
    browser.get(members_url("cj-scjgj"), status=403)
    token = browser.csrf_token()
    forged = [
        {"grant": "1", "login": "ys.admin", "role": "unit_admin"},
        {"revoke": "1", "login": "scj.officer", "role": "officer"},
        {"revoke": "1", "login": "scj.admin", "role": "member"},
        {
            "add_person": "1",
            "login": "intruder",
            "display_name": "冒名者",
            "__start__": "password:mapping",
            "password": "intruder-pass",
            "password-confirm": "intruder-pass",
            "__end__": "password:mapping",
        },
    ]
    for fields in forged:
        page = browser.post(members_url("cj-scjgj"), {"csrf_token": token, **fields}, status=403)
        assert "无权访问" in page.text
    # Without the session's CSRF token, even on the unit admin's own unit.
    fields = {"grant": "1", "login": "ys.officer", "role": "liaison"}
    browser.post(members_url("cj-yushan"), fields, status=400)
    browser.post(members_url("cj-yushan"), {**fields, "csrf_token": "forged"}, status=400)
    transaction.begin()
    store = root.policy_store
    assert not store.contains("g", membership_row("ys.officer", "liaison", "cj-yushan"))
    assert not store.contains("g", membership_row("ys.admin", "unit_admin", "cj-scjgj"))
    assert store.contains("g", membership_row("scj.officer", "officer", "cj-scjgj"))
    assert store.contains("g", membership_row("scj.admin", "member", "cj-scjgj"))
    assert "intruder" not in root["principals"]["users"]


# Acting for one of several units


def test_person_in_two_units_switches_the_unit_they_act_as(browser_factory):
    admin = browser_factory()
    admin.login("ys.admin")
    form = admin.get(members_url("cj-yushan")).forms["grant-role"]
    form["login"] = "scj.liaison"
    form["role"] = "liaison"
    form.submit("grant").follow()

    person = browser_factory()
    home = person.login("scj.liaison")
    assert units_table(home) == {"区市监局": "联系人", "鱼山镇": "联系人"}
    assert header_unit(home) == "区市监局"
    person.get("/tenants/cj-yushan/", status=403)

    home = person.switch_unit("cj-yushan")
    assert "已切换当前单位" in home.text
    assert header_unit(home) == "鱼山镇"
    assert "您当前以\n    <strong>鱼山镇</strong>" in home.text
    assert "鱼山镇" in person.get("/tenants/cj-yushan/").html.h1.text
    person.get("/tenants/cj-scjgj/", status=403)

    home = person.switch_unit("cj-lvmeng")
    assert "您不属于该单位，未切换" in home.text
    assert header_unit(home) == "鱼山镇"


# The portal admin and the back office


def test_portal_admin_reaches_the_back_office_and_every_members_page(browser, root):
    home = browser.login("admin", "admin12345")
    assert home.html.find("a", string="后台管理")["href"].endswith("/manage")
    page = browser.get("/manage", status=302).follow()
    assert page.request.path == "/manage/@@contents"
    for url in ("/manage/@@contents", "/manage/principals/users/@@contents", "/manage/tenants/@@contents"):
        page = browser.get(url, status=200)
        assert "your account is not permitted" not in page.text
        assert page.html.select_one('form[action="/manage/@@login"]') is None
    transaction.begin()
    units = list(root["tenants"])
    assert len(units) == 27
    for unit in units:
        assert browser.get(members_url(unit)).forms["grant-role"]


def test_officer_is_refused_the_back_office_and_the_members_page(browser):
    """The back office refuses with 403 and the portal's own Chinese page, not the contents."""
    home = browser.login("ys.officer")
    assert home.html.find("a", string="后台管理") is None
    browser.get(members_url("cj-yushan"), status=403)
    for url in ("/manage", "/manage/@@contents", "/manage/principals/users/@@contents"):
        page = browser.get(url, status=403)
        assert page.html.find("h1").text == "无权访问"
        assert "your account is not permitted" not in page.text
        assert "ys.admin" not in page.text


# The first-start loader


def test_bring_up_to_date_again_duplicates_nothing_and_loses_nothing(app):
    before = site_counts(app)
    assert before["units"] == 27
    assert before["p"] > 0 and before["g"] > 0 and before["g2"] > 27
    bring_up_to_date(app.registry)
    assert site_counts(app) == before


def test_changed_unit_name_is_updated_on_the_next_load(app, tmp_path):
    before = site_counts(app)
    directory = tmp_path / "tenants"
    shutil.copytree(app.registry.settings["portal.tenants_dir"], directory)
    district = directory / "changjiang.toml"
    district.write_text(
        district.read_text(encoding="utf-8").replace('name = "鱼山镇"', 'name = "鱼山镇人民政府"'),
        encoding="utf-8",
    )
    app.registry.settings["portal.tenants_dir"] = str(directory)
    bring_up_to_date(app.registry)
    assert unit_title(app, "cj-yushan") == "鱼山镇人民政府"
    assert site_counts(app) == before
