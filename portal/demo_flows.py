"""The demo district's examples, flow by flow (see :mod:`portal.demo`)."""

import datetime

from webtest import Upload

from .demo import PDF, demo_step, pdf, press, submit, today

YS, LM, SCJ = "cj-yushan", "cj-lvmeng", "cj-scjgj"


def days(n):
    return (today() + datetime.timedelta(days=n)).isoformat()


@demo_step(10, "法规文件：区市监局发布，鱼山镇签收")
def regulations(people):
    officer = people("scj.officer")
    page = officer.get("/regulations").click("发布法规文件")
    page = submit(
        page,
        "regulation-form",
        "publish",
        category="行政规范性文件",
        title="关于加强食品安全执法协作的通知",
        issuing_number="昌市监发〔2024〕7号",
        issuing_organ="区市场监督管理局",
        issue_date="2024-05-06",
        body="各乡镇（街道）：为落实执法协作配合机制，现将食品安全执法协作有关事项通知如下。",
        recipients=(YS, LM),
        upload=pdf("协作通知.pdf"),
    )
    press(people("ys.liaison"), page.request.url, "sign")


def filing_values(title, party, fine):
    return {
        "department": SCJ,
        "title": title,
        "party_type": "法人",
        "party_name": party,
        "party_id": "91360202MA38ABCD1K",
        "party_address": "昌江区鱼山镇鱼山街 8 号",
        "facts": "当事人销售超过保质期的食品，货值金额较小，系初次违法。",
        "evidence": "现场检查笔录、现场照片、询问笔录",
        "legal_basis": "《中华人民共和国食品安全法》第一百二十四条",
        "penalty_kinds": ("警告", "罚款"),
        "fine_amount": fine,
        "performance": "自收到本决定书之日起十五日内到指定银行缴纳罚款",
        "performance_deadline": days(15),
        "deciding_organ": "鱼山镇人民政府",
        "decision_date": days(-3),
        "case_filing_date": days(-30),
        "legal_review": True,
        "collective_discussion": True,
        "service_date": days(-2),
        "upload": Upload("决定书.pdf", PDF, "application/pdf"),
    }


@demo_step(20, "处罚决定备案：鱼山镇报送，区市监局备案")
def filings(people):
    officer = people("ys.officer")
    new = f"/tenants/{YS}/@@new-penalty-filing"
    for n, (title, party, fine, recorded) in enumerate(
        [
            ("某某超市销售过期食品案", "景德镇某某超市有限公司", "5000", True),
            ("某某餐馆未公示许可证案", "昌江区某某餐馆", "2000", False),
        ],
        1,
    ):
        values = filing_values(title, party, fine)
        values["decision_number"] = f"鱼山镇罚决〔{today().year}〕{n}号"
        page = submit(officer.get(new), "penalty-filing", "save", **values)
        url = page.request.url
        press(officer, url, "submit")
        if recorded:
            press(people("scj.liaison"), url, "record")


def collab_request(officer, title, kind, facts, question, urgent=False):
    page = officer.get(f"/tenants/{YS}/@@new-collab-request")
    return submit(
        page,
        "collab-request-form",
        "send",
        title=title,
        department=SCJ,
        kind=kind,
        facts=facts,
        question=question,
        urgent=urgent,
        file=pdf("检查笔录.pdf"),
    ).request.url


@demo_step(30, "执法协作请求：鱼山镇请求技术鉴定，区市监局签收并答复")
def requests(people):
    officer = people("ys.officer")
    answered = collab_request(
        officer,
        "关于某超市销售疑似假冒白酒的技术鉴定请求",
        "技术鉴定",
        "检查发现某超市货架上有疑似假冒白酒12瓶。",
        "请鉴定上述白酒是否为假冒注册商标的商品。",
    )
    liaison = people("scj.liaison")
    press(liaison, answered, "receive")
    press(liaison, answered, "answer", answer_text="经鉴定，送检白酒为假冒注册商标的商品。详见鉴定意见书。")
    collab_request(
        officer,
        "关于某加工点使用非食品原料的认定请求",
        "认定",
        "群众举报某小作坊使用工业明胶加工食品，现场查获原料两袋。",
        "请认定查获原料是否属于非食品原料。",
        urgent=True,
    )


@demo_step(40, "举报投诉：鱼山镇登记并核实")
def complaints(people):
    officer = people("ys.officer")
    page = officer.get(f"/tenants/{YS}/@@new-complaint")
    moment = datetime.datetime.now() - datetime.timedelta(hours=3)
    page = submit(
        page,
        "complaint-form",
        "register",
        channel="12345热线",
        received_at=f"{moment:%Y-%m-%dT%H:%M}",
        person_name="王女士",
        person_phone="13800000000",
        title="某小区旁工地夜间施工噪声扰民",
        content="小区旁工地每晚22点后仍在施工，噪声扰民。",
    )
    press(officer, page.request.url, "verify")


@demo_step(50, "案件移送：鱼山镇移送区市监局，领导批准，部门签收")
def transfers(people):
    officer = people("ys.officer")
    page = officer.get(f"/tenants/{YS}/@@new-transfer")
    response = page.forms["case-transfer"]
    for name, value in {
        "receiver": SCJ,
        "title": "某商贸公司无照经营案",
        "party": "昌江区某商贸有限公司",
        "found_date": days(-1),
        "facts": "日常巡查中发现当事人未取得营业执照从事经营活动。",
    }.items():
        response[name] = value
    url = response.submit("save", status=302).location
    for slot, kind in {"letter": "移送函", "source": "案源材料", "evidence": "初步证据"}.items():
        form = officer.get(url).forms[f"upload-{slot}"]
        form["upload"] = Upload(f"{kind}.pdf", PDF, "application/pdf")
        form.submit("save_material", status=302)
    press(officer, url, "submit", comment="请审批")
    press(people("ys.leader"), url, "approve", comment="同意移送")
    press(officer, url, "send")
    press(people("scj.liaison"), url, "sign", comment="已签收")
