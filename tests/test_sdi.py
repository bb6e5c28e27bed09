"""Substance D's back office at /manage still works with the portal's deform 2 and Casbin policy."""


def sdi_login(browser, login, password):
    page = browser.get("/manage/@@login")
    form = page.forms[0]
    form["login"] = login
    form["password"] = password
    return form.submit("form.submitted")


def test_portal_admin_edits_site_properties_in_the_sdi(browser):
    browser.login("admin", "admin12345")
    page = browser.get("/manage/@@properties")
    form = page.forms["deform"]
    assert form["sdi_title"].value == "行政执法协作配合平台"
    form["sdi_title"] = "昌江区执法协作平台"
    form.submit("save").follow()
    assert browser.get("/manage/@@properties").forms["deform"]["sdi_title"].value == "昌江区执法协作平台"


def test_portal_admin_opens_a_users_property_sheets(browser):
    browser.login("admin", "admin12345")
    page = browser.get("/manage/principals/users/ys.officer/@@properties")
    assert page.status_int == 200
    # The user's "Groups" sheet is a deform form with Substance D's select2 widget.
    assert "groupids" in page.forms["deform"].fields


def test_an_officer_is_kept_out_of_the_sdi(browser):
    browser.login("ys.officer")
    page = browser.get("/manage/@@contents", status="*")
    # Substance D answers an unauthorised request with its own login form, never the contents.
    assert page.status_int in (302, 403) or "form.submitted" in page.text
    assert "sdi_title" not in browser.get("/manage/@@properties", status="*").text
