"""The policy page: the portal admin reads, adds and removes rows, with effect; everyone else is refused."""

import pytest
import transaction

ADMIN = ("admin", "admin12345")
OFFICER_MANAGES = ["role:officer", "kind:township", "owner", "tenant", "manage_members"]
UNIT_ADMIN_MANAGES = ["role:unit_admin", "kind:unit", "owner", "tenant", "manage_members"]
ADMIN_ROW = ["role:admin", "portal:all", "*", "*", "*"]
FIELDS = ("role", "domain", "relation", "item_type", "action")


def shown_rows(page):
    """The rows of the policy table, as the codes shown in each cell."""
    return [
        [cell.code.text for cell in row.find_all("td")[:5]]
        for row in page.html.select("#policy-rows tbody tr")
    ]


def rule(row):
    """A row as the fields of the add and remove forms."""
    return dict(zip(FIELDS, row, strict=True))


def fill_rule(form, row):
    for field, value in rule(row).items():
        form[field] = value


def remove_form(page, row):
    """The remove button's form of ``row`` on the policy page."""
    for form in page.forms.values():
        if "remove" in form.fields and [form[field].value for field in FIELDS] == row:
            return form
    raise AssertionError(f"no remove button for {row}")


def stored_rows(root):
    transaction.begin()
    return root.policy_store.rows("p")


@pytest.fixture
def admin(browser_factory):
    browser = browser_factory()
    browser.login(*ADMIN)
    return browser


def test_admin_sees_every_row_explained_and_the_nav_link(admin, root):
    home = admin.get("/")
    assert home.html.find("a", string="权限规则")["href"].endswith("/@@policy")
    page = admin.get("/@@policy")
    assert page.html.h1.text == "权限规则"
    assert shown_rows(page) == stored_rows(root)
    assert ADMIN_ROW in shown_rows(page)
    assert "持有<strong>角色</strong>的人员" in page.text
    cells = page.html.select("#policy-rows tbody tr")[shown_rows(page).index(UNIT_ADMIN_MANAGES)]
    assert [span.text for span in cells.select("span.text-muted")] == [
        "单位管理员",
        "所有单位",
        "本单位的（本单位创建，或本单位自身）",
        "单位页面",
        "管理成员与角色",
    ]


def test_added_row_is_in_force_at_once(admin, browser_factory, root):
    officer = browser_factory()
    officer.login("ys.officer")
    officer.get("/tenants/cj-yushan/@@members", status=403)

    form = admin.get("/@@policy").forms["add-rule"]
    fill_rule(form, [" officer", "kind:township", "owner", "tenant", "manage_members "])
    page = form.submit("add").follow()
    assert "已添加规则：role:officer，kind:township，owner，tenant，manage_members" in page.text
    assert shown_rows(page)[-1] == OFFICER_MANAGES
    assert stored_rows(root)[-1] == OFFICER_MANAGES

    assert officer.get("/tenants/cj-yushan/@@members").forms["grant-role"]
    officer.get("/tenants/cj-scjgj/@@members", status=403)
    entry = root.audit_trail.latest(1)[0][1]
    assert (entry.action, entry.login, entry.details["row"]) == ("policy_add", "admin", OFFICER_MANAGES)


def test_removed_row_is_no_longer_in_force(admin, browser_factory, root):
    unit_admin = browser_factory()
    unit_admin.login("ys.admin")
    unit_admin.get("/tenants/cj-yushan/@@members", status=200)

    page = remove_form(admin.get("/@@policy"), UNIT_ADMIN_MANAGES).submit("remove").follow()
    assert "已删除规则：role:unit_admin，kind:unit，owner，tenant，manage_members" in page.text
    assert UNIT_ADMIN_MANAGES not in shown_rows(page)
    assert UNIT_ADMIN_MANAGES not in stored_rows(root)
    unit_admin.get("/tenants/cj-yushan/@@members", status=403)

    page = remove_form(admin.get("/@@policy"), ADMIN_ROW).submit("remove").follow()
    assert "不能删除这条规则：删除后将没有人能够管理权限规则" in page.text
    assert ADMIN_ROW in stored_rows(root)


def test_invalid_rows_get_chinese_messages_and_keep_what_was_typed(admin, root):
    before = stored_rows(root)
    form = admin.get("/@@policy").forms["add-rule"]
    fill_rule(form, ["officer", "kind:township", "owner,recipient", "", "view"])
    page = form.submit("add", status=200)
    assert "关系不能包含逗号" in page.text
    assert "请填写事项类型" in page.text
    form = page.forms["add-rule"]
    assert [form[field].value for field in FIELDS] == [
        "officer",
        "kind:township",
        "owner,recipient",
        "",
        "view",
    ]

    fill_rule(form, ["officer", "kind:town ship", "owner", "tenant", "view"])
    assert "适用单位不能包含空格" in form.submit("add", status=200).text

    fill_rule(form, ["member", "kind:unit", "owner", "tenant", "view"])
    page = form.submit("add", status=200)
    assert page.html.select_one("#rule-error").text == "这条规则已经存在，无需重复添加"
    assert page.forms["add-rule"]["role"].value == "role:member"
    assert stored_rows(root) == before


@pytest.mark.parametrize("login", ["ys.admin", "sfj.supervisor", "ys.officer"])
def test_everyone_but_the_portal_admin_is_refused_even_with_crafted_posts(browser, root, login):
    before = stored_rows(root)
    browser.login(login)
    assert browser.get("/").html.find("a", string="权限规则") is None
    browser.get("/@@policy", status=403)
    token = browser.csrf_token()
    added = rule(["member", "kind:unit", "*", "*", "*"])
    removed = rule(UNIT_ADMIN_MANAGES)
    browser.post("/@@policy", {"csrf_token": token, "add": "1", **added}, status=403)
    browser.post("/@@policy", {"csrf_token": token, "remove": "1", **removed}, status=403)
    assert stored_rows(root) == before


def test_policy_change_without_csrf_token_is_refused(admin, root):
    before = stored_rows(root)
    admin.post("/@@policy", {"remove": "1", **rule(UNIT_ADMIN_MANAGES)}, status=400)
    admin.post("/@@policy", {"add": "1", **rule(OFFICER_MANAGES)}, status=400)
    assert stored_rows(root) == before


def test_anonymous_people_are_sent_to_the_login_page(browser):
    assert "/login?came_from=/@@policy" in browser.get("/@@policy", status=302).location


def test_plain_names_are_saved_in_their_name_spaces_and_shown_in_chinese(admin, root):
    form = admin.get("/@@policy").forms["add-rule"]
    fill_rule(form, ["officer", "cj-yushan", "owner", "tenant", "manage_members"])
    page = form.submit("add").follow()
    row = ["role:officer", "unit:cj-yushan", "owner", "tenant", "manage_members"]
    assert stored_rows(root)[-1] == row
    cells = page.html.select("#policy-rows tbody tr")[shown_rows(page).index(row)]
    assert [span.text for span in cells.select("span.text-muted")][:2] == ["执法人员", "鱼山镇"]

    form = page.forms["add-rule"]
    fill_rule(form, ["user:ys.officer", "portal", "none", "policy", "view"])
    page = form.submit("add").follow()
    assert stored_rows(root)[-1] == ["user:ys.officer", "portal:all", "none", "policy", "view"]
    cells = page.html.select("#policy-rows tbody tr")[-1]
    assert [span.text for span in cells.select("span.text-muted")][:2] == [
        "人员 鱼山镇执法人员",
        "系统管理（在所有单位）",
    ]

    before = stored_rows(root)
    form = page.forms["add-rule"]
    fill_rule(form, ["kind:township", "*", "owner", "tenant", "view"])
    page = form.submit("add", status=200)
    assert "角色应为角色名" in page.text
    assert "适用单位不能为 *" in page.text
    fill_rule(page.forms["add-rule"], ["officer", "role:officer", "owner", "tenant", "view"])
    assert "适用单位应为单位类别" in page.forms["add-rule"].submit("add", status=200).text
    assert stored_rows(root) == before
