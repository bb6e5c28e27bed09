"""Under the portal's Content-Security-Policy the pages still work in chromium, and chromium reports
no violation: no inline script, handler or style attribute is left on the main pages, the forms with
a date field, a file upload or checkbox choices included."""

import pytest

from .conftest import log_in

pytestmark = pytest.mark.browser

PAGES = {
    "ys.officer": [
        "/",
        "/penalty-filings",
        "/tenants/cj-yushan/@@new-penalty-filing",
        "/tenants/cj-yushan/@@new-collab-request",
        "/tenants/cj-yushan/@@new-complaint",
        "/tenants/cj-yushan/@@new-transfer",
        "/tenants/cj-yushan/@@share-document",
        "/inbox",
        "/search?q=%E8%B6%85%E5%B8%82",
        "/library",
        "/regulations",
        "/notifications",
        "/calendar",
    ],
    "scj.officer": ["/tenants/cj-scjgj/@@new-regulation"],
    "ys.admin": ["/tenants/cj-yushan/@@members"],
    "admin": ["/@@policy"],
}


def watch_csp(page):
    """Console messages and page events that tell of a Content-Security-Policy violation."""
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: violations.append(str(error)))
    return violations


def listen_for_violations(page):
    page.evaluate(
        """() => { window.__csp = [];
        document.addEventListener('securitypolicyviolation',
            e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI)); }"""
    )


@pytest.mark.parametrize("login", sorted(PAGES))
def test_main_pages_report_no_csp_violation(page, login):
    violations = watch_csp(page)
    log_in(page, login, "admin12345" if login == "admin" else "demo12345")
    for path in PAGES[login]:
        response = page.goto(path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        page.wait_for_load_state("load")
        assert violations == [], (path, violations)


def test_the_file_upload_widget_and_date_fields_work_without_inline_scripts(page):
    violations = watch_csp(page)
    log_in(page, "ys.officer")
    page.goto("/tenants/cj-yushan/@@new-penalty-filing")
    listen_for_violations(page)
    # deform's upload widget, now enhanced by static/portal.js: the chosen file's name shows.
    page.wait_for_selector(".upload-filename")
    page.set_input_files(
        "input[name=upload]",
        files=[{"name": "决定书.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}],
    )
    assert page.input_value(".upload-filename") == "决定书.pdf"
    page.fill("input[name=decision_date]", "2026-01-05")
    page.check("input[type=checkbox][value='罚款']")
    page.click("button[name=save]")
    page.wait_for_selector(".has-error")
    assert page.evaluate("window.__csp || []") == []
    assert violations == []


def test_a_removal_asks_for_confirmation_first(page):
    """(The unit switcher's autosubmit is in test_foundation_in_browser's unit-switch test.)"""
    violations = watch_csp(page)
    log_in(page, "ys.admin")
    page.goto("/tenants/cj-yushan/@@members")
    asked = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    before = page.locator("tr[data-login]").count()
    page.locator("form[data-portal-confirm] button").first.click()
    page.wait_for_timeout(300)
    assert asked and "确定将该人员移出本单位" in asked[0]
    assert page.locator("tr[data-login]").count() == before
    assert violations == []
