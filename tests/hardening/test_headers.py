"""Every response forbids framing and MIME sniffing; the portal's pages allow scripts and styles
from the site itself only, the back office a looser policy of its own."""

import re

import pytest

from portal.views.headers import MANAGE_POLICY, PORTAL_POLICY

PAGES = (
    "/",
    "/penalty-filings",
    "/tenants/cj-yushan/@@new-penalty-filing",
    "/tenants/cj-yushan/@@new-collab-request",
    "/tenants/cj-yushan/@@share-document",
    "/inbox",
    "/notifications",
    "/static/portal.css",
    "/no-such-page",
)


def directives(policy):
    return dict(
        (part.split()[0], part.split()[1:]) for part in (p.strip() for p in policy.split(";")) if part
    )


@pytest.mark.parametrize("path", PAGES)
def test_portal_pages_carry_the_security_headers(browser, path):
    browser.login("ys.officer")
    response = browser.get(path, status="*")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]


def test_the_login_page_and_a_refusal_carry_them_too(browser):
    assert browser.get("/login").headers["Content-Security-Policy"] == PORTAL_POLICY
    browser.login("ys.officer")
    refused = browser.get("/tenants/cj-scjgj/@@members", status=403)
    assert refused.headers["Content-Security-Policy"] == PORTAL_POLICY


def test_the_back_office_gets_its_own_looser_policy(browser):
    browser.login("admin", "admin12345")
    response = browser.get("/manage/@@contents")
    assert response.headers["Content-Security-Policy"] == MANAGE_POLICY
    assert "frame-ancestors 'none'" in MANAGE_POLICY
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", PAGES[:7])
def test_no_inline_script_or_handler_or_style_attribute_on_the_pages(browser, path):
    browser.login("ys.officer")
    html = browser.get(path).text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", html), "on…= handler attribute"
    assert not re.search(r"\sstyle\s*=", html), "style= attribute"
