"""演示数据：泉州市丰泽区及其市场监管所、股室、联合部门、抽查事项、市场主体和检查人员。

同一 seed 生成同样的数据。代码都是合法的统一社会信用代码。
"""

import datetime
import random
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from shuangsui.catalog.choices import ItemKind
from shuangsui.catalog.methods import ensure_check_methods
from shuangsui.catalog.models import InspectionItem, ensure_result_codes
from shuangsui.core import audit, scope
from shuangsui.core.choices import Role, UnitLevel
from shuangsui.core.models import OrgUnit, User
from shuangsui.directory import uscc
from shuangsui.directory.models import Entity
from shuangsui.inspections.models import Inspection
from shuangsui.inspectors.models import Inspector
from shuangsui.notices import services as notices
from shuangsui.plans import services
from shuangsui.plans.choices import PlanKind, QuotaMode, Stratify, TargetKind
from shuangsui.plans.models import Task

from .listings import seed_listings

DEMO_PASSWORD = "Shuangsui#2026"

PROVINCE = ("35", "福建省")
CITY = ("3505", "泉州市")
COUNTIES = {
    "350503": ("丰泽区", ["东海", "城东", "华大", "东湖", "丰泽", "泉秀", "清源", "北峰"]),
    "350502": ("鲤城区", ["开元", "海滨", "鲤中", "临江", "浮桥", "江南"]),
}
BUREAU_DEPARTMENTS = [
    ("01", "信用监管股"),
    ("02", "食品安全监管股"),
    ("03", "特种设备安全监察股"),
    ("04", "质量计量股"),
    ("05", "登记注册股"),
    ("06", "药品医疗器械监管股"),
]
OTHER_DEPARTMENTS = [("51", "卫生健康局"), ("52", "应急管理局"), ("53", "生态环境局")]

# (编号, 名称, 类别, 比例上限, 抽查对象, 部门序号, 方式, 人员要求, 依据, 子项)
ITEMS = [
    (
        "FJSC-001",
        "企业公示信息的抽查",
        "general",
        "0.05",
        "企业、农民专业合作社",
        "01",
        "1,2,5",
        "企业公示",
        "《企业信息公示暂行条例》第十四条",
        "年度报告公示信息\n即时公示信息",
    ),
    (
        "FJSC-002",
        "个体工商户公示信息的抽查",
        "general",
        "0.03",
        "个体工商户",
        "01",
        "1,2",
        "企业公示",
        "《个体工商户年度报告暂行办法》",
        "年度报告公示信息",
    ),
    (
        "FJSC-003",
        "登记事项检查",
        "general",
        "0.05",
        "企业、个体工商户",
        "05",
        "1,2",
        "登记注册",
        "《市场主体登记管理条例》第三十五条",
        "住所（经营场所）\n经营范围",
    ),
    (
        "FJSC-011",
        "食品销售者检查",
        "key",
        None,
        "企业、个体工商户",
        "02",
        "1,4",
        "食品安全",
        "《中华人民共和国食品安全法》第一百一十条",
        "经营资质\n进货查验\n贮存条件",
    ),
    (
        "FJSC-012",
        "餐饮服务提供者检查",
        "key",
        None,
        "企业、个体工商户",
        "02",
        "1,4",
        "食品安全",
        "《中华人民共和国食品安全法》第一百一十条",
        "许可情况\n原料控制\n加工制作",
    ),
    (
        "FJSC-021",
        "特种设备使用单位检查",
        "key",
        None,
        "企业",
        "03",
        "1",
        "特种设备",
        "《中华人民共和国特种设备安全法》第五十七条",
        "使用登记\n定期检验\n作业人员",
    ),
    (
        "FJSC-031",
        "工业产品生产者检查",
        "key",
        None,
        "企业",
        "04",
        "1,4",
        "产品质量",
        "《中华人民共和国产品质量法》第十五条",
        "生产许可\n产品标识",
    ),
    (
        "FJSC-032",
        "计量器具使用单位检查",
        "general",
        "0.05",
        "企业、个体工商户",
        "04",
        "1,4",
        "计量",
        "《中华人民共和国计量法》第九条",
        "强制检定\n计量器具管理",
    ),
    (
        "FJSC-041",
        "药品零售企业检查",
        "key",
        None,
        "企业",
        "06",
        "1",
        "药品",
        "《中华人民共和国药品管理法》第九十九条",
        "经营许可\n处方药销售",
    ),
    (
        "FJSC-051",
        "广告发布行为检查",
        "general",
        "0.03",
        "企业、个体工商户",
        "01",
        "1,5",
        "广告",
        "《中华人民共和国广告法》第四十九条",
        "广告内容\n广告审查",
    ),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建文辉玲志鹏斌宇浩凯婷欣怡晨阳"
TRADE = (
    "鑫源 恒达 宏远 华泰 东方 盛世 金海 清源 泉丰 闽南 海丝 刺桐 福瑞 嘉禾 永盛 兴隆 "
    "德鑫 瑞丰 海峡 聚源 天成 万和 佳禾 晋江 安平 源和 鼎盛 龙华 恒丰 新宇 金泉 华安 "
    "星辰 锦绣 富华 长兴 开元 鲤中 宝盛 明德"
).split()
# (门类, 字号用词, 店名用词, GB/T 4754-2017 大类代码)
BUSINESS = [
    ("F", "贸易", "商行", ["F51"]),
    ("H", "餐饮管理", "小吃店", ["H62"]),
    ("C", "鞋服制造", "加工坊", ["C18", "C19"]),
    ("F", "食品", "便利店", ["F52"]),
    ("I", "网络科技", "工作室", ["I64", "I65"]),
    ("E", "建筑工程", "装修部", ["E47", "E50"]),
    ("L", "商务咨询", "咨询部", ["L72"]),
    ("O", "家政服务", "维修部", ["O80", "O81"]),
    ("C", "机械制造", "五金店", ["C33", "C34"]),
    ("F", "医药", "大药房", ["F52"]),
    ("R", "文化传媒", "文化室", ["R86", "R88"]),
    ("G", "物流", "货运部", ["G54", "G59"]),
]
STREETS = [
    "东海大街",
    "泉秀路",
    "丰泽街",
    "刺桐路",
    "田安路",
    "津淮街",
    "宝洲路",
    "坪山路",
    "城东路",
    "华大街",
    "清源山路",
    "北峰路",
]
CREDIT_WEIGHTS = [("A", 30), ("B", 55), ("C", 10), ("D", 5)]
KEY_TAGS = {"H": ["食品"], "F": [], "C": ["工业产品质量"], "G": ["特种设备"]}


def _unit(code, name, level, parent=None, **kw):
    unit, _ = OrgUnit.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent, **kw}
    )
    return unit


def build_org():
    """省、市、两个县（区）局、各所、股室与联合部门；返回 {县代码: 县单元}。"""
    province = _unit(PROVINCE[0], PROVINCE[1], UnitLevel.PROVINCE, region_code="350000")
    city = _unit(CITY[0], CITY[1], UnitLevel.CITY, province, region_code="350500")
    counties = {}
    for code, (name, stations) in COUNTIES.items():
        county = _unit(
            code,
            f"泉州市{name}市场监督管理局",
            UnitLevel.COUNTY,
            city,
            short_name=name,
            region_code=code,
        )
        counties[code] = county
        for i, station in enumerate(stations, start=1):
            _unit(
                f"{code}{i:02d}",
                f"{station}市场监督管理所",
                UnitLevel.STATION,
                county,
                short_name=f"{station}所",
                region_code=code,
            )
        for dcode, dname in BUREAU_DEPARTMENTS:
            _unit(f"{code}D{dcode}", dname, UnitLevel.DEPARTMENT, county)
        for dcode, dname in OTHER_DEPARTMENTS:
            _unit(
                f"{code}D{dcode}",
                f"{name}{dname}",
                UnitLevel.DEPARTMENT,
                county,
                is_market_regulator=False,
            )
    return counties


def build_items(county):
    ensure_result_codes()
    ensure_check_methods()
    made = []
    for code, name, kind, cap, obj, dept, methods, req, basis, subs in ITEMS:
        department = OrgUnit.objects.get(code=f"{county.code}D{dept}")
        item, _ = InspectionItem.objects.get_or_create(
            unit=county,
            code=code,
            defaults=dict(
                name=name,
                kind=kind,
                ratio_cap=Decimal(cap) if cap else None,
                ratio_text=f"不超过{Decimal(cap) * 100:.0f}%" if cap else "不设上限",
                object_type=obj,
                department=department,
                subject=department.name,
                methods=methods,
                inspector_requirements=f",{req},",
                legal_basis=basis,
                sub_items=subs,
                frequency="每年不超过1次" if kind == ItemKind.GENERAL else "按法定频次",
            ),
        )
        made.append(item)
    return made


ROLE_USERNAMES = [
    "admin",
    "planner",
    "leader",
    "business",
    "head",
    "inspector",
    "joint",
    "witness",
    "bureau",
]


def demo_usernames():
    names = list(ROLE_USERNAMES)
    for code in COUNTIES:
        if code != "350503":
            names += [f"{n}_{code}" for n in ROLE_USERNAMES]
    return names


_PASSWORD_HASHES = {}


def demo_password_hash():
    """演示密码的哈希只算一次，所有演示账号共用（Argon2 每算一次约 0.2 s、100 MB 内存；密码本来公开）。"""
    from django.conf import settings
    from django.contrib.auth.hashers import make_password

    key = tuple(settings.PASSWORD_HASHERS)
    if key not in _PASSWORD_HASHES:
        _PASSWORD_HASHES[key] = make_password(DEMO_PASSWORD)
    return _PASSWORD_HASHES[key]


def build_users(county):
    """每个角色一个演示账号；用户名形如 planner（丰泽区）或 planner_350502。"""
    suffix = "" if county.code == "350503" else f"_{county.code}"
    station = county.children.filter(level=UnitLevel.STATION).order_by("code").first()
    credit = OrgUnit.objects.get(code=f"{county.code}D01")
    food = OrgUnit.objects.get(code=f"{county.code}D02")
    health = OrgUnit.objects.get(code=f"{county.code}D51")
    people = [
        ("admin", Role.ADMIN, county, "管理员"),
        ("planner", Role.PLANNER, credit, "计划员"),
        ("leader", Role.PLANNER, county, "分管领导"),  # 批准任务与作废：不是制定人（职责分离）
        ("business", Role.BUSINESS, food, "股室员"),
        ("head", Role.STATION_HEAD, station, "所长"),
        ("inspector", Role.INSPECTOR, station, "检查员"),
        ("joint", Role.JOINT_DEPT, health, "联合员"),
        ("witness", Role.WITNESS, county, "见证员"),
        ("bureau", Role.BUREAU_APPROVER, county, "局审批人"),  # 审批列入、移出经营异常名录
    ]
    users = []
    for name, role, unit, label in people:
        username = f"{name}{suffix}"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                role=role,
                unit=unit,
                first_name=label,
                last_name=county.short_name or "",
                is_staff=(role == Role.ADMIN),
            )
            user.password = demo_password_hash()
            user.save()
        users.append(user)
    return users


def entity_code(rng, kind_digit, region):
    org = "".join(rng.choice(uscc.ALPHABET[:10]) for _ in range(8))
    org += rng.choice(uscc.ALPHABET[:10] + "X")
    return uscc.make(f"9{kind_digit}{region}{org}")


def _weighted(rng, pairs):
    total = sum(w for _, w in pairs)
    x = rng.uniform(0, total)
    for value, weight in pairs:
        x -= weight
        if x <= 0:
            return value
    return pairs[-1][0]


def generate_entities(county, n, rng, batch=5000):
    """生成 n 个市场主体（批量写入）；返回写入数。"""
    stations = list(county.children.filter(level=UnitLevel.STATION).order_by("code"))
    seen = (
        set(Entity.objects.filter(scope_path__startswith=county.path).values_list("uid", flat=True))
        if n < 200000
        else set()
    )
    rows = []
    written = 0
    today = datetime.date(2026, 1, 1)
    while written + len(rows) < n:
        kind = _weighted(
            rng, [("enterprise", 60), ("individual", 36), ("coop", 3), ("foreign_rep", 1)]
        )
        digit = {"enterprise": "1", "individual": "2", "coop": "3", "foreign_rep": "1"}[kind]
        uid = entity_code(rng, digit, county.code)
        if uid in seen:
            continue
        seen.add(uid)
        section, trade, shop, codes = rng.choice(BUSINESS)
        brand = rng.choice(TRADE) + rng.choice(TRADE)[0]
        district = county.short_name
        if kind == "individual":
            name = f"{district}{brand}{shop}"
        elif kind == "coop":
            name = f"泉州市{district}{brand}农业专业合作社"
        elif kind == "foreign_rep":
            name = f"{brand}国际贸易株式会社泉州代表处"
        else:
            name = f"泉州{brand}{trade}有限公司"
        station = rng.choice(stations)
        status = _weighted(
            rng, [("active", 92), ("cancelled", 4), ("revoked", 2), ("moved_out", 2)]
        )
        credit = _weighted(rng, CREDIT_WEIGHTS)
        established = today - datetime.timedelta(days=rng.randint(30, 9000))
        tags = KEY_TAGS.get(section, [])
        rows.append(
            Entity(
                uid=uid,
                name=name,
                entity_type=kind,
                unit=station,
                scope_path=station.path,
                region_code=county.code,
                industry_code=codes[rng.randint(10, 99) % len(codes)],
                address=f"福建省泉州市{district}{rng.choice(STREETS)}{rng.randint(1, 999)}号",
                legal_rep=rng.choice(SURNAMES)
                + rng.choice(GIVEN)
                + rng.choice(["", rng.choice(GIVEN)]),
                phone=f"1{rng.choice('35789')}{rng.randint(0, 999999999):09d}",
                status=status,
                established=established,
                credit_class=credit,
                credit_date=datetime.date(2025, 12, 31),
                key_tags=f",{','.join(tags)}," if tags else "",
                annual_report=_weighted(
                    rng, [("reported", 85), ("not_reported", 12), ("not_due", 3)]
                ),
            )
        )
        if len(rows) >= batch:
            Entity.objects.bulk_create(rows, batch_size=batch)
            written += len(rows)
            rows = []
    if rows:
        Entity.objects.bulk_create(rows, batch_size=batch)
        written += len(rows)
    return written


def generate_inspectors(county, m, rng):
    stations = list(county.children.filter(level=UnitLevel.STATION).order_by("code"))
    departments = {d.code[-3:]: d for d in county.children.filter(level=UnitLevel.DEPARTMENT)}
    quals = ["企业公示", "登记注册", "食品安全", "特种设备", "产品质量", "计量", "药品", "广告"]
    existing = Inspector.objects.filter(scope_path__startswith=county.path).count()
    made = []
    for i in range(existing, existing + m):
        station = stations[i % len(stations)]
        kind = "officer" if i % 10 < 8 else ("auxiliary" if i % 10 == 8 else "expert")
        tags = sorted(set(rng.sample(quals, rng.randint(1, 3)) + ["企业公示"]))
        dept = departments[rng.choice(["D01", "D02", "D03", "D04", "D05", "D06"])]
        made.append(
            Inspector(
                badge_no=f"{county.code}{i + 1:05d}"
                if kind == "officer"
                else f"FZ{county.code}{i + 1:04d}",
                name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                unit=station,
                scope_path=station.path,
                department=dept,
                kind=kind,
                qualifications=f",{','.join(tags)},",
                expertise=f",{rng.choice(quals)},",
                regions=f",{station.code},",
                on_duty=rng.random() > 0.05,
                phone=f"1{rng.choice('35789')}{rng.randint(0, 999999999):09d}",
            )
        )
    Inspector.objects.bulk_create(made, batch_size=2000)
    # 演示账号“inspector”对应一名执法人员
    for user in User.objects.filter(
        role=Role.INSPECTOR, unit__path__startswith=county.path, inspector__isnull=True
    ):
        target = (
            Inspector.objects.filter(
                unit=user.unit, kind="officer", user__isnull=True, on_duty=True
            )
            .order_by("badge_no")
            .first()
        )
        if target:
            target.user = user
            target.name = user.display_name
            target.save()
    return len(made)


def seed_tasks(county, planner, approver=None):
    """演示用的年度计划（已备案）与一项已批准的抽查任务，用户可直接冻结名单、走抽取仪式。

    任务：企业公示信息的抽查（FJSC-001），对本县（区）的企业与农民专业合作社按信用风险分类
    差异化抽查（B 类 3%、C 类 5%、D 类 10%，B 类备选 2 户），完成时限约两个月后。不执行抽取。
    规则检查不通过（如演示主体太少）时任务留作草稿，任务页上会列出原因。返回 (计划, 任务)。
    """
    today = services.today()
    year = today.year
    item = InspectionItem.objects.get(unit=county, code="FJSC-001")
    credit_dept = OrgUnit.objects.get(code=f"{county.code}D01")
    region = county.short_name or county.name
    plan = services.create_plan(
        planner,
        unit=county,
        kind=PlanKind.ANNUAL,
        year=year,
        name=f"{region}{year}年度“双随机、一公开”抽查计划",
        lead_department=credit_dept,
        departments=[credit_dept],
        items=[item],
        target_scope="辖区内登记的企业、农民专业合作社（A类主体无事不扰）",
        ratio=Decimal("0.05"),
        batches=1,
        deadline=datetime.date(year, 12, 31),
        note="演示数据",
    )
    plan = services.file_plan(plan, planner, on=min(today, datetime.date(year, 1, 20)))
    task = services.create_task(
        planner,
        unit=county,
        plan=plan,
        year=year,
        items=[item],
        lead_department=credit_dept,
        target_kind=TargetKind.ENTITIES,
        entity_types=["enterprise", "coop"],
        statuses=["active"],
        stratify=Stratify.CREDIT,
        quota_mode=QuotaMode.CLASS_RATIO,
        class_ratios={"B": "0.03", "C": "0.05", "D": "0.10"},
        reserves={"B": 2},
        methods=item.method_list,
        inspectors_per_target=2,
        start_date=today,
        deadline=today + datetime.timedelta(days=61),
        note="演示任务：已批准，可预览并冻结名单，由任务执行方与监督见证方完成抽取仪式。",
    )
    approver = approver or User.objects.get(username=planner.username.replace("planner", "leader"))
    try:
        task = services.approve_task(task, approver)  # 职责分离：制定人 planner，批准人 leader
    except ValidationError:
        pass  # 留作草稿：任务页的“批准前检查”会说明原因
    return plan, task


def seed_mailings(planner, today=None):
    """已完成抽取的前三户检查对象各放一种邮寄情形：已寄出待回执、首次被退回（第二次的窗口未过）、
    两次均被退回。没有已完成的抽取时什么都不做；返回写入的户数。"""
    today = today or services.today()

    def day(n):
        return today - datetime.timedelta(days=n)

    rows = Inspection.objects.filter(
        scope.under(planner.unit.county.path), draw__status="completed", mailings__isnull=True
    ).order_by("draw_id", "rank")[:3]
    for n, inspection in enumerate(rows):
        sent = (day(3), day(10), day(40))[n]
        first = notices.record_mailing(
            inspection, planner, method="registered", sent_on=sent, tracking_no=f"XA{n}0001"
        )
        if n == 0:
            continue
        notices.record_outcome(
            first,
            planner,
            outcome="returned",
            outcome_on=sent + datetime.timedelta(days=5),
            return_reason="查无此单位",
        )
        if n == 2:
            second = notices.record_mailing(
                inspection, planner, method="ems", sent_on=day(20), tracking_no="EMS0002"
            )
            notices.record_outcome(
                second, planner, outcome="returned", outcome_on=day(10), return_reason="原址已拆迁"
            )
    return len(rows)


def load(entities=2000, inspectors=60, seed=2024, other_county_share=0.1, checks=False):
    """生成演示数据（可重复运行：组织、事项、账号已有则跳过，市场主体和人员追加）。

    checks=True 时另建一项已抽取、正在检查的任务（见 demo/checks.py；抽取文件写进数据目录）。"""
    rng = random.Random(seed)
    with transaction.atomic():
        counties = build_org()
        users, planners = [], {}
        for county in counties.values():
            build_items(county)
            made = build_users(county)
            users += made
            planners[county.code] = next(u for u in made if u.role == Role.PLANNER)
        main, other = counties["350503"], counties["350502"]
        n_other = int(entities * other_county_share)
        written = generate_entities(main, entities - n_other, rng)
        written += generate_entities(other, n_other, rng)
        people = generate_inspectors(main, inspectors, rng)
        people += generate_inspectors(other, max(4, inspectors // 5), rng) if inspectors else 0
        task = checking = None
        if entities > 0 and not Task.objects.exists():
            plan, task = seed_tasks(main, planners[main.code])
            if checks:
                from .checks import seed_checks  # 检查结果的各种状态
                from .credit import seed_credit
                from .followups import seed_followups
                from .publicity import seed_publicity
                from .rechecks import seed_rechecks
                from .stats import seed_stats

                checking = seed_checks(main, plan)
                seed_credit(checking)  # 信用反馈：待确认、已确认、已驳回的建议与分类历史
                seed_publicity(checking)  # 结果公示的各种状态（demo/publicity.py）
                seed_rechecks(main, checking)  # 再检查抽样：已完成的与仪式中的
                seed_stats(main, checking)  # 统计与看板：更多结果、已完成的小任务
                seed_followups(plan)  # 后续处置的各种状态（最后：它的抽取占去本所的年度检查次数）
        seed_mailings(planners[main.code])
        seed_listings(main)  # 经营异常名录的各种状态（demo/listings.py）
        audit.log(
            "demo.loaded",
            object_type="core.demo",
            object_repr="演示数据",
            after={"entities": written, "inspectors": people, "seed": seed},
        )
    return {
        "entities": written,
        "inspectors": people,
        "users": users,
        "task": task,
        "checking": checking,
    }
