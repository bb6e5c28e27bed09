"""Jurisdiction disputes as the people use them: 鱼山镇 and 区城管局 disagree about whose duty an
unlicensed building is. 鱼山镇 opens a dispute; nothing else can happen before the interim handling
is recorded; both sides state their views; 鱼山镇 escalates to the 区司法局, which asks 区城管局 for
more, reads its answer and decides that 区城管局 is responsible: 区城管局 is told and waits for the
case, 鱼山镇 is offered the transfer form. A second dispute, opened by 区市监局 against 鱼山镇, ends
in an agreement without the 司法局. Both sides' home pages and the supervisor's listing show the open
disputes with how long each has been open; a third township, the police and the procuratorate see
nothing.
"""

import datetime

import pytest
import transaction

from portal.disputes import INTERIM_FIRST
from portal.items import now
from portal.notifications import inbox_of

YS, CGJ, SCJ, SFJ = "cj-yushan", "cj-cgj", "cj-scjgj", "cj-sfj"
TITLE = "关于鱼山村某户屋顶违法搭建彩钢棚查处职责的争议"


def text_of(page, selector):
    node = page.html.select_one(selector)
    return None if node is None else " ".join(node.text.split())


def texts_of(page, selector):
    return [" ".join(node.text.split()) for node in page.html.select(selector)]


def errors(page):
    return [" ".join(e.text.split()) for e in page.html.select(".help-block, .errorMsg, .error")]


def flash_error(page):
    return text_of(page, ".alert-danger")


def press(page, action):
    """Submit the button form of ``@@action`` on an item page; returns the page after it."""
    for form in page.forms.values():
        if form.action.endswith("@@" + action):
            return form.submit().follow()
    raise AssertionError(f"no {action} button on the page")


def buttons(page):
    actions = page.html.select(".portal-actions:not(.portal-locked) form button, .portal-actions a")
    return sorted(" ".join(a.text.split()) for a in actions)


def locked(page):
    return sorted(" ".join(b.text.split()) for b in page.html.select(".portal-locked button[disabled]"))


def section(page, heading):
    for node in page.html.select(".portal-section"):
        title = node.select_one("h2")
        if title is not None and title.text.strip() == heading:
            return [" ".join(li.text.split()) for li in node.select("li")]
    return []


def field(page, label):
    for dt in page.html.select(".portal-fields dt"):
        if dt.text.strip() == label:
            return " ".join(dt.find_next_sibling("dd").text.split())
    return None


def statements(page):
    """``{side: [texts]}`` of the statements table."""
    heads = texts_of(page, ".portal-statements th")
    cells = page.html.select(".portal-statements td.portal-statement")
    return {
        head: [" ".join(d.text.split()) for d in cell.select("div")]
        for head, cell in zip(heads, cells, strict=True)
    }


def history(page):
    return [" ".join(td.text.split()) for td in page.html.select(".portal-history td:nth-of-type(4)")]


def inbox(root, login, about=TITLE):
    transaction.abort()
    box = inbox_of(root, login)
    texts = [n.text for _, n in reversed(box.latest())] if box is not None else []
    return [text for text in texts if about in text]


def item_in(root, url):
    transaction.begin()
    unit, name = url.strip("/").split("/")[1:3]
    return root["tenants"][unit][name]


def open_dispute(browser, other=CGJ, title=TITLE, holder="self", found=None):
    """A side follows 职责争议 → 提出职责分工争议 and opens a dispute."""
    page = browser.get("/").click("职责争议", href="disputes").click("提出职责分工争议")
    form = page.forms["dispute-form"]
    form["title"] = title
    form["other_side"] = other
    form["matter"] = "鱼山村村民王某在自家屋顶违法搭建彩钢棚约60平方米，仍在施工。"
    form["found_date"] = found or f"{now() - datetime.timedelta(days=2):%Y-%m-%d}"
    form["facts"] = (
        "镇综合行政执法队巡查发现。镇认为属城乡规划违法建设，应由区城管局查处；城管局认为属农村宅基地范围，应由镇负责。"
    )
    form["holder"] = holder
    form["file"] = [("现场照片.png", b"\x89PNG\r\n\x1a\nphoto")]
    return form.submit("open").follow()


def record_interim(browser, url, by="both"):
    form = browser.get(url + "@@interim").forms["interim-form"]
    form["by"] = by
    form["people"] = "鱼山镇 张某（执法队员）；区城管局 李某（中队长）"
    form["measures"] = "联合到场，责令当事人立即停止施工，拍照取证，制作现场检查笔录。"
    form["result"] = "当事人已停止施工。"
    return form.submit("interim").follow()


def state(browser, opinion, basis=""):
    def step(url):
        form = browser.get(url + "@@statement").forms["statement-form"]
        form["opinion"] = opinion
        form["basis"] = basis
        return form.submit("statement").follow()

    return step


@pytest.fixture
def township(person):
    return person("ys.officer")


@pytest.fixture
def cgj(person):
    return person("cg.liaison")


@pytest.fixture
def supervisor(person):
    return person("sfj.supervisor")


def test_a_dispute_is_handled_first_then_escalated_and_decided(township, cgj, supervisor, person, root):
    before = {login: inbox(root, login) for login in ("cg.liaison", "sfj.supervisor", "ys.officer")}
    page = open_dispute(township)
    url = page.request.path
    assert text_of(page, "h1") == TITLE
    assert text_of(page, ".portal-state") == "待登记先行处置情况"
    assert text_of(page, ".portal-number").startswith("鱼山镇争〔")
    assert field(page, "争议对方") == "区城管局"
    assert field(page, "案件目前办理单位") == "鱼山镇"
    assert field(page, "历时").startswith("已历时不足1天")
    assert text_of(page, ".portal-waiting") == "等待双方先行协同处置违法行为，并登记先行处置情况"
    # Nothing but the interim handling can happen yet, and the page says why.
    assert INTERIM_FIRST in text_of(page, ".portal-interim-first")
    assert buttons(page) == ["登记先行处置情况"]
    assert locked(page) == sorted(["陈述意见", "提议召开专题会议"])
    number = text_of(page, ".portal-number")
    arrived = (
        f"鱼山镇就《{TITLE}》（{number}）提出职责分工争议，认为应由本单位负责。"
        "请先与对方协同处置违法行为并登记先行处置情况，再陈述意见、协商解决"
    )
    assert inbox(root, "cg.liaison") == [*before["cg.liaison"], arrived]

    # The other side finds it and may not negotiate yet either: every negotiation step is refused.
    page = cgj.get("/@@disputes").click(TITLE)
    assert buttons(page) == ["登记先行处置情况"]
    assert locked(page) == sorted(["陈述意见", "提议召开专题会议", "记录协商一致意见", "提请司法局裁决"])
    for action in ("statement", "call_meeting", "propose", "escalate"):
        refused = cgj.get(url + "@@" + action).follow()
        assert flash_error(refused) == INTERIM_FIRST
    token = cgj.csrf_token()
    refused = cgj.post(url + "@@statement", {"csrf_token": token, "opinion": "由镇负责"}).follow()
    assert flash_error(refused) == INTERIM_FIRST
    assert section(refused, "先行协同处置") == []

    # 区城管局 records the joint handling; the negotiation opens.
    page = record_interim(cgj, url)
    assert text_of(page, ".portal-state") == "协商中"
    assert text_of(page, ".portal-interim-first") is None and locked(page) == []
    lines = section(township.get(url), "先行协同处置")
    assert len(lines) == 1
    assert "鱼山镇、区城管局处置；参与人员：鱼山镇 张某（执法队员）；区城管局 李某（中队长）" in lines[0]
    assert "结果和现状：当事人已停止施工（区城管局 城管局联系人" in lines[0]
    assert text_of(page, ".portal-waiting") == "等待鱼山镇、区城管局提交陈述意见"

    # Each side files its statement; both are shown side by side.
    page = state(
        township, "彩钢棚属违法建设，依《城乡规划法》第六十四条应由城管部门查处。", "《城乡规划法》第六十四条"
    )(url)
    assert text_of(page, ".portal-waiting") == "等待区城管局提交陈述意见"
    assert inbox(root, "cg.liaison")[-1] == (
        f"鱼山镇就职责分工争议《{TITLE}》（{number}）提交了陈述意见，请查看，并提交本单位的陈述意见"
    )
    # 区城管局 may escalate only once it has stated its own view: the page says so.
    blocked = text_of(cgj.get(url), "#escalate-blocked")
    assert blocked == "提请裁决 提请裁决前，请先提交本单位的陈述意见，供司法局裁决时查阅"
    page = state(
        cgj, "建筑位于农村宅基地上，属乡镇赋权事项清单第12项，应由镇负责。", "乡镇赋权事项清单第12项"
    )(url)
    shown = statements(page)
    assert list(shown) == ["鱼山镇", "区城管局"]
    assert (
        shown["鱼山镇"][0].startswith("彩钢棚属违法建设")
        and "依据：《城乡规划法》第六十四条" in shown["鱼山镇"][0]
    )
    assert shown["区城管局"][0].startswith("建筑位于农村宅基地上") and "城管局联系人" in shown["区城管局"][0]
    assert statements(township.get(url)) == shown

    # An officer does not commit the unit; the township's liaison escalates.
    township.get(url + "@@escalate", status=403)
    liaison = person("ys.liaison")
    form = liaison.get(url).click("提请司法局裁决").forms["escalate-form"]
    form["reason"] = "双方对违法建设是否属于赋权事项认识不一致，协商未果。"
    page = form.submit("escalate").follow()
    assert text_of(page, ".portal-state") == "已提请司法局裁决"
    assert text_of(page, ".portal-waiting") == "等待区司法局裁决"
    assert item_in(root, url).awaiting == (SFJ,)
    assert inbox(root, "sfj.supervisor")[len(before["sfj.supervisor"]) :] == [
        f"鱼山镇就职责分工争议《{TITLE}》（{number}）提请裁决：双方对违法建设是否属于赋权事项认识不一致，协商未果。"
    ]
    assert inbox(root, "cg.liaison")[-1] == f"鱼山镇已将职责分工争议《{TITLE}》（{number}）提请区司法局裁决"
    # Negotiation is over once escalated.
    refused = cgj.get(url + "@@propose").follow()
    assert flash_error(refused) == "已提请区司法局裁决，双方不再自行协商"

    # The 司法局 sees both statements and the interim record, and asks 区城管局 for more.
    page = supervisor.get("/@@disputes").click(TITLE)
    assert list(statements(page)) == ["鱼山镇", "区城管局"]
    assert len(section(page, "先行协同处置")) == 1
    assert buttons(page) == sorted(["要求补充材料", "裁决"])
    form = page.click("要求补充材料").forms["request_more-form"]
    form["side"] = CGJ
    form["content"] = "请提供该宅基地的审批文件和乡镇赋权事项清单原文。"
    form["due_date"] = "2020-01-01"
    refused = form.submit("request_more")
    assert any(m.startswith("补充期限不能早于今天") for m in errors(refused))
    due = now().date() + datetime.timedelta(days=7)
    form = refused.forms["request_more-form"]
    assert form["content"].value == "请提供该宅基地的审批文件和乡镇赋权事项清单原文。"
    form["due_date"] = f"{due:%Y-%m-%d}"
    page = form.submit("request_more").follow()
    assert text_of(page, ".portal-state") == "司法局要求补充材料"
    assert text_of(page, ".portal-due") == f"补充期限：{due:%Y-%m-%d}"
    assert text_of(page, ".portal-waiting") == "等待区城管局按区司法局要求补充材料"
    assert (item_in(root, url).due, item_in(root, url).awaiting) == (due, (CGJ,))
    assert inbox(root, "cg.liaison")[-1] == (
        f"区司法局要求本单位就职责分工争议《{TITLE}》（{number}）补充材料："
        f"请提供该宅基地的审批文件和乡镇赋权事项清单原文。请于 {due:%Y-%m-%d} 前补充"
    )
    # 鱼山镇 was not asked.
    assert "补充材料" not in buttons(township.get(url))
    assert flash_error(liaison.get(url + "@@answer").follow()) == "司法局没有要求本单位补充材料"

    # 区城管局 answers; the dispute is back with the 司法局.
    form = cgj.get(url).click("补充材料").forms["answer-form"]
    form["content"] = "该户宅基地于2015年经镇政府审批，附审批表和赋权清单。"
    form["file"] = [("宅基地审批表.pdf", b"%PDF-1.4\n%%EOF")]
    page = form.submit("answer").follow()
    assert text_of(page, ".portal-state") == "已提请司法局裁决"
    assert inbox(root, "sfj.supervisor")[-1] == (
        f"区城管局就职责分工争议《{TITLE}》（{number}）补充了材料，请查看"
    )
    lines = section(supervisor.get(url), "补充材料")
    assert (
        lines[0].startswith("区司法局 司法局督查员") and f"要求区城管局于 {due:%Y-%m-%d} 前补充" in lines[0]
    )
    assert lines[1].startswith("区城管局 城管局联系人") and "该户宅基地于2015年经镇政府审批" in lines[1]

    # A side does not decide its own dispute.
    liaison.get(url + "@@decide", status=403)
    # The 司法局 asks 鱼山镇 too, then decides without waiting for it.
    form = supervisor.get(url + "@@request_more").forms["request_more-form"]
    form["side"] = YS
    form["content"] = "请提供巡查记录。"
    form["due_date"] = f"{due:%Y-%m-%d}"
    page = form.submit("request_more").follow()
    assert text_of(page, ".portal-waiting") == "等待鱼山镇按区司法局要求补充材料"
    # The 司法局 decides: 区城管局 is responsible.
    form = supervisor.get(url).click("裁决").forms["decide-form"]
    form["responsible"] = CGJ
    form["reasons"] = "彩钢棚不属于宅基地审批范围内的建设，属城乡规划违法建设，未列入乡镇赋权事项清单。"
    form["requirements"] = "鱼山镇于5个工作日内将案件移送区城管局。"
    page = form.submit("decide").follow()
    assert text_of(page, ".portal-state") == "已裁决"
    assert buttons(page) == []
    assert field(page, "结果").endswith("经裁决，由区城管局负责（对双方均有约束力）")
    assert section(page, "裁决")[0].startswith("区司法局 司法局督查员")
    assert section(page, "补充材料")[-1].startswith("鱼山镇未补充，") and section(page, "补充材料")[
        -1
    ].endswith("已裁决")
    assert item_in(root, url).due is None and item_in(root, url).awaiting == ()

    # 区城管局 is told and offered its next step: receive the case from 鱼山镇.
    told = inbox(root, "cg.liaison")[-1]
    assert told.startswith(
        f"职责分工争议《{TITLE}》（{number}）已裁决：本单位为责任单位。案件目前由鱼山镇办理"
    )
    page = cgj.get(url)
    assert "本单位为责任单位" in text_of(page, ".portal-next-text")
    assert page.click("查看案件移送").request.path == "/@@transfers"
    # 鱼山镇, which holds the case, is offered the transfer form.
    assert inbox(root, "ys.officer")[-1].startswith(
        f"职责分工争议《{TITLE}》（{number}）已裁决：区城管局为责任单位，案件目前由本单位办理：请将案件移送区城管局"
    )
    page = township.get(url)
    assert "请将案件移送区城管局" in text_of(page, ".portal-next-text")
    transfer = page.click("移送案件至区城管局")
    assert transfer.request.path == f"/tenants/{YS}/@@new-transfer"
    assert "case-transfer" in transfer.forms
    # Nothing more can be done on the dispute.
    refused = township.get(url + "@@statement").follow()
    assert flash_error(refused) == f"“{TITLE}”已裁决，不能再办理"
    assert history(page) == [
        "提出争议",
        "登记先行处置情况",
        "陈述意见",
        "陈述意见",
        "提请裁决",
        "要求补充材料",
        "补充材料",
        "要求补充材料",
        "裁决",
    ]


def test_an_agreement_closes_a_dispute_without_the_supervisor(township, person, supervisor, root):
    """区市监局 opens a dispute against 鱼山镇 (a department names a township); they meet, one
    agreement is rejected, the next confirmed."""
    scj = person("scj.liaison")
    title = "关于鱼山镇某小卖部销售过期食品查处职责的争议"
    page = open_dispute(scj, other=YS, title=title, holder="other")
    url = page.request.path
    assert field(page, "争议对方") == "鱼山镇"
    assert field(page, "案件目前办理单位") == "鱼山镇"
    assert text_of(page, ".portal-number").startswith("昌市监争〔")
    record_interim(township, url, by="self")
    assert " 鱼山镇处置；参与人员" in section(scj.get(url), "先行协同处置")[0]
    state(township, "食品经营监管属区市监局法定职责，未赋权乡镇。")(url)
    state(scj, "已列入乡镇赋权清单，由镇负责日常巡查查处。")(url)

    # A special coordination meeting, with the 司法局 invited.
    form = scj.get(url).click("提议召开专题会议").forms["call_meeting-form"]
    meeting_at = now() + datetime.timedelta(days=2)
    form["held_at"] = f"{meeting_at:%Y-%m-%dT%H:%M}"
    form["place"] = "区市监局三楼会议室"
    form["topic"] = "明确小卖部食品安全违法行为的查处分工"
    form["invite_arbiters"] = True
    page = form.submit("call_meeting").follow()
    lines = section(page, "专题会议")
    assert lines[0].startswith(
        f"区市监局提议召开专题会议：{meeting_at:%Y-%m-%d %H:%M}，地点：区市监局三楼会议室"
    )
    meeting = township.get("/@@meetings").click(f"职责分工争议协调会：{title}")
    assert "签收" in meeting.text
    assert f"职责分工争议协调会：{title}" in supervisor.get("/@@meetings").text

    # 区市监局 records an agreement; it cannot confirm its own.
    form = scj.get(url).click("记录协商一致意见").forms["propose-form"]
    form["responsible"] = SCJ
    form["content"] = "由区市监局立案查处，鱼山镇配合调查。"
    page = form.submit("propose").follow()
    assert text_of(page, ".portal-state") == "协商意见待对方确认"
    assert "确认协商一致" not in buttons(page)
    refused = scj.post(url + "@@confirm", {"csrf_token": scj.csrf_token()}).follow()
    assert flash_error(refused) == "协商意见由本单位记录，须由鱼山镇确认"
    # The township officer may not commit the unit; its leader rejects it, with reasons.
    township.post(url + "@@confirm", {"csrf_token": township.csrf_token()}, status=403)
    leader = person("ys.leader")
    assert inbox(root, "ys.leader", title)[-1].startswith(f"区市监局就职责分工争议《{title}》")
    form = leader.get(url).click("不同意协商意见").forms["reject-form"]
    form["reason"] = "小卖部在镇区，由镇负责更便于日常监管，但须区市监局提供检测支持。"
    page = form.submit("reject").follow()
    assert text_of(page, ".portal-state") == "协商中"
    assert "不同意：小卖部在镇区" in section(page, "协商意见")[0]

    # 鱼山镇's liaison records the agreement reached at the meeting; 区市监局 confirms.
    form = person("ys.liaison").get(url).click("记录协商一致意见").forms["propose-form"]
    form["responsible"] = YS
    form["content"] = "由鱼山镇立案查处，区市监局提供快检支持。"
    form.submit("propose")
    page = press(scj.get(url), "confirm")
    assert text_of(page, ".portal-state") == "已协商一致"
    assert field(page, "结果").endswith("经双方协商一致，由鱼山镇负责（对双方均有约束力）")
    assert buttons(page) == []
    assert "确认，协商一致" in section(page, "协商意见")[1]
    # 鱼山镇 holds the case and is responsible: it goes on, no transfer offered.
    page = township.get(url)
    assert (
        text_of(page, ".portal-next-text") == "本单位为责任单位，案件由本单位办理：请依法继续查处，不得推诿。"
    )
    assert page.html.select_one(".portal-next-link") is None
    assert inbox(root, "ys.officer", title)[-1] == (
        f"职责分工争议《{title}》（{text_of(page, '.portal-number')}）已协商一致："
        "本单位为责任单位，案件由本单位办理：请依法继续查处，不得推诿。"
    )
    # The 司法局 was never asked: it reads the dispute, and has nothing to do.
    page = supervisor.get(url)
    assert buttons(page) == []
    assert "提请裁决" not in history(page)
    assert item_in(root, url).units_in("consultee") == ()


def test_dashboards_show_open_disputes_with_days_open_and_outsiders_see_nothing(
    township, cgj, supervisor, person, root
):
    title = "关于某建筑工地夜间施工噪声查处职责的争议"
    page = open_dispute(township, title=title)
    url = page.request.path
    download = page.html.select_one(".portal-attachments a")["href"]
    # Opened five days ago.
    item = item_in(root, url)
    item.created = item.created - datetime.timedelta(days=5)
    transaction.commit()

    for browser in (township, cgj, supervisor):
        home = browser.get("/")
        panel = home.html.select_one("#disputes")
        assert panel is not None, browser
        row = [tr for tr in panel.select("tbody tr") if title in tr.text]
        assert row, browser
        assert " ".join(row[0].select_one(".portal-days-open").text.split()) == "已历时5天"
    assert "鱼山镇 — 区城管局" in township.get("/").html.select_one("#disputes").text
    # The supervisor's listing: every dispute, with how long it has been open.
    listing = supervisor.get("/@@disputes")
    row = [tr for tr in listing.html.select(".portal-listing tbody tr") if title in tr.text][0]
    assert "已历时5天" in row.text and "鱼山镇" in row.text and "区城管局" in row.text
    assert field(supervisor.get(url), "历时").startswith("已历时5天")
    # The supervisor reads it but, before an escalation, decides nothing.
    assert buttons(supervisor.get(url)) == []
    supervisor.get(url + "@@decide", status=403)
    supervisor.get(url + "@@statement", status=403)
    supervisor.get(f"/tenants/{SFJ}/@@new-dispute", status=403)

    # A third township, the police and the procuratorate see nothing and may do nothing.
    for login in ("lm.officer", "gaj.liaison", "jcy.liaison"):
        outsider = person(login)
        outsider.get(url, status=403)
        outsider.get(download, status=403)
        assert title not in outsider.get("/@@disputes").text
        assert title not in outsider.get("/").text
        token = outsider.csrf_token()
        for action in ("interim", "statement", "call_meeting", "propose", "escalate", "answer", "decide"):
            outsider.get(url + "@@" + action, status=403)
            outsider.post(url + "@@" + action, {"csrf_token": token}, status=403)
        for action in ("confirm", "reject", "request_more"):
            outsider.post(url + "@@" + action, {"csrf_token": token}, status=403)
    person("jcy.liaison").get("/tenants/cj-jcy/@@new-dispute", status=403)
    # Nobody opens a dispute in another unit's name.
    cgj.get(f"/tenants/{YS}/@@new-dispute", status=403)
    # A POST without the session's token is refused.
    cgj.post(url + "@@interim", {"csrf_token": "forged"}, status=400)


def test_bad_input_is_explained_in_chinese_and_kept(township, cgj):
    page = township.get(f"/tenants/{YS}/@@new-dispute")
    assert "先予协同处置" in page.text and "区司法局裁决" in page.text
    form = page.forms["dispute-form"]
    # A township is offered departments, never the 司法局 that decides.
    offered = [value for value, _, _ in form["other_side"].options]
    assert CGJ in offered and SCJ in offered and SFJ not in offered and "cj-lvmeng" not in offered
    form["title"] = "关于某河道非法采砂查处职责的争议"
    form["matter"] = "某河段夜间非法采砂。"
    form["found_date"] = "0001-01-01"
    form["facts"] = "   "
    refused = form.submit("open")
    assert refused.status_int == 200
    messages = errors(refused)
    assert "请选择争议对方" in messages
    assert "发现违法行为的日期不能早于 2000-01-01，请核对年份" in messages
    assert "请填写基本事实和争议焦点" in messages
    assert any(m.startswith("请选择案件目前由哪一方办理") for m in messages)
    form = refused.forms["dispute-form"]
    assert form["title"].value == "关于某河道非法采砂查处职责的争议"
    assert form["matter"].value == "某河段夜间非法采砂。"
    # A unit that is not offered (the 司法局) is refused, as is a date in the future.
    form["other_side"].force_value(SFJ)
    form["found_date"] = f"{now() + datetime.timedelta(days=3):%Y-%m-%d}"
    messages = errors(form.submit("open"))
    assert "请从列表中选择争议对方" in messages
    assert "发现违法行为的日期不能晚于今天" in messages
    assert "关于某河道非法采砂" not in township.get("/@@disputes").text

    # The interim handling cannot precede the finding of the violation.
    found = now().date() - datetime.timedelta(days=1)
    url = open_dispute(
        township, title="关于某河道非法采砂查处职责的争议", found=f"{found:%Y-%m-%d}"
    ).request.path
    form = cgj.get(url + "@@interim").forms["interim-form"]
    form["handled_at"] = f"{found - datetime.timedelta(days=3):%Y-%m-%d}T09:00"
    form["people"] = "李某"
    form["measures"] = "x" * 5001
    refused = form.submit("interim")
    messages = errors(refused)
    assert f"处置时间不能早于发现违法行为的日期（{found:%Y-%m-%d}）" in messages
    assert any(m.startswith("采取的措施最多 5000 个字") for m in messages)
    assert refused.forms["interim-form"]["people"].value == "李某"
