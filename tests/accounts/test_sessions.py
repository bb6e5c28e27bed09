"""Sessions: tickets the server ends, timeouts, cookie flags, logout by POST, bounded flash messages."""

from webtest import TestApp

from ..conftest import Browser, close_app, make_app

LOGIN_PAGE = "/login?came_from=/"


def logged_in(browser):
    response = browser.get("/", status="*")
    return response.status_int == 200


def copy_of_cookies(app, browser):
    """Someone who copied the browser's cookies (from a shared computer, a proxy log, malware)."""
    thief = Browser(app)
    for name, value in browser.cookies.items():
        thief.set_cookie(name, value)
    return thief


def set_cookie_headers(response):
    return [value for name, value in response.headerlist if name.lower() == "set-cookie"]


def login_response(browser, login, password="demo12345"):
    form = browser.get("/login").forms["login-form"]
    form["login"] = login
    form["password"] = password
    return form.submit("submit", status=302)


def test_a_copied_cookie_stops_working_at_logout(app, browser):
    browser.login("ys.officer")
    thief = copy_of_cookies(app, browser)
    assert logged_in(thief)
    page = browser.logout()
    assert page.request.path == "/login"
    assert "您已退出登录" in page.text
    assert not logged_in(browser)
    assert thief.get("/", status=302).location.endswith(LOGIN_PAGE)


def test_logging_out_on_one_computer_leaves_the_others_logged_in(app, browser_factory):
    office, home = browser_factory(), browser_factory()
    office.login("ys.officer")
    home.login("ys.officer")
    office.logout()
    assert logged_in(home)


def test_a_link_or_image_to_logout_does_not_log_anyone_out(browser):
    browser.login("ys.officer")
    page = browser.get("/logout", status=200)
    assert "确定要退出登录吗" in page.text
    assert logged_in(browser)
    # A forged POST from another site carries no CSRF token.
    browser.post("/logout", {}, status=400)
    assert logged_in(browser)
    # The header's 退出 is a button posting the token.
    form = browser.get("/").html.select_one("form.portal-logout-form")
    assert form["method"] == "post" and form.select_one("input[name=csrf_token]")["value"]


def test_logout_page_for_someone_not_logged_in_goes_to_login(browser):
    assert browser.get("/logout", status=302).location.endswith("/login")


def test_cookies_are_httponly_samesite_and_for_this_host_only(browser):
    response = login_response(browser, "ys.officer")
    headers = set_cookie_headers(response)
    assert any(header.startswith("auth_tkt=") for header in headers)
    assert any(header.startswith("session=") for header in headers)
    for header in headers:
        lowered = header.lower()
        assert "httponly" in lowered, header
        assert "samesite=lax" in lowered, header
        assert "domain=" not in lowered, header
        assert "secure" not in lowered, header  # development runs on plain http


def test_production_setting_marks_every_cookie_secure(site_dir):
    app = make_app(site_dir, **{"portal.secure_cookies": "true"})
    try:
        browser = Browser(app, extra_environ={"wsgi.url_scheme": "https", "HTTP_HOST": "portal.example"})
        headers = set_cookie_headers(login_response(browser, "ys.officer"))
        assert headers and all("; secure" in header.lower() for header in headers)
    finally:
        close_app(app)


def test_an_idle_session_ends_and_an_active_one_is_kept(browser, clock):
    browser.login("ys.officer")
    for _ in range(6):  # an hour of work, a page every 10 minutes: the ticket is renewed
        clock.advance(10 * 60)
        assert logged_in(browser)
    clock.advance(31 * 60)  # away for longer than the idle timeout (30 minutes)
    assert browser.get("/", status=302).location.endswith(LOGIN_PAGE)


def test_even_an_active_session_ends_after_the_longest_session(browser, clock):
    browser.login("ys.officer")
    for _ in range(12 * 4 - 1):
        clock.advance(15 * 60)
        assert logged_in(browser)
    clock.advance(16 * 60)  # 12 hours and a minute after logging in
    assert not logged_in(browser)
    browser.login("ys.officer")
    assert logged_in(browser)


def test_removal_from_the_last_unit_ends_the_persons_sessions(browser_factory):
    deputy = browser_factory()
    deputy.login("ys.deputy")
    scj_officer = browser_factory()
    scj_officer.login("scj.officer")

    admin = browser_factory()
    admin.login("ys.admin")
    page = admin.get("/tenants/cj-yushan/@@members")
    grant = page.forms["grant-role"]
    grant["login"] = "scj.officer"
    grant["role"] = "member"
    grant.submit("grant").follow()

    def remove(login):
        page = admin.get("/tenants/cj-yushan/@@members")
        form = [
            f
            for f in page.forms.values()
            if "revoke" in f.fields and f["login"].value == login and f["role"].value == "member"
        ][0]
        return form.submit("revoke").follow()

    # Still a member of 区市监局: their sessions go on.
    page = remove("scj.officer")
    assert "已将 scj.officer 移出本单位" in page.text and "登录已失效" not in page.text
    assert logged_in(scj_officer)
    # In no unit any more: logged out everywhere, at once.
    page = remove("ys.deputy")
    assert "已将 ys.deputy 移出本单位；该人员已不属于任何单位，其登录已失效" in page.text
    assert deputy.get("/", status=302).location.endswith(LOGIN_PAGE)


def test_many_posts_whose_pages_are_never_loaded_never_end_in_an_error(browser):
    """Each POST commits and flashes a message; a script (or an impatient person) never loads the
    next page. Before, the messages piled up in the cookie until a POST committed and then failed."""
    browser.login("ys.admin")
    token = browser.csrf_token()
    for number in range(40):
        role = ("officer", "liaison")[number % 2]
        browser.post(
            "/tenants/cj-yushan/@@members",
            {"csrf_token": token, "login": "scj.officer", "role": role, "grant": "1"},
            status=302,
        )
        browser.post("/switch-unit", {"unit": "cj-elsewhere", "csrf_token": token}, status=302)
    page = browser.get("/tenants/cj-yushan/@@members", status=200)
    assert 1 <= len(page.html.select(".alert-info")) <= 5
    assert 1 <= len(page.html.select(".alert-danger")) <= 5
    assert len(browser.cookies["session"]) < 4000


def test_a_session_that_would_outgrow_its_cookie_drops_its_messages_instead_of_failing(app):
    from pyramid.request import Request
    from pyramid.response import Response

    from portal.people.auth import FLASH_KEEP, FLASH_MAX_CHARS

    factory = app.registry.queryUtility(__import__("pyramid.interfaces").interfaces.ISessionFactory)
    request = Request.blank("/")
    session = factory(request)
    token = session.get_csrf_token()
    session.flash("很长的消息" * 1000)
    assert len(session.peek_flash()[0]) == FLASH_MAX_CHARS
    for number in range(20):
        session.flash(f"消息 {number}")
    assert session.peek_flash() == [f"消息 {number}" for number in range(20 - FLASH_KEEP, 20)]
    for queue in range(30):  # many queues (the back office has its own) filled to the brim
        for _ in range(FLASH_KEEP):
            session.flash("长" * FLASH_MAX_CHARS, f"queue-{queue}")
    response = Response()
    session._set_cookie(response)
    cookie = response.headers["Set-Cookie"]
    assert len(cookie) < 4096
    restored = factory(Request.blank("/", headers={"Cookie": cookie.split(";")[0]}))
    assert restored.get_csrf_token() == token


def test_the_back_office_logout_link_does_not_log_out_by_get(browser):
    browser.login("admin", "admin12345")
    assert browser.get("/manage/@@logout", status=302).location.endswith("/logout")
    assert logged_in(browser)


def test_the_back_office_login_form_leads_to_the_throttled_portal_login(app):
    browser = TestApp(app)
    response = browser.post(
        "/manage/@@login", {"login": "admin", "password": "admin12345", "form.submitted": "1"}, status=302
    )
    assert "/login" in response.location
    assert "auth_tkt" not in browser.cookies
