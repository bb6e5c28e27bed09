"""考核评分 as the 区司法局 and the units use it: the supervisor edits the standard (every version
kept, bad input explained and kept), each unit sees its own scorecard and nobody else's, the counts
behind the deductions are the overview's after real steps of a flow, and the ranks handle ties.

The tests of this module share one site: each looks at the units it changes, or compares pages
with each other at the same moment, never with fixed totals.
"""

from decimal import Decimal
from types import SimpleNamespace

import transaction

from portal.supervision.figures import Measure
from portal.supervision.scoring import current_standard, default_rules, rank
from tests.module_site import app, person  # noqa: F401 (fixtures)
from tests.requests.test_collab_requests import new_request, press
from tests.supervision.test_overview import backdate, figures

DEPARTMENT, TOWNSHIP, OTHER_TOWNSHIP = "cj-scjgj", "cj-yushan", "cj-lvmeng"


def cells(page, selector):
    return [" ".join(cell.text.split()) for cell in page.html.select(selector)]


def scorecard_lines(page):
    """``{rule key: (count, points)}`` of a scorecard page."""
    lines = {}
    for row in page.html.select("#scorecard tr.score-line"):
        count = row.select_one("td.count").text.strip()
        points = row.select_one("td.points").contents[0].strip()
        lines[row["data-key"]] = (int(count), Decimal(points))
    return lines


def ranking_rows(page):
    """``[(unit, rank, kind, kind rank, score)]`` of the ranking page, in its order."""
    rows = []
    for row in page.html.select("#ranking tr.ranking-row"):
        rows.append(
            (
                row["data-unit"],
                int(row.select_one("td.rank").text),
                " ".join(row.find_all("td")[1].text.split()),
                int(row.select_one("td.kind-rank").text),
                Decimal(row.select_one("td.score").text.strip()),
            )
        )
    return rows


def standard_now(app, root):  # noqa: F811 (the module's app fixture)
    transaction.abort()
    return current_standard(root, app.registry)


def test_the_default_standard_comes_from_the_registered_measures():
    registry = SimpleNamespace(
        portal_measures={
            m.key: m
            for m in (
                Measure("requests.received", "收到请求", "协作请求", "duty"),
                Measure("requests.late", "逾期答复", "协作请求", "late"),
                Measure("transfers.declined", "不予受理", "案件移送", "refused"),
                Measure("filings.late", "逾期备案", "处罚决定备案", "late"),
                Measure("accountability.decisions", "责任追究决定", "责任追究", ""),
                Measure("accountability.closed", "已办结", "责任追究", ""),
            )
        }
    )
    rules = {rule.key: rule for rule in default_rules(registry)}
    assert set(rules) == {
        "requests.late",
        "transfers.declined",
        "filings.late",
        "accountability.decisions",
        "red",
    }
    assert (rules["requests.late"].points, rules["requests.late"].cap) == (-2, 20)
    assert rules["requests.late"].title == "协作请求：逾期答复"
    assert (rules["transfers.declined"].points, rules["transfers.declined"].cap) == (-5, 30)
    assert (rules["accountability.decisions"].points, rules["accountability.decisions"].cap) == (-5, 30)
    assert (rules["red"].points, rules["red"].cap) == (-1, 10)
    # Caps bound a rule's points either way.
    assert rules["requests.late"].points_for(3) == (-6, False)
    assert rules["requests.late"].points_for(11) == (-20, True)


def test_same_score_same_rank():
    cards = [
        SimpleNamespace(score=s) for s in (Decimal(100), Decimal(100), Decimal(98), Decimal(97), Decimal(97))
    ]
    assert rank(cards) == [1, 1, 3, 4, 4]
    assert rank([]) == []


def test_the_supervisor_edits_the_standard_and_every_version_is_kept(person, app, root):  # noqa: F811
    supervisor = person("sfj.supervisor")
    page = supervisor.get("/").click("考核评分").click("修改评分标准")
    assert page.html.select_one("#no-history") is not None
    form = page.forms["standard-form"]
    default_rows = int(form["rows"].value)
    assert form["key-0"].value and form["points-0"].value
    keys = [form[f"key-{n}"].value for n in range(default_rows) if form[f"key-{n}"].value]
    assert "requests.late" in keys and "red" in keys

    # Bad input: every message beside its cell, nothing typed lost, nothing saved.
    late = keys.index("requests.late")
    form[f"points-{late}"] = "扣两分"
    form[f"cap-{late}"] = "-3"
    blank = default_rows - 3
    form[f"key-{blank}"] = "requests.on_time"
    form[f"points-{blank}"] = ""
    form["base"] = "一百"
    form["note"] = ""
    bad = form.submit("save_standard", status=400)
    assert "未保存：填写有误" in bad.text
    errors = cells(bad, ".help-block.error")
    assert any("每件分值应为数字" in e for e in errors)
    assert any("封顶分值应为正数" in e for e in errors)
    assert any("请填写每件分值" in e for e in errors)
    assert any("基础分应为" in e for e in errors)
    assert any("请填写修改说明" in e for e in errors)
    kept = bad.forms["standard-form"]
    assert kept[f"points-{late}"].value == "扣两分"
    assert kept[f"cap-{late}"].value == "-3"
    assert kept["base"].value == "一百"
    assert kept[f"key-{blank}"].value == "requests.on_time"
    assert standard_now(app, root).version == 0

    # Corrected: −3 per late answer up to 15, a bonus for answers on time, saved as version 1.
    kept[f"points-{late}"] = "-3"
    kept[f"cap-{late}"] = "15"
    kept[f"points-{blank}"] = "0.5"
    kept[f"cap-{blank}"] = "5"
    kept["base"] = "100"
    kept["note"] = "依据2026年度法治政府建设考核方案调整"
    saved = kept.submit("save_standard").follow()
    assert "已保存为第 1 版评分标准" in saved.text
    standard = standard_now(app, root)
    assert standard.version == 1 and standard.login == "sfj.supervisor"
    rules = {rule.key: rule for rule in standard.rules}
    assert (rules["requests.late"].points, rules["requests.late"].cap) == (-3, 15)
    assert (rules["requests.on_time"].points, rules["requests.on_time"].cap) == (Decimal("0.5"), 5)
    assert rules["requests.on_time"].title == "协作请求：按期答复"  # the measure's name, left empty
    audited = [entry for _, entry in root.audit_trail.latest(20) if entry.action == "scoring_standard"]
    assert audited and audited[0].comment == "依据2026年度法治政府建设考核方案调整"
    history = saved.html.select("#standard-history tr.history-version")
    assert [row["data-version"] for row in history] == ["1"]
    assert "依据2026年度法治政府建设考核方案调整" in history[0].text and "司法局督查员" in history[0].text

    # A page opened before someone else's save does not overwrite it: the typed rows stay.
    old_page = supervisor.get("/@@scoring-standard")
    newer = supervisor.get("/@@scoring-standard").forms["standard-form"]
    newer["base"] = "90"
    newer["note"] = "基础分改为90分"
    newer.submit("save_standard").follow()
    stale = old_page.forms["standard-form"]
    stale["note"] = "另一处修改"
    conflict = stale.submit("save_standard", status=409)
    assert "已由" in conflict.text and "第 2 版评分标准" in conflict.text
    assert conflict.forms["standard-form"]["note"].value == "另一处修改"
    assert [r["data-version"] for r in conflict.html.select("#standard-history tr.history-version")] == [
        "2",
        "1",
    ]
    assert standard_now(app, root).base == 90

    # Put back the default's base, with a note; three versions kept.
    again = supervisor.get("/@@scoring-standard").forms["standard-form"]
    again["base"] = "100"
    again["note"] = "基础分恢复为100分"
    page = again.submit("save_standard").follow()
    assert [r["data-version"] for r in page.html.select("#standard-history tr.history-version")] == [
        "3",
        "2",
        "1",
    ]
    assert "现行" in page.html.select("#standard-history tr.history-version")[0].text

    # A form posted under an old session's token (logged in again elsewhere) comes back as typed.
    stale_form = supervisor.get("/@@scoring-standard").forms["standard-form"]
    stale_form["csrf_token"].force_value("an-old-token")
    stale_form["note"] = "在另一个标签页重新登录后提交"
    shown_again = stale_form.submit("save_standard", status=400)
    assert shown_again.forms["standard-form"]["note"].value == "在另一个标签页重新登录后提交"
    assert standard_now(app, root).version == 3
    # Without the session's token nothing is saved; nobody else may open the page.
    refused = supervisor.post("/@@scoring-standard", {"save_standard": "1", "base": "1"}, status="*")
    assert refused.status_int in (400, 403)
    assert standard_now(app, root).version == 3
    assert person("ys.leader").get("/@@scoring-standard", status=403).status_int == 403


def test_a_unit_sees_its_own_scorecard_and_no_other(person):  # noqa: F811
    officer = person("ys.officer")
    page = officer.get("/").click("考核评分")
    assert page.request.path == f"/tenants/{TOWNSHIP}/@@scorecard"
    assert page.html.select_one("#score-value") is not None
    assert "全区第" in page.html.select_one("#ranks").text
    for path in (
        f"/tenants/{DEPARTMENT}/@@scorecard",
        f"/tenants/{OTHER_TOWNSHIP}/@@scorecard",
        f"/tenants/{DEPARTMENT}/@@supervision-items?measure=requests.late",
        "/@@scorecards",
        "/@@supervision-items?measure=requests.late&unit=" + TOWNSHIP,
    ):
        assert officer.get(path, status=403).status_int == 403, path
    # Their own unit's lists open (the items in them as each one's own decision allows).
    own = officer.get(f"/tenants/{TOWNSHIP}/@@supervision-items", {"measure": "requests.sent"})
    assert "发出请求" in own.text and "返回考核评分" in own.text
    # A bad period is explained.
    bad = officer.get(f"/tenants/{TOWNSHIP}/@@scorecard", {"period": "month", "n": "13"}, status=400)
    assert "月度序号应为 1 至 12" in bad.text
    # A judicial organ is not scored; its people get no link and a page that says why.
    court = person("fy.liaison")
    assert "考核评分" not in [a.text for a in court.get("/").html.select("nav a")]
    assert "不参加" in court.get("/tenants/cj-fy/@@scorecard").html.select_one("#not-scored").text


def test_deductions_are_the_overviews_figures_after_a_late_answer(app, root, person):  # noqa: F811
    supervisor = person("sfj.supervisor")
    card_path = f"/tenants/{DEPARTMENT}/@@scorecard"
    before = scorecard_lines(supervisor.get(card_path))

    # 鱼山镇 asks 区市监局; the request reaches it 30 days ago and is answered now: late.
    page = new_request(person("ys.officer"))
    press(person("scj.liaison").get(page.request.path), "receive")
    backdate(app, root, page, 30)
    form = person("scj.officer").get(page.request.path + "@@answer").forms["answer-form"]
    form["answer_text"] = "经鉴定，系假冒商品。"
    form.submit("answer").follow()
    # A second one reaches it 30 days ago and stays unanswered: a red warning now.
    open_one = new_request(person("ys.officer"))
    press(person("scj.liaison").get(open_one.request.path), "receive")
    backdate(app, root, open_one, 30)

    overview = supervisor.get("/@@supervision", {"group": "协作请求"})
    late = int(figures(overview, DEPARTMENT)["逾期答复"])
    red = int(figures(supervisor.get("/@@supervision", {"group": "summary"}), DEPARTMENT)["红色预警"])
    card = supervisor.get(card_path)
    lines = scorecard_lines(card)
    assert lines["requests.late"][0] == late == before["requests.late"][0] + 1
    assert lines["red"][0] == red >= before["red"][0] + 1
    rules = {rule.key: rule for rule in standard_now(app, root).rules}
    for key in ("requests.late", "red"):
        assert lines[key][1] == rules[key].points_for(lines[key][0])[0]
    standard = standard_now(app, root)
    expected = max(Decimal(0), standard.base + sum(points for _, points in lines.values()))
    assert Decimal(card.html.select_one("#score-value").text) == expected

    # The count opens the items behind it, for the supervisor and for the department's own people.
    link = card.html.select_one('#scorecard tr[data-key="requests.late"] td.count a')["href"]
    listed = supervisor.get(link)
    assert page.request.path in [
        a["href"].replace("http://localhost", "") for a in listed.html.select("a.item-link")
    ]
    # The red warnings counted for the unit are the items the deadline query finds overdue for it.
    red_list = supervisor.get(card.html.select_one('#scorecard tr[data-key="red"] td.count a')["href"])
    assert f"共 {lines['red'][0]} 件" in red_list.text
    own = person("scj.liaison").get("/").click("考核评分")
    own_link = own.html.select_one('#scorecard tr[data-key="requests.late"] td.count a')["href"]
    own_list = person("scj.liaison").get(own_link)
    assert page.request.path in [
        a["href"].replace("http://localhost", "") for a in own_list.html.select("a.item-link")
    ]
    red_link = own.html.select_one('#scorecard tr[data-key="red"] td.count a')["href"]
    assert open_one.request.path in [
        a["href"].replace("http://localhost", "")
        for a in person("scj.liaison").get(red_link).html.select("a.item-link")
    ]


def test_ranks_among_all_units_and_within_their_kind(person):  # noqa: F811
    supervisor = person("sfj.supervisor")
    ranking = supervisor.get("/@@supervision").click("考核排名")
    rows = ranking_rows(ranking)
    assert len(rows) == 25  # the 27 units less the procuratorate and the court
    scores = [row[4] for row in rows]
    assert scores == sorted(scores, reverse=True)
    for _unit, place, kind, kind_place, score in rows:
        assert place == 1 + sum(1 for other in rows if other[4] > score)
        assert kind_place == 1 + sum(1 for other in rows if other[2] == kind and other[4] > score)
    # Ties share a rank (the demo district has many units without any deduction).
    assert len({row[1] for row in rows}) < len(rows)
    # A unit's own card shows the same ranks.
    unit, place, kind, kind_place, score = rows[-1]
    card = supervisor.get("/@@scorecards", {"unit": unit}).follow()
    assert int(card.html.select_one("#rank").text) == place
    assert int(card.html.select_one("#kind-rank").text) == kind_place
    assert Decimal(card.html.select_one("#score-value").text) == score
    assert supervisor.get("/@@scorecards", {"unit": "cj-fy"}, status=400).status_int == 400
