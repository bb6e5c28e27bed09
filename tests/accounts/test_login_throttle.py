"""Guessing passwords: slowed after a few failures, then locked, per login and per address."""

import time

from ..conftest import Browser, close_app, make_app
from .conftest import audit_actions

LOCKED = "该登录名因连续多次输入错误的密码已被锁定"


def try_login(browser, login, password):
    """One attempt on the login form; the page's error message, or None when it let the person in."""
    form = browser.get("/login").forms["login-form"]
    form["login"] = login
    form["password"] = password
    response = form.submit("submit")
    if response.status_int == 302:
        return None
    return response.html.select_one("#login-error").text.strip()


def guess(browser, clock, login, times):
    """Wrong passwords one after another, each after the wait the portal asks for."""
    messages = []
    for attempt in range(times):
        messages.append(try_login(browser, login, f"guess-{attempt}"))
        clock.advance(61)
    return messages


def test_the_right_password_after_ten_wrong_ones_no_longer_gets_in(browser, clock, root):
    messages = guess(browser, clock, "ys.officer", 10)
    assert messages[:9] == ["登录名或密码不正确，请重新输入"] * 9
    assert messages[9] == "登录名或密码不正确，请重新输入"
    # The 11th try, with the right password, is refused without being checked.
    message = try_login(browser, "ys.officer", "demo12345")
    assert message.startswith(LOCKED) and "请本单位管理员解除锁定" in message
    assert browser.get("/", status=302).location.endswith("/login?came_from=/")
    actions = audit_actions(root)
    assert actions.count(("login_failed", "ys.officer")) == 10
    assert ("login_locked", "ys.officer") in actions


def test_quick_retries_after_three_failures_are_asked_to_wait(browser, clock):
    for attempt in range(3):
        assert try_login(browser, "ys.officer", f"wrong-{attempt}") == "登录名或密码不正确，请重新输入"
    # A fourth try at once, even with the right password, waits; the wait doubles each failure.
    assert try_login(browser, "ys.officer", "demo12345") == "密码输入错误次数较多，请 1 秒后再试"
    clock.advance(1.5)
    assert try_login(browser, "ys.officer", "wrong-3") == "登录名或密码不正确，请重新输入"
    assert try_login(browser, "ys.officer", "demo12345") == "密码输入错误次数较多，请 2 秒后再试"
    clock.advance(2.5)
    # The right password after the wait gets in, and the run of failures starts again from zero.
    assert try_login(browser, "ys.officer", "demo12345") is None
    browser.logout()
    assert try_login(browser, "ys.officer", "wrong-again") == "登录名或密码不正确，请重新输入"
    assert try_login(browser, "ys.officer", "demo12345") is None


def test_the_lock_ends_by_itself_after_the_lock_time(browser, clock):
    guess(browser, clock, "ys.officer", 10)
    clock.advance(27 * 60)
    assert try_login(browser, "ys.officer", "demo12345").startswith(LOCKED)
    clock.advance(3 * 60)
    assert try_login(browser, "ys.officer", "demo12345") is None


def test_unknown_logins_are_locked_alike_so_locks_reveal_nothing(browser, clock):
    messages = guess(browser, clock, "no.such.person", 10)
    assert messages == ["登录名或密码不正确，请重新输入"] * 10
    assert try_login(browser, "no.such.person", "x").startswith(LOCKED)
    # Another person is not affected.
    assert try_login(browser, "ys.officer", "demo12345") is None


def test_unit_admin_unlocks_a_member_of_their_unit(browser_factory, clock, root):
    officer = browser_factory()
    guess(officer, clock, "ys.officer", 10)

    other_admin = browser_factory()
    other_admin.login("scj.admin")
    # Another unit's admin cannot reach the member's unlock button, nor post to it.
    other_admin.get("/tenants/cj-yushan/@@members", status=403)
    token = other_admin.csrf_token()
    other_admin.post(
        "/tenants/cj-yushan/@@members",
        {"csrf_token": token, "login": "ys.officer", "unlock": "1"},
        status=403,
    )
    # Nor can they unlock them from their own unit's page: not a member there.
    page = other_admin.post(
        "/tenants/cj-scjgj/@@members", {"csrf_token": token, "login": "ys.officer", "unlock": "1"}
    ).follow()
    assert "该人员不是本单位成员" in page.text
    assert try_login(officer, "ys.officer", "demo12345").startswith(LOCKED)

    admin = browser_factory()
    page = admin.login("ys.admin")
    page = admin.get("/tenants/cj-yushan/@@members")
    row = page.html.select_one("tr[data-login='ys.officer']")
    assert "登录已锁定" in row.text
    assert page.html.select_one("tr[data-login='ys.leader']").select_one(".portal-locked") is None
    form = [f for f in page.forms.values() if "unlock" in f.fields and f["login"].value == "ys.officer"][0]
    page = form.submit("unlock").follow()
    assert "已解除 ys.officer 的登录锁定" in page.text
    assert "登录已锁定" not in page.text

    assert try_login(officer, "ys.officer", "demo12345") is None
    assert ("login_unlocked", "ys.officer") in audit_actions(root)


def test_portal_admin_unlocks_anyone_on_the_locked_logins_page(browser_factory, clock):
    guesser = browser_factory()
    guess(guesser, clock, "no.such.person", 10)
    guess(guesser, clock, "jcy.liaison", 10)
    officer = browser_factory()
    officer.login("ys.officer")
    officer.get("/@@locked-logins", status=403)
    assert officer.get("/").html.find("a", string="登录锁定") is None

    admin = browser_factory()
    home = admin.login("admin", "admin12345")
    page = admin.get(home.html.find("a", string="登录锁定")["href"])
    assert {row["data-login"] for row in page.html.select("#locked-logins tr[data-login]")} == {
        "no.such.person",
        "jcy.liaison",
    }
    form = [f for f in page.forms.values() if f.fields.get("login") and f["login"].value == "jcy.liaison"][0]
    page = form.submit().follow()
    assert "已解除 jcy.liaison 的登录锁定" in page.text
    assert try_login(guesser, "jcy.liaison", "demo12345") is None


def test_one_address_trying_many_logins_is_paused(site_dir, monkeypatch):
    from portal.people import auth

    moment = [time.time()]
    monkeypatch.setattr(auth, "now", lambda: moment[0])
    app = make_app(site_dir, **{"portal.login_address_lock_after": "5"})
    try:
        attacker = Browser(app, extra_environ={"REMOTE_ADDR": "203.0.113.9"})
        colleague = Browser(app, extra_environ={"REMOTE_ADDR": "198.51.100.7"})
        for login in ("ys.leader", "ys.deputy", "ys.liaison", "ys.officer", "ys.admin"):
            assert try_login(attacker, login, "wrong") == "登录名或密码不正确，请重新输入"
        # Each login failed once only, yet the address is paused, even for a right password.
        message = try_login(attacker, "scj.officer", "demo12345")
        assert message.startswith("本机登录失败次数过多，已暂停登录")
        # Other addresses log in as usual.
        assert try_login(colleague, "scj.officer", "demo12345") is None
        moment[0] += 31 * 60
        assert try_login(attacker, "scj.officer", "demo12345") is None
    finally:
        close_app(app)


def test_concurrent_failures_on_one_login_merge_instead_of_conflicting():
    """Two requests each count a failure on the same login's record: both count."""
    from portal.people.auth import Attempts

    old = {"failures": 2, "last": 10.0, "locked_until": 0.0}
    committed = {"failures": 3, "last": 11.0, "locked_until": 0.0}
    new = {"failures": 3, "last": 12.0, "locked_until": 0.0}
    assert Attempts()._p_resolveConflict(old, committed, new) == {
        "failures": 4,
        "last": 12.0,
        "locked_until": 0.0,
    }
    # An unlock on one side and a failure on the other: the lock stays lifted.
    old = {"failures": 10, "last": 10.0, "locked_until": 99.0}
    committed = {"failures": 0, "last": 10.0, "locked_until": 0.0}
    new = {"failures": 11, "last": 12.0, "locked_until": 99.0}
    assert Attempts()._p_resolveConflict(old, committed, new)["locked_until"] == 0.0


def test_simultaneous_failed_logins_commit_without_conflicts(app):
    """Two processes record failures at once (same login, other logins, the audit trail): both commit."""
    import transaction

    from portal.people.auth import Attempts

    db = app.registry._zodb_databases[""]
    managers = [transaction.TransactionManager() for _ in range(2)]
    connections = [db.open(transaction_manager=manager) for manager in managers]
    try:
        site = connections[0].root()["app_root"]
        site.login_state.logins["ys.officer"] = Attempts()
        site.login_state.addresses["198.51.100.7"] = Attempts()
        managers[0].commit()
        sites = [connection.root()["app_root"] for connection in connections]
        for manager in managers:
            manager.begin()
        for number, site in enumerate(sites):
            attempts = site.login_state.logins["ys.officer"]
            attempts.failures += 1
            attempts.last = 100.0 + number
            site.login_state.logins[f"guess-{number}"] = Attempts()
            site.login_state.addresses[f"203.0.113.{number}"] = Attempts()
            site.audit_trail.append(None, ("login_failed", number))
        managers[0].commit()
        managers[1].commit()  # no ConflictError
        managers[0].begin()
        attempts = sites[0].login_state.logins["ys.officer"]
        assert (attempts.failures, attempts.last) == (2, 101.0)
        assert {"guess-0", "guess-1"} <= set(sites[0].login_state.logins)
    finally:
        for manager, connection in zip(managers, connections, strict=True):
            manager.abort()
            connection.close()
