"""The demo district's examples, flow by flow (see :mod:`portal.demo`)."""

import datetime

from webtest import Upload

from .calendar import is_workday
from .demo import PDF, demo_step, pdf, press, submit, today
from .items import now

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
    moment = now() - datetime.timedelta(hours=3)
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


CGJ, SFJ = "cj-cgj", "cj-sfj"


def workday_from(n):
    """The first working day ``n`` calendar days from today or after (weekends and holidays skipped)."""
    day = today() + datetime.timedelta(days=n)
    while not is_workday(day):
        day += datetime.timedelta(days=1)
    return day


def workday_before(n):
    """The last working day ``n`` calendar days before today or earlier."""
    day = today() - datetime.timedelta(days=n)
    while not is_workday(day):
        day -= datetime.timedelta(days=1)
    return day


def at(day, hour, minute=0):
    """A form's date and time (``2026-12-07 09:30``)."""
    return f"{datetime.datetime.combine(day, datetime.time(hour, minute)):%Y-%m-%d %H:%M}"


def ago(minutes):
    """``minutes`` before now, but not before today's midnight: something that happened today."""
    moment = max(now() - datetime.timedelta(minutes=minutes), now().replace(hour=0, minute=0))
    return f"{moment:%Y-%m-%d %H:%M}"


def earlier_today():
    """Nine this morning once the morning is under way; in the small hours, an hour and a half ago."""
    if now().time() >= datetime.time(10, 30):
        return at(today(), 9)
    return ago(90)


@demo_step(60, "重大安全隐患通报：鱼山镇通报区市监局、区城管局，市监局确认收悉并反馈处置")
def hazards(people):
    officer = people("ys.officer")
    page = officer.get(f"/tenants/{YS}/@@new-hazard")
    url = submit(
        page,
        "hazard-form",
        "send",
        title="关于某加油站储油罐渗漏的重大安全隐患通报",
        departments=(SCJ, CGJ),
        location="鱼山镇鱼山村206国道旁某加油站",
        hazard_kind="危险化学品",
        found_at=ago(50),
        findings="日常巡查发现加油站3号汽油储罐观察井有明显油气味，周边排水沟可见油花，疑似储罐渗漏。",
        onsite_measures="已责令停止3号储罐加油作业，设置警戒区，严禁明火，通知站方关闭该罐进出油阀门。",
        urgency="特急",
        file=pdf("现场照片及检查记录.pdf"),
    ).request.url
    liaison = people("scj.liaison")
    press(liaison, url, "acknowledge")
    press(
        liaison,
        url,
        "respond",
        analysis="储油罐渗漏可能引发火灾爆炸并污染地下水，属重大安全隐患。",
        suggestions="建议3号储罐停用至检测合格，由站方委托有资质机构进行渗漏检测。",
        measures="已派员到场检查，责令加油站停用3号储罐、清理渗漏油品并限期整改。",
    )
    # 区城管局 has not acknowledged yet: its two-hour clock runs on the notice's page.


@demo_step(70, "参与通知：区市监局书面通知鱼山镇参加专项检查，鱼山镇签收并确认人员；一则电话通知待补书面通知")
def participation(people):
    officer = people("scj.officer")
    page = officer.get(f"/tenants/{SCJ}/@@new-participation-notice")
    starts = workday_from(14)
    url = submit(
        page,
        "participation-notice-form",
        "send",
        title="关于参加校园周边食品安全专项监督检查的通知",
        township=YS,
        kind="专项监督检查",
        starts_at=at(starts, 9),
        ends_at=at(starts, 17),
        place="鱼山镇人民政府一楼大厅集合",
        needs_people="综合行政执法人员2名",
        needs_materials="辖区校园周边食品经营主体名册",
        needs_cooperation="通知经营主体负责人到场配合检查",
        contact_person="赵敏",
        contact_phone="0798-8220000",
        file=pdf("参与通知.pdf"),
    ).request.url
    township = people("ys.liaison")
    press(township, url, "receive")
    press(
        township,
        url,
        "confirm",
        attendees="张三 综合行政执法队队员 13807980001\n李四 网格员 13807980002",
        note="携带执法记录仪",
    )

    # An urgent call made this morning; the written notice is still to follow.
    page = people("scj.liaison").get(f"/tenants/{SCJ}/@@new-participation-call")
    submit(
        page,
        "participation-call-form",
        "save",
        title="关于参加某农贸市场节前食品安全突击检查的电话通知",
        township=YS,
        kind="专项监督检查",
        called_at=ago(30),
        callee="王五（综合执法办主任）",
        phone_said="明天上午9点到鱼山农贸市场开展节前食品安全突击检查，请派2名执法人员参加。",
    )


@demo_step(80, "指导培训：区市监局为鱼山镇、吕蒙街道集中培训；鱼山镇申请上门辅导，区市监局安排")
def guidance(people):
    officer = people("scj.officer")
    held = workday_before(3)
    page = officer.get(f"/tenants/{SCJ}/@@new-guidance-activity")
    url = submit(
        page,
        "guidance-activity-form",
        "save",
        title="食品安全抽样检查业务培训",
        kind="集中培训",
        starts_at=at(held, 9, 30),
        place="区市监局三楼会议室",
        participants=(YS, LM),
        people="授课：区市监局 张明；参加：鱼山镇、吕蒙街道综合行政执法人员",
        outline="食品经营许可现场核查要点、抽样程序和案卷制作规范。",
        file=pdf("培训通知.pdf"),
    ).request.url
    press(
        officer,
        url,
        "hold",
        held_at=at(held, 9, 30),
        attendance="鱼山镇 张三、李四；吕蒙街道 王五、赵六",
        summary="讲授了抽样程序和案卷制作规范，现场解答了6个问题。",
        file=pdf("签到表.pdf"),
    )

    township = people("ys.officer")
    page = township.get(f"/tenants/{YS}/@@new-guidance-request")
    url = submit(
        page,
        "guidance-request-form",
        "save",
        title="关于食品经营许可现场核查的业务指导",
        department=SCJ,
        needs="新入职执法人员不熟悉现场核查程序和执法记录仪的使用，希望部门派员到镇上辅导。",
        preferred_kind="上门辅导",
        preferred_from=days(3),
        preferred_to=days(14),
        file=pdf("问题清单.pdf"),
    ).request.url
    press(
        people("scj.liaison"),
        url,
        "schedule",
        starts_at=at(workday_from(5), 14, 30),
        place="鱼山镇综合行政执法队",
        people="区市监局 张明、刘芳；鱼山镇新入职执法人员",
        outline="现场核查程序、执法记录仪使用，结合辖区一家餐饮店实地带教。",
    )


def meeting_title(day, kind):
    half = "上" if day.month <= 6 else "下"
    return f"{day.year}年{half}半年行政执法协调会商{kind}"


@demo_step(90, "协调会商：区市监局召集例行会议；今天上午的专题会议已形成纪要，议定事项由鱼山镇落实")
def meetings(people):
    liaison = people("scj.liaison")
    day = workday_from(4)
    url = submit(
        liaison.get(f"/tenants/{SCJ}/@@new-meeting"),
        "meeting-form",
        "send",
        kind="routine",
        title=meeting_title(day, "例行会议"),
        starts_at=at(day, 9, 30),
        place="区市监局三楼会议室",
        agenda="一、通报半年来执法协作配合情况\n二、研究校园周边食品安全联合执法\n三、协调行政处罚决定备案中的问题",
        invitees=(YS, LM, SFJ),
        file=pdf("会议通知.pdf"),
    ).request.url
    press(people("ys.liaison"), url, "sign")

    # A special meeting called by telephone this morning (the form takes a meeting of today), held,
    # its minutes recorded and an action item given to 鱼山镇.
    url = submit(
        liaison.get(f"/tenants/{SCJ}/@@new-meeting"),
        "meeting-form",
        "send",
        kind="special",
        title="关于校园周边食品安全联合执法的专题会议",
        starts_at=earlier_today(),
        place="区市监局三楼会议室",
        agenda="研究校园周边食品经营主体联合检查的分工和时间安排",
        invitees=(YS, LM),
    ).request.url
    press(people("ys.liaison"), url, "sign")
    press(people("lm.officer"), url, "sign")
    press(
        liaison,
        url,
        "minutes",
        minutes_text="会议研究了校园周边食品安全联合执法的分工：鱼山镇负责辖区3所学校周边，吕蒙街道负责辖区5所学校周边，"
        "区市监局派员技术指导。",
        attended="区市监局：张某（分管领导）；鱼山镇：李某（综合执法办主任）；吕蒙街道：王某",
        file=pdf("会议纪要.pdf"),
    )
    press(
        liaison,
        url,
        "add_action",
        title="联合开展校园周边食品安全检查",
        owner_unit=YS,
        due_date=workday_from(10).isoformat(),
        detail="每周检查一次，形成检查记录，月底前报送区市监局。",
    )


@demo_step(120, "阻碍执法：鱼山镇执法人员报告遭暴力阻碍，公安分局接报并反馈出警情况")
def obstruction(people):
    officer = people("ys.officer")
    page = officer.get(f"/tenants/{YS}/@@new-obstruction-report")
    url = submit(
        page,
        "obstruction-report-form",
        "report",
        title="关于执法人员在鱼山村拆除违法建筑时遭暴力阻碍的报告",
        occurred_at=ago(70),
        location="鱼山镇鱼山村三组村委会东侧",
        duty="依法强制拆除鱼山村三组违法建筑",
        means="暴力和威胁",
        persons="李某某，男，约50岁，违法建筑当事人，住鱼山村三组",
        description="另有两名男子，约30岁，一人穿黑色夹克",
        account="执法人员出示执法证件、宣读强制拆除决定后，李某某手持铁锹威胁执法人员，并将执法队员王某推倒在地。",
        officers="王某（执法证号 36020001）、张某（执法证号 36020002）",
        injured=True,
        injuries="王某右手臂擦伤，已到鱼山镇卫生院处理",
        called_110=True,
        video="执法记录仪 DSJ-07 全程录像，存综合行政执法队视频服务器",
        file=[Upload("现场照片.png", b"\x89PNG\r\n\x1a\n", "image/png")],
        statements=pdf("执法人员陈述.pdf"),
    ).request.url
    liaison = people("gaj.liaison")
    press(liaison, url, "acknowledge")
    press(
        liaison,
        url,
        "handle",
        step="出警",
        happened_at=ago(55),
        detail="鱼山派出所民警刘某、陈某到达现场，控制李某某，带回派出所询问；已受案调查。",
    )
    # The result is still to come: the report waits for 昌江公安分局 on its page.


@demo_step(130, "职责分工争议：鱼山镇与区城管局先协同处置、各自陈述意见，协商未果提请区司法局裁决")
def disputes(people):
    officer = people("ys.officer")
    url = submit(
        officer.get(f"/tenants/{YS}/@@new-dispute"),
        "dispute-form",
        "open",
        title="关于鱼山村某户屋顶违法搭建彩钢棚查处职责的争议",
        other_side=CGJ,
        matter="鱼山村村民在自家三层住宅屋顶搭建彩钢棚约60平方米，巡查发现时仍在施工。",
        found_date=days(-3),
        facts="镇综合行政执法队巡查发现。鱼山镇认为属城乡规划违法建设，应由区城管局查处；"
        "区城管局认为位于农村宅基地范围，属乡镇赋权事项，应由镇负责。",
        holder="self",
        file=pdf("现场检查笔录.pdf"),
    ).request.url
    liaison = people("cg.liaison")
    press(
        liaison,
        url,
        "interim",
        handled_at=ago(120),
        by="both",
        people="鱼山镇 张某（执法队员）；区城管局 李某（中队长）",
        measures="双方联合到场，责令当事人立即停止施工，拍照取证，制作现场检查笔录。",
        result="当事人已停止施工，彩钢棚未再扩建。",
    )
    press(
        officer,
        url,
        "statement",
        opinion="彩钢棚属未取得建设工程规划许可的违法建设，应由区城管局依《城乡规划法》查处。",
        basis="《中华人民共和国城乡规划法》第六十四条",
    )
    press(
        liaison,
        url,
        "statement",
        opinion="建筑位于农村宅基地上，农村村民住宅违法建设的查处已赋权乡镇，应由鱼山镇负责。",
        basis="乡镇（街道）赋权事项清单第12项",
    )
    press(
        people("ys.liaison"),
        url,
        "escalate",
        reason="双方对屋顶彩钢棚是否属于赋权乡镇的农村住宅违法建设认识不一致，协商未果。",
    )
    # The 区司法局 has it now: its decision is awaited on the dispute's page and both home pages.


@demo_step(
    100,
    "涉嫌犯罪案件移送：鱼山镇两名执法人员书面报告，主要领导批准，移送昌江公安分局并抄送区人民检察院，"
    "公安分局已立案、待移交涉案物品；另一件涉嫌犯罪的处罚决定尚未移送，提示以罚代刑",
)
def crime_referrals(people):
    from .demo import fill

    officer = people("ys.officer")
    filings = []
    for n, (title, party, fine) in enumerate(
        [
            ("某食品厂生产销售含非法添加剂糕点案", "景德镇某某食品厂", "50000"),
            ("某农资店销售假劣玉米种子案", "昌江区某某农资店", "30000"),
        ],
        3,
    ):
        values = filing_values(title, party, fine)
        values.update(
            decision_number=f"鱼山镇罚决〔{today().year}〕{n}号",
            suspected_crime=True,
            crime_note="货值金额较大，涉嫌犯罪",
        )
        page = submit(officer.get(f"/tenants/{YS}/@@new-penalty-filing"), "penalty-filing", "save", **values)
        press(officer, page.request.url, "submit")
        filings.append(page.request.url)

    # The first case is referred from its filing; the second stays flagged (以罚代刑提示).
    page = officer.get(filings[0] + "@@refer_crime").follow()
    url = submit(
        page,
        "crime-referral",
        "save",
        offence="生产、销售有毒、有害食品罪",
        found_date=days(-4),
        report="经现场检查和抽样检验，糕点中检出非食用物质，货值金额约十二万元，涉嫌生产、销售有毒、有害食品罪，"
        "建议移送昌江公安分局。",
        officers=("ys.officer", "ys.liaison"),
    ).request.url
    materials = {
        "letter": "涉嫌犯罪案件移送书",
        "report": "调查报告",
        "items": "涉案物品清单",
        "appraisal": "检验报告",
    }
    for slot, kind in materials.items():
        fill(officer.get(url).forms[f"upload-{slot}"], file=pdf(f"{kind}.pdf")).submit("upload", status=302)
    press(officer, url, "report", comment="请主要领导审批")
    press(people("ys.leader"), url, "approve", comment="同意移送")
    press(officer, url, "send")
    police = people("gaj.liaison")
    press(police, url, "sign_receipt", comment="案卷材料已收到")
    press(police, url, "open_case", case_number=f"昌公（食药）立字〔{today().year}〕8号")


@demo_step(110, "申请人民法院强制执行：鱼山镇催告当事人后向区人民法院申请，法院受理并裁定准予执行")
def enforcement(people):
    from .enforcement.dates import add_months

    # A fine served seven months ago and still unpaid: no reconsideration, no lawsuit, and the
    # reminder served a month ago has run its ten working days; the window is open.
    officer = people("ys.officer")
    served = add_months(today(), -7)
    values = filing_values("某某食品店逾期不缴纳罚款案", "昌江区某某食品店", "3000")
    values.update(
        decision_number=f"鱼山镇罚决〔{served.year}〕21号",
        decision_date=(served - datetime.timedelta(days=2)).isoformat(),
        case_filing_date=(served - datetime.timedelta(days=30)).isoformat(),
        service_date=served.isoformat(),
        performance_deadline=(served + datetime.timedelta(days=15)).isoformat(),
    )
    page = submit(officer.get(f"/tenants/{YS}/@@new-penalty-filing"), "penalty-filing", "save", **values)
    filing = page.request.url
    press(officer, filing, "submit")
    press(people("scj.liaison"), filing, "record")
    page = press(
        officer,
        filing,
        "enforcement_reminder",
        reminder_number=f"鱼山镇催〔{today().year}〕4号",
        served_date=days(-30),
        method="直接送达",
        note="当事人称经营困难，请求延期缴纳，未提供证明材料",
        file=pdf("催告书及送达回证.pdf"),
    )
    url = page.html.select_one(".portal-enforcement-application a")["href"]
    press(
        officer,
        url,
        "apply",
        signed=True,
        letter=Upload("强制执行申请书.pdf", PDF, "application/pdf"),
        file=pdf("作出决定的事实理由和依据.pdf"),
    )
    court = people("fy.liaison")
    press(court, url, "accept", case_number=f"（{today().year}）赣0202行审8号")
    press(court, url, "rule", ruling="准予执行", ruling_number=f"（{today().year}）赣0202行审8号")
    # 鱼山镇 has yet to record the outcome (执行完毕) once the fine is collected.


@demo_step(
    140, "责任追究：区司法局督查员对区市监局作出责任追究决定（责令整改），区市监局报送整改情况，待司法局审核"
)
def accountability(people):
    supervisor = people("sfj.supervisor")
    title = "关于某加工点使用非食品原料的认定请求"
    listing = supervisor.get("/@@collab-requests")
    row = next(row for row in listing.html.select(".portal-listing tbody tr") if title in row.text)
    number = row.select_one("td").text.strip()
    url = submit(
        supervisor.get(f"/tenants/{SFJ}/@@new-accountability"),
        "accountability-form",
        "decide",
        title="关于区市监局未及时处置紧急认定请求的责任追究决定",
        unit=SCJ,
        person_name="李某",
        person_post="区市监局食品安全监管股股长",
        duty="未按期答复协作请求",
        facts="鱼山镇就某加工点使用工业明胶一事提交紧急认定请求，并说明证据可能灭失；区市监局收到后未及时派员现场处置，"
        "也未在3个工作日内书面反馈认定意见。",
        related_numbers=number,
        measure="责令整改",
        rectify_due=workday_from(10).isoformat(),
        file=pdf("督查情况说明.pdf"),
    ).request.url
    press(
        people("scj.leader"),
        url,
        "rectify",
        text="已派员会同鱼山镇对查获原料抽样送检，认定意见已书面反馈；"
        "今后紧急协作请求由分管领导当日指定专人办理，并纳入股室月度考核。",
        file=pdf("整改报告.pdf"),
    )
    # The 司法局's review is awaited: the decision waits for it on its page and the supervisor's to-do.
