"""Complaints as the people use them: the unit that receives one first registers it, its officers
tell the person where to go, answer, open a case or transfer it to the other side, and the receiver
signs for the transfer; a unit with no part in it sees nothing.
"""

import datetime

import pytest

from portal.items import now

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def text_of(page, selector):
    node = page.html.select_one(selector)
    return None if node is None else " ".join(node.text.split())


def errors(page):
    return [" ".join(e.text.split()) for e in page.html.select(".help-block, .error")]


def buttons(page):
    actions = page.html.select(".portal-actions form button, .portal-actions a")
    return sorted(" ".join(a.text.split()) for a in actions)


def press(page, action):
    for form in page.forms.values():
        if form.action.endswith("@@" + action):
            return form.submit().follow()
    raise AssertionError(f"no {action} button on the page")


def register(browser, title, days_ago=0, anonymous=False, files=()):
    page = browser.get("/").click("举报投诉", href="complaints").click("登记举报投诉")
    form = page.forms["complaint-form"]
    form["channel"] = "12345热线"
    form["received_at"] = f"{now() - datetime.timedelta(days=days_ago):%Y-%m-%dT%H:%M}"
    form["anonymous"] = anonymous
    if not anonymous:
        form["person_name"] = "王女士"
        form["person_phone"] = "13800000000"
    form["title"] = title
    form["content"] = "小区旁工地每晚22点后仍在施工，噪声扰民。"
    form["file"] = list(files)
    return form.submit("register").follow()


def outcome(browser, url, action, **fields):
    form = browser.get(url + "@@" + action).forms[f"{action}-form"]
    for name, value in fields.items():
        form[name] = value
    return form.submit(action)


def test_registration_and_telling_where_to_go(person):
    clerk = person("ys.liaison")
    page = register(clerk, "某工地夜间施工噪声扰民", days_ago=3, files=[("来信.pdf", PDF)])
    url = page.request.path
    assert text_of(page, ".portal-state") == "已登记"
    assert text_of(page, ".portal-number").startswith("鱼山镇诉〔")
    assert text_of(page, ".portal-owner") == "鱼山镇"
    assert text_of(page, ".portal-complainant") == "王女士 （13800000000）"
    assert text_of(page, ".portal-waiting") == "等待鱼山镇核实处理"
    assert text_of(page, ".portal-days-open") == "收到已 3 天"
    assert "来信.pdf" in text_of(page, ".portal-attachments")
    # Registering is for every member; the outcome is for officers.
    assert buttons(page) == []
    clerk.post(url + "@@tell", {"csrf_token": clerk.csrf_token()}, status=403)

    officer = person("ys.officer")
    page = officer.get(url)
    assert buttons(page) == sorted(["开始核实", "告知其向有权机关反映"])
    refused = outcome(officer, url, "tell", told_note="电话告知")
    assert "请填写告知其反映的有权机关" in errors(refused)
    assert refused.forms["tell-form"]["told_note"].value == "电话告知"
    page = outcome(officer, url, "tell", told_organ="区住建局", told_note="电话告知").follow()
    assert text_of(page, ".portal-state") == "已告知（不属本单位职责）"
    assert text_of(page, ".portal-told") == "已告知反映人向区住建局反映：电话告知"
    assert text_of(page, ".portal-days-open") == "自收到至办结历时 3 天"
    assert buttons(page) == []


def test_verified_and_answered(person):
    officer = person("ys.officer")
    url = register(officer, "反映某餐馆无证经营", anonymous=True).request.path
    page = officer.get(url)
    assert text_of(page, ".portal-complainant") == "匿名"
    # Answering needs verification first.
    page = officer.get(url + "@@answer").follow()
    assert "当前状态为“已登记”，不能答复反映人" in text_of(page, ".alert-danger")
    page = press(page, "verify")
    assert text_of(page, ".portal-state") == "核实中"
    assert buttons(page) == sorted(["告知其向有权机关反映", "答复反映人", "立案", "移送"])
    refused = outcome(officer, url, "answer", answer_text="  ")
    assert "请填写答复内容" in errors(refused)
    page = outcome(
        officer, url, "answer", answer_text="经现场核实，该餐馆已办理营业执照和食品经营许可证。"
    ).follow()
    assert text_of(page, ".portal-state") == "已答复办结"
    assert text_of(page, ".portal-answer-text") == "经现场核实，该餐馆已办理营业执照和食品经营许可证。"


def test_case_opened(person):
    officer = person("scj.officer")
    url = register(officer, "举报某药店销售过期药品", days_ago=3).request.path
    press(officer.get(url), "verify")
    refused = outcome(officer, url, "open_case", case_number="昌市监立〔2026〕15号", case_date="2026-13-01")
    assert "请按“年-月-日”填写日期，例如 2026-03-05" in errors(refused)
    assert refused.forms["open_case-form"]["case_number"].value == "昌市监立〔2026〕15号"
    yesterday = now().date() - datetime.timedelta(days=1)
    tomorrow = now().date() + datetime.timedelta(days=1)
    refused = outcome(
        officer, url, "open_case", case_number="昌市监立〔2026〕15号", case_date=f"{tomorrow:%Y-%m-%d}"
    )
    assert "立案日期不能晚于今天" in errors(refused)
    page = outcome(
        officer, url, "open_case", case_number="昌市监立〔2026〕15号", case_date=f"{yesterday:%Y-%m-%d}"
    ).follow()
    assert text_of(page, ".portal-state") == "已立案"
    assert text_of(page, ".portal-case") == f"立案编号 昌市监立〔2026〕15号，立案日期 {yesterday:%Y-%m-%d}"


def test_transfer_acknowledged_by_the_township(person):
    officer = person("scj.officer")
    url = register(officer, "反映某村占道经营").request.path
    press(officer.get(url), "verify")
    # A department transfers to a township, not to another department.
    refused = outcome(officer, url, "transfer", transfer_to="cj-yushan", transfer_note="属乡镇管理事项")
    assert "请选择移送性质：案件移送或管理移交" in errors(refused)
    assert [o[0] for o in refused.forms["transfer-form"]["transfer_to"].options if o[0]] == [
        "cj-hetang",
        "cj-liyang",
        "cj-lvmeng",
        "cj-yushan",
    ]
    token = officer.csrf_token()
    form_post = {
        "csrf_token": token,
        "transfer_to": "cj-cgj",
        "transfer_kind": "management",
        "transfer_note": "属城管事项",
        "transfer": "transfer",
    }
    refused = officer.post(url + "@@transfer", form_post)
    assert "请选择接收单位：部门移送给乡镇（街道），乡镇（街道）移送给部门" in errors(refused)

    receiver = person("ys.liaison")
    receiver.get(url, status=403)
    page = outcome(
        officer,
        url,
        "transfer",
        transfer_to="cj-yushan",
        transfer_kind="management",
        transfer_note="经核实属镇村管理事项",
        file=[("核实材料.pdf", PDF)],
    ).follow()
    assert text_of(page, ".portal-state") == "已移送，待签收"
    assert text_of(page, ".portal-waiting") == "等待鱼山镇签收"
    assert text_of(page, ".portal-transfer").startswith("管理移交至鱼山镇（")

    page = receiver.get("/@@complaints").click("反映某村占道经营")
    assert "核实材料.pdf" in text_of(page, ".portal-attachments")
    receiver.get(page.html.select_one(".portal-attachments a")["href"], status=200)
    assert buttons(page) == ["签收"]
    page = press(page, "acknowledge")
    assert text_of(page, ".portal-state") == "已移送，对方已签收"
    assert text_of(officer.get(url), ".portal-acknowledged").startswith("鱼山镇已于 ")
    # Signing twice is refused with the reason.
    page = receiver.post(url + "@@acknowledge", {"csrf_token": receiver.csrf_token()}).follow()
    assert "不能签收" in text_of(page, ".alert-danger")


def test_outsider_is_refused_everywhere(person):
    officer = person("ys.officer")
    page = register(officer, "反映某企业排放异味", files=[("照片.png", b"\x89PNG\r\n\x1a\nxxxx")])
    url = page.request.path
    download = page.html.select_one(".portal-attachments a")["href"]
    press(page, "verify")
    outsider = person("lm.officer")
    token = outsider.csrf_token()
    outsider.get(url, status=403)
    outsider.get(download, status=403)
    for action in ("tell", "answer", "open_case", "transfer"):
        outsider.get(url + "@@" + action, status=403)
    for action in ("verify", "tell", "answer", "open_case", "transfer", "acknowledge"):
        outsider.post(url + "@@" + action, {"csrf_token": token}, status=403)
    assert "反映某企业排放异味" not in outsider.get("/@@complaints").text
    outsider.get("/tenants/cj-yushan/@@new-complaint", status=403)


@pytest.mark.parametrize("anonymous", [False, True])
def test_bad_registration_is_explained_and_kept(person, anonymous):
    clerk = person("ys.liaison")
    form = clerk.get("/tenants/cj-yushan/@@new-complaint").forms["complaint-form"]
    form["received_at"] = "昨天下午"
    form["anonymous"] = anonymous
    form["person_phone"] = "电话不详"
    form["content"] = "反映某处违章搭建。"
    form["file"] = [("材料.pdf", b"not a pdf")]
    refused = form.submit("register")
    messages = errors(refused)
    expected = [
        "请选择来源渠道：来信、来电、来访、网络、12345热线或其他",
        "请按“年-月-日 时:分”填写，例如 2026-11-27 09:30",
        "请填写正确的联系电话，例如 13800000000 或 0798-8600000",
        "请填写事项摘要",
    ]
    for message in expected:
        assert message in messages
    assert any("请重新选择附件" in m for m in messages)
    kept = refused.forms["complaint-form"]
    assert (kept["content"].value, kept["person_phone"].value, kept["received_at"].value) == (
        "反映某处违章搭建。",
        "电话不详",
        "昨天下午",
    )
    assert kept["anonymous"].checked is anonymous


def test_named_complaint_needs_name_and_phone(person):
    clerk = person("ys.liaison")
    form = clerk.get("/tenants/cj-yushan/@@new-complaint").forms["complaint-form"]
    form["channel"] = "来访"
    form["title"] = "反映某处违章搭建"
    form["content"] = "反映某处违章搭建。"
    form["received_at"] = f"{now() + datetime.timedelta(days=1):%Y-%m-%d %H:%M}"
    refused = form.submit("register")
    assert "收到时间不能晚于现在" in errors(refused)
    form = refused.forms["complaint-form"]
    form["received_at"] = f"{now():%Y-%m-%d %H:%M}"
    refused = form.submit("register")
    assert "请填写反映人姓名；匿名举报请勾选“匿名”" in errors(refused)
    assert "请填写联系电话；匿名举报请勾选“匿名”" in errors(refused)
    form = refused.forms["complaint-form"]
    form["anonymous"] = True
    page = form.submit("register").follow()
    assert text_of(page, ".portal-state") == "已登记"
    assert text_of(page, ".portal-complainant") == "匿名"


def test_listing_is_paged_newest_first(person):
    clerk = person("cg.liaison")
    token = clerk.csrf_token()
    for n in range(1, 23):
        fields = {
            "csrf_token": token,
            "__formid__": "complaint-form",
            "channel": "来电",
            "anonymous": "true",
            "received_at": f"{now():%Y-%m-%dT%H:%M}",
            "title": f"城管投诉第{n}件",
            "content": "占道经营",
            "register": "register",
        }
        assert clerk.post("/tenants/cj-cgj/@@new-complaint", fields).status_int == 302
    first = clerk.get("/@@complaints")
    titles = [a.text for a in first.html.select(".portal-listing td a")]
    assert titles == [f"城管投诉第{n}件" for n in range(22, 2, -1)]
    assert text_of(first, ".portal-pages span") == "第 1 / 2 页，共 22 件"
    second = first.click("下一页")
    assert [a.text for a in second.html.select(".portal-listing td a")] == ["城管投诉第2件", "城管投诉第1件"]
