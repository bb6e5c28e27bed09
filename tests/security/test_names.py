"""Name spaces: a login named after a role, a kind, a unit or the pseudo-unit gains nothing by it.

Casbin's role manager counts every name as holding itself. Before the rows had name spaces, a
person whose login was ``unit_admin``, created with no role by any unit admin, managed that unit's
members; one named ``supervisor`` in the 区司法局 read every unit; one named ``admin`` was a portal
admin. Each such person is made here the way an attacker would (on the members page wherever the
login pattern allows it) and shown the pages that need a role.
"""

import pytest
import transaction

from portal.people import add_person, grant
from portal.security.names import membership_row
from tests.conftest import Browser

#: Logins spelled like every role, kind and the pseudo-unit, and like unit codes.
ROLE_NAMES = ["member", "leader", "deputy", "liaison", "officer", "unit_admin", "supervisor"]
OTHER_NAMES = ["portal", "portal.all", "cj-yushan", "cj-sfj", "cj-scjgj", "supervisor.x"]
#: Not valid logins (``:`` is refused by the login pattern): made directly, as an old site may hold.
SPACED_NAMES = ["kind:unit", "kind:supervisor", "unit:cj-yushan", "role:unit_admin", "portal:all"]
REFUSED = ["/@@policy", "/tenants/cj-yushan/@@members", "/tenants/cj-sfj/@@members", "/tenants/cj-scjgj/"]


def create_on_members_page(app, unit, login):
    """The unit's admin creates ``login`` as a plain member of ``unit`` (no role ticked)."""
    admin = Browser(app)
    admin.login({"cj-yushan": "ys.admin", "cj-sfj": "sfj.admin"}[unit])
    form = admin.get(f"/tenants/{unit}/@@members").forms["new-person"]
    form["login"] = login
    form["display_name"] = "同名者"
    form.set("password", "password-123", index=0)
    form.set("password-confirm", "password-123", index=0)
    page = form.submit("add_person").follow()
    assert f"已新建人员 同名者（{login}）并加入本单位" in page.text


def assert_gains_nothing(app, login):
    person = Browser(app)
    person.login(login, "password-123")
    for path in REFUSED:
        person.get(path, status=403)
    page = person.get("/manage/@@contents", status="*")
    assert page.status_int in (302, 403) or "form.submitted" in page.text
    assert "sdi_title" not in person.get("/manage/@@properties", status="*").text
    nav = person.get("/").html.find("nav").get_text()
    assert "成员与角色" not in nav and "权限规则" not in nav


@pytest.mark.parametrize("login", ROLE_NAMES + OTHER_NAMES)
@pytest.mark.parametrize("unit", ["cj-yushan", "cj-sfj"])
def test_a_login_named_like_a_role_or_unit_gains_nothing(app, login, unit):
    create_on_members_page(app, unit, login)
    assert_gains_nothing(app, login)


def test_a_person_named_admin_is_no_portal_admin(app, root):
    """On a site whose first portal admin has another login, a unit admin creates ``admin``."""
    transaction.begin()
    root.policy_store.remove_filtered("g", 0, "user:admin")
    root["principals"]["users"].remove("admin")
    add_person(root, "root", "root-password", "系统管理员", registry=app.registry)
    grant(root.policy_store, "root", "admin", "portal")
    transaction.commit()
    create_on_members_page(app, "cj-yushan", "admin")
    assert_gains_nothing(app, "admin")
    # The real portal admin still is one.
    real = Browser(app)
    real.login("root", "root-password")
    assert real.get("/@@policy").html.h1.text == "权限规则"


@pytest.mark.parametrize("login", SPACED_NAMES)
def test_names_written_with_a_name_space_gain_nothing_either(app, root, login):
    """``:`` is not in the login pattern; were such a login in the users folder, it is still a person."""
    transaction.begin()
    add_person(root, login, "password-123", "同名者", registry=app.registry)
    root.policy_store.add("g", membership_row(login, "member", "cj-yushan"))
    transaction.commit()
    assert_gains_nothing(app, login)


def test_the_login_pattern_refuses_a_name_space(app):
    admin = Browser(app)
    admin.login("ys.admin")
    form = admin.get("/tenants/cj-yushan/@@members").forms["new-person"]
    form["login"] = "role:unit_admin"
    form["display_name"] = "伪造"
    form.set("password", "password-123", index=0)
    form.set("password-confirm", "password-123", index=0)
    page = form.submit("add_person")
    assert "登录名只能由字母、数字、点、横线、下划线组成" in page.text


def test_rows_name_every_name_in_its_space(root):
    """Every stored row, of every ptype, says what each of its names is."""
    store = root.policy_store
    for name, role, dom in store.rows("g"):
        assert name.startswith("user:") and role.startswith("role:")
        assert dom.startswith("unit:") or dom == "portal:all"
    for unit, kind in store.rows("g2"):
        assert unit.startswith(("unit:", "kind:")) and kind.startswith("kind:")
    for sub, dom, *_ in store.rows("p"):
        assert sub.startswith(("role:", "user:"))
        assert dom.startswith(("kind:", "unit:")) or dom == "portal:all"
    assert ["user:admin", "role:admin", "portal:all"] in store.rows("g")
    assert ["unit:cj-sfj", "kind:supervisor"] in store.rows("g2")
