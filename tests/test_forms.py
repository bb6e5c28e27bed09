"""The portal's forms as a browser receives them: no stray autofocus, no two fields with one id."""

import re


def test_choice_lists_do_not_steal_the_focus(browser):
    browser.login("scj.officer")
    page = browser.get("/tenants/cj-scjgj/@@new-regulation")
    # deform 2.0.15 wrote autofocus="False" on every choice but the first; browsers focus the last.
    assert 'autofocus="False"' not in page.text
    assert page.html.find_all("input", {"type": "checkbox"}), "the recipients are a checkbox list"


def test_members_page_has_two_forms_with_distinct_field_ids(browser):
    browser.login("ys.admin")
    page = browser.get("/tenants/cj-yushan/@@members")
    ids = re.findall(r'id="(deformField[0-9-]+)"', page.text)
    assert len(ids) > 5
    assert len(ids) == len(set(ids))
    assert "autofocus" not in page.text


def test_the_members_link_shows_only_to_those_who_may_open_the_page(browser_factory):
    officer, admin = browser_factory(), browser_factory()
    assert "成员与角色" not in officer.login("ys.officer").html.find("nav").get_text()
    assert "成员与角色" in admin.login("ys.admin").html.find("nav").get_text()


def test_a_refused_role_on_a_new_person_creates_nobody(browser, root):
    """A crafted POST asking for a role the unit does not have: refused, and no login left behind."""
    browser.login("ys.admin")
    form = browser.get("/tenants/cj-yushan/@@members").forms["new-person"]
    form["login"] = "crafted.person"
    form["display_name"] = "伪造角色"
    form.set("password", "password-123", index=0)
    form.set("password-confirm", "password-123", index=0)
    fields = form.submit_fields("add_person")
    start = fields.index(("__start__", "roles:sequence"))
    fields.insert(start + 1, ("checkbox", "supervisor"))
    page = browser.post("/tenants/cj-yushan/@@members", fields)
    assert "本单位没有“督查”这一角色" in page.text
    import transaction

    transaction.begin()
    assert "crafted.person" not in root["principals"]["users"]
    assert (
        browser.get("/tenants/cj-yushan/@@members").html.find("tr", {"data-login": "crafted.person"}) is None
    )
