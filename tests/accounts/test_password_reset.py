"""Password reset by mail, and logins that reveal nothing about which logins exist."""

import email
import time

from .conftest import audit_actions

SENT = "如果该登录名存在并登记了电子邮箱，重置密码的链接已发往该邮箱"


def ask_for_reset(browser, login):
    page = browser.get("/login").click("忘记密码？")
    form = page.forms["reset-request"]
    form["login"] = login
    return form.submit("send", status=200)


def mails(mail_dir):
    if not mail_dir.exists():
        return []
    return [email.message_from_bytes(path.read_bytes()) for path in sorted(mail_dir.iterdir())]


def body_of(message):
    return message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")


def reset_link(message):
    for word in body_of(message).split():
        if "/reset-password/" in word:
            return word.split("localhost", 1)[1]
    raise AssertionError("no link in the mail")


def timed(action):
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def test_reset_answers_alike_for_real_and_unknown_logins(browser, mail_dir):
    real = ask_for_reset(browser, "ys.officer")
    unknown = ask_for_reset(browser, "no.such.person")
    assert SENT in real.html.select_one("#reset-sent").text
    assert real.html.select_one("#reset-sent").text == unknown.html.select_one("#reset-sent").text
    assert len(mails(mail_dir)) == 1
    # And after about the same time.
    real_time = min(timed(lambda: ask_for_reset(browser, "ys.leader")) for _ in range(3))
    unknown_time = min(timed(lambda: ask_for_reset(browser, "nobody.here")) for _ in range(3))
    assert abs(real_time - unknown_time) < 0.1, (real_time, unknown_time)


def test_a_wrong_password_takes_as_long_for_unknown_logins_as_for_real_ones(browser, clock):
    def attempt(login):
        form = browser.get("/login").forms["login-form"]
        form["login"] = login
        form["password"] = "not-the-password"
        form.submit("submit", status=200)
        clock.advance(120)

    # Both run one bcrypt check (warm the per-process dummy hash first).
    attempt("warm.up")
    real = min(timed(lambda: attempt("ys.officer")) for _ in range(3))
    unknown = min(timed(lambda: attempt("no.such.person")) for _ in range(3))
    assert unknown > real * 0.6, (real, unknown)
    assert real > unknown * 0.6 or real - unknown < 0.05, (real, unknown)


def test_a_person_resets_their_password_from_the_mail(app, browser_factory, mail_dir, root):
    elsewhere = browser_factory()
    elsewhere.login("ys.officer")

    browser = browser_factory()
    ask_for_reset(browser, "ys.officer")
    (message,) = mails(mail_dir)
    assert message["To"] == "ys.officer@example.invalid"
    assert "重置密码" in str(email.header.make_header(email.header.decode_header(message["Subject"])))
    assert "鱼山镇执法人员，您好" in body_of(message)
    link = reset_link(message)

    page = browser.get(link)
    form = page.forms["new-password"]
    # The portal's password rules hold here too.
    form["password"] = "short"
    form["password-confirm"] = "short"
    page = form.submit("reset", status=200)
    assert "密码至少 8 个字符" in page.text
    form = page.forms["new-password"]
    form["password"] = "new-secret-2026"
    form["password-confirm"] = "new-secret-2026"
    page = form.submit("reset", status=302).follow()
    assert "密码已重置，请使用新密码登录" in page.text

    # The session opened before the reset has ended; the old password no longer works.
    assert elsewhere.get("/", status=302).location.endswith("/login?came_from=/")
    form = browser.get("/login").forms["login-form"]
    form["login"] = "ys.officer"
    form["password"] = "demo12345"
    assert form.submit("submit", status=200).html.select_one("#login-error")
    browser.login("ys.officer", "new-secret-2026")

    # The link was good once.
    again = browser_factory().get(link)
    assert "该链接无效或已过期" in again.html.select_one("#reset-invalid").text
    actions = audit_actions(root)
    assert ("password_reset_sent", "ys.officer") in actions
    assert ("password_reset", "ys.officer") in actions


def test_a_reset_link_expires(browser, mail_dir, clock):
    ask_for_reset(browser, "ys.officer")
    link = reset_link(mails(mail_dir)[0])
    clock.advance(2 * 3600 + 1)
    assert "该链接无效或已过期" in browser.get(link).text
    assert "该链接无效或已过期" in browser.get("/reset-password/made-up-token").text


def test_a_reset_also_lifts_a_lock(browser, mail_dir, clock):
    for attempt in range(10):
        form = browser.get("/login").forms["login-form"]
        form["login"] = "ys.officer"
        form["password"] = f"guess-{attempt}"
        form.submit("submit")
        clock.advance(61)
    ask_for_reset(browser, "ys.officer")
    form = browser.get(reset_link(mails(mail_dir)[0])).forms["new-password"]
    form["password"] = form["password-confirm"] = "new-secret-2026"
    form.submit("reset", status=302)
    browser.login("ys.officer", "new-secret-2026")


def test_the_back_office_reset_form_leads_to_the_portals(browser):
    assert browser.get("/manage/@@resetpassword", status=302).location.endswith("/reset-password")


def test_a_person_changes_their_password_and_their_other_sessions_end(browser_factory, root):
    elsewhere = browser_factory()
    elsewhere.login("ys.officer")
    browser = browser_factory()
    home = browser.login("ys.officer")
    page = home.click("更改密码")
    form = page.forms["change-password"]
    form["current"] = "not-my-password"
    form["password"] = form["password-confirm"] = "new-secret-2026"
    page = form.submit("change", status=200)
    assert page.html.select_one("#change-error").text.strip() == "当前密码不正确"
    form = page.forms["change-password"]
    form["current"] = "demo12345"
    form["password"] = form["password-confirm"] = "短"
    assert "密码至少 8 个字符" in form.submit("change", status=200).text
    form = browser.get("/change-password").forms["change-password"]
    form["current"] = "demo12345"
    form["password"] = form["password-confirm"] = "new-secret-2026"
    page = form.submit("change", status=302).follow()
    assert "密码已修改" in page.text
    # This session goes on; the other one has ended.
    assert browser.get("/", status=200)
    assert elsewhere.get("/", status=302).location.endswith("/login?came_from=/")
    browser.logout()
    browser.login("ys.officer", "new-secret-2026")
    actions = audit_actions(root)
    assert ("login_failed", "ys.officer") in actions and ("password_changed", "ys.officer") in actions
