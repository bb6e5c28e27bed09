"""Separation of duties on the members page.

The 区司法局's unit admin could grant themselves 督查 and read every unit. Now nobody grants or
revokes their own roles, and 督查 (a role reaching beyond one unit) is granted by a portal admin only.
"""

import transaction

from portal.security.names import membership_row

MEMBERS = "/tenants/{}/@@members"


def post(browser, unit, **fields):
    token = browser.csrf_token()
    return browser.post(MEMBERS.format(unit), {"csrf_token": token, **fields})


def grant(browser, unit, login, role):
    return post(browser, unit, grant="1", login=login, role=role)


def revoke(browser, unit, login, role):
    return post(browser, unit, revoke="1", login=login, role=role).follow()


def holds(root, login, role, unit):
    transaction.begin()
    return root.policy_store.contains("g", membership_row(login, role, unit))


def test_a_unit_admin_cannot_grant_themselves_supervision(browser, root):
    browser.login("sfj.admin")
    page = grant(browser, "cj-sfj", "sfj.admin", "supervisor")
    assert "不能更改自己的角色或成员身份" in page.text
    assert not holds(root, "sfj.admin", "supervisor", "cj-sfj")
    # Nor through the form's choices, nor any other role of their own.
    page = grant(browser, "cj-sfj", "sfj.admin", "leader")
    assert "不能更改自己的角色或成员身份" in page.text
    assert not holds(root, "sfj.admin", "leader", "cj-sfj")
    # And they still read no other unit.
    browser.get("/tenants/cj-yushan/", status=403)


def test_only_a_portal_admin_grants_supervision(browser_factory, root):
    unit_admin = browser_factory()
    unit_admin.login("sfj.admin")
    page = grant(unit_admin, "cj-sfj", "ys.officer", "supervisor")
    assert "“督查”角色可查看所有单位的事项，只能由系统管理员授予" in page.text
    assert not holds(root, "ys.officer", "supervisor", "cj-sfj")
    assert not holds(root, "ys.officer", "member", "cj-sfj")

    # A new person with 督查 ticked: refused, and nobody is left behind.
    form = unit_admin.get(MEMBERS.format("cj-sfj")).forms["new-person"]
    form["login"] = "sfj.helper"
    form["display_name"] = "协助者"
    form.set("password", "password-123", index=0)
    form.set("password-confirm", "password-123", index=0)
    fields = form.submit_fields("add_person")
    fields.insert(fields.index(("__start__", "roles:sequence")) + 1, ("checkbox", "supervisor"))
    page = unit_admin.post(MEMBERS.format("cj-sfj"), fields)
    assert "只能由系统管理员授予" in page.text
    transaction.begin()
    assert "sfj.helper" not in root["principals"]["users"]

    # Other roles the unit admin still grants to others.
    page = grant(unit_admin, "cj-sfj", "ys.officer", "officer").follow()
    assert "已授予 ys.officer “执法人员”角色" in page.text

    admin = browser_factory()
    admin.login("admin", "admin12345")
    page = grant(admin, "cj-sfj", "sfj.admin", "supervisor").follow()
    assert "已授予 sfj.admin “督查”角色" in page.text
    assert holds(root, "sfj.admin", "supervisor", "cj-sfj")
    # A unit admin may still take 督查 away from someone else.
    page = revoke(unit_admin, "cj-sfj", "sfj.supervisor", "supervisor")
    assert "已撤销 sfj.supervisor 的“督查”角色" in page.text


def test_nobody_revokes_their_own_roles_or_leaves_by_themselves(browser, root):
    browser.login("ys.admin")
    page = browser.get(MEMBERS.format("cj-yushan"))
    own = page.html.find("tr", {"data-login": "ys.admin"})
    assert own.find("button") is None and "本人" in own.text
    for role in ("unit_admin", "member"):
        page = revoke(browser, "cj-yushan", "ys.admin", role)
        assert "不能更改自己的角色或成员身份" in page.text
        assert holds(root, "ys.admin", role, "cj-yushan")


def test_a_portal_admin_grants_others_but_not_themselves(browser, root):
    browser.login("admin", "admin12345")
    page = grant(browser, "cj-yushan", "admin", "officer")
    assert "不能更改自己的角色或成员身份" in page.text
    assert not holds(root, "admin", "officer", "cj-yushan")
    page = grant(browser, "cj-yushan", "ys.deputy", "liaison").follow()
    assert "已授予 ys.deputy “联系人”角色" in page.text


def test_the_members_page_offers_supervision_to_portal_admins_only(browser_factory):
    unit_admin, portal_admin = browser_factory(), browser_factory()
    unit_admin.login("sfj.admin")
    portal_admin.login("admin", "admin12345")
    for browser, offered in ((unit_admin, False), (portal_admin, True)):
        page = browser.get(MEMBERS.format("cj-sfj"))
        choices = [option["value"] for option in page.html.select("#grant-role select option")]
        boxes = [box["value"] for box in page.html.select("#new-person input[type=checkbox]")]
        assert "liaison" in choices and "liaison" in boxes
        assert ("supervisor" in choices, "supervisor" in boxes) == (offered, offered)
