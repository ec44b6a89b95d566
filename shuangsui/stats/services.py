"""统计表：按年度（及季度）、按单位汇总抽查工作，所 → 县（区）→ 市逐级汇总；完整性检查。

每张表都用聚合查询算出（每个单位一组带条件的 COUNT，同一条 SQL），不逐户循环。
可见范围按辖区：市看各县（区）并列，县（区）看各所，所只看本所。

对象所在单位：市场主体取其登记/管辖单位，对象库中的对象取其所属单位（抽中对象本身记的是
任务所属单位，所以这里按对象定位）。有效抽取：已完成、未作废的抽取。
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Count, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from shuangsui.catalog.models import InspectionItem
from shuangsui.core import scope
from shuangsui.core.choices import Role, UnitLevel
from shuangsui.core.models import OrgUnit, User
from shuangsui.directory.choices import EntityStatus, EntityType
from shuangsui.directory.models import Entity
from shuangsui.draws.choices import DrawStatus, TargetRole
from shuangsui.draws.models import DrawnTarget
from shuangsui.draws.reports import COUNTED, DIFFERENTIATED
from shuangsui.followups import choices as followup_codes
from shuangsui.followups.choices import FollowUpStatus
from shuangsui.followups.models import FollowUp
from shuangsui.inspections.choices import InspectionStatus
from shuangsui.inspections.models import Dispatch, Inspection, InspectionGroup
from shuangsui.listings.choices import Stage as ListingStage
from shuangsui.listings.models import AbnormalListing
from shuangsui.plans.choices import PlanKind, TaskStatus
from shuangsui.plans.models import AnnualPlan, Task
from shuangsui.plans.services import percent, ratio_cap, rules_for, task_ratio
from shuangsui.publicity.choices import WithholdingStatus
from shuangsui.publicity.models import PublishedResult, Withholding
from shuangsui.results.choices import ResultStatus
from shuangsui.results.models import Result, tags

VIEW = "stats.view"

# 统计期间：全年或某一季度（按抽取完成日期）
PERIODS = {
    "": "全年",
    "Q1": "第一季度",
    "Q2": "第二季度",
    "Q3": "第三季度",
    "Q4": "第四季度",
}

# 表头：(分组, [(键, 列名)])；导出时分组为合并的上一行表头
WORK_GROUPS = [
    ("抽查情况", [("tasks", "抽查任务数"), ("targets", "抽取户数")]),
    ("检查进度", [("dispatched", "已派发"), ("checked", "已检查"), ("pending", "待检查")]),
    (
        "检查结果",
        [
            ("unreachable", "无法联系"),
            ("no_problem", "未发现问题"),
            ("problem", "发现问题"),
            ("ordered", "责令整改"),
            ("listed", "列入经营异常名录"),
            ("filed", "立案"),
            ("referred", "移送"),
        ],
    ),
    (
        "录入、公示与后续处置",
        [
            ("entered", "已录入"),
            ("published", "已公示"),
            ("published_on_time", "按时公示"),
            ("followup_done", "后续处置已完结"),
        ],
    ),
    (
        "比率",
        [
            ("entry_rate", "录入率"),
            ("publish_rate", "公示率"),
            ("on_time_rate", "按时完成率"),
            ("followup_rate", "后续处置率"),
            ("problem_rate", "问题发现率"),
        ],
    ),
]
YEARLY_GROUPS = [
    (
        "年度企业抽查比例",
        [
            ("enterprises", "抽查企业数"),
            ("base", "企业基数"),
            ("ratio", "抽查比例"),
            ("checked_enterprises", "已检查企业数"),
            ("checked_ratio", "检查比例"),
        ],
    ),
    (
        "差异化抽查（除专业领域外）",
        [("share_total", "计入户数"), ("share_diff", "差异化户数"), ("share", "占比")],
    ),
    ("联合检查", [("joint", "联合检查户数"), ("visits_saved", "减少上门次数")]),
]
COLUMN_GROUPS = WORK_GROUPS + YEARLY_GROUPS
COLUMNS = [key for _, cols in COLUMN_GROUPS for key, _ in cols]
WORK_COLUMNS = [key for _, cols in WORK_GROUPS for key, _ in cols]
PERCENT_COLUMNS = {
    "ratio",
    "share",
    "checked_ratio",
    "entry_rate",
    "publish_rate",
    "on_time_rate",
    "followup_rate",
    "problem_rate",
}
# 后续处置措施（catalog.FollowUpMeasure 代码）：立案、移送
FILED_MEASURES = {followup_codes.CASE_FILED}
REFERRED_MEASURES = {
    followup_codes.CASE_REFERRAL,
    followup_codes.OTHER_DEPARTMENT,
    followup_codes.JUDICIAL,
}
ORDER_MEASURES = {followup_codes.ORDER_CORRECTION}

# 分组统计的维度
BREAKDOWNS = {
    "": "按单位",
    "task": "按任务",
    "group": "按检查组",
    "department": "按部门",
    "item": "按事项",
}

# 结果代码：发现问题（含下级代码）、无法联系、责令改正、未发现问题
PROBLEM_CODES = {"A", "2", "3", "4", "5", "6", "8", "B", "C", "D", "E"}
UNREACHABLE_CODE = "6"
ORDERED_CODE = "E"
NO_PROBLEM_CODE = "1"


class StatsError(ValueError):
    """统计参数不对（期间、单位）：给页面与命令行的中文说明。"""


class Cells:
    """表的一行按列取数（默认为按单位的表的全部列）。"""

    def cells(self, columns=None):
        return [self.figures.get(key) for key in columns or COLUMNS]


class Period:
    @property
    def period_label(self):
        return f"{self.year}年{PERIODS[self.period]}"


@dataclass
class Row(Cells):
    unit: OrgUnit
    figures: dict
    total: bool = False

    @property
    def label(self):
        return "合计" if self.total else self.unit.name


@dataclass
class StatsTable(Period):
    title: str
    unit: OrgUnit
    year: int
    period: str
    rows: list
    total: Row
    min_ratio: Decimal
    min_share: Decimal
    warnings: list = field(default_factory=list)

    @property
    def all_rows(self):
        return [*self.rows, self.total] if len(self.rows) > 1 else [self.total]


def row_units(root):
    """表中并列的单位：市 → 各县（区），县（区）→ 各所，所 → 本所。"""
    level = {UnitLevel.PROVINCE: UnitLevel.CITY, UnitLevel.CITY: UnitLevel.COUNTY}.get(
        root.level, UnitLevel.STATION if root.level == UnitLevel.COUNTY else None
    )
    if level is None:
        return [root]
    children = list(OrgUnit.objects.filter(parent=root, level=level).order_by("code"))
    return children or [root]


def report_unit(user, code=None):
    """统计的单位：默认为用户辖区的根单元；给了代码时须在辖区内。"""
    if not scope.can(user, VIEW):
        raise StatsError("您的角色不能查看统计")
    root = scope.root_unit(user)
    if not code:
        return root
    unit = OrgUnit.objects.filter(code=code).first()
    if unit is None:
        raise StatsError(f"没有代码为 {code} 的单位")
    if not scope.in_scope(user, unit.path):
        raise StatsError(f"单位 {code} 不在您的辖区内")
    if unit.level == UnitLevel.DEPARTMENT:
        raise StatsError("统计按县（区）、所汇总，请选择县（区）或所")
    return unit


def period_range(year, period):
    if period not in PERIODS:
        raise StatsError(f"统计期间应为 {'、'.join(k for k in PERIODS if k)} 或空（全年）")
    if not period:
        return None
    q = int(period[1])
    start = datetime.date(year, 3 * q - 2, 1)
    end = datetime.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
    return start, end


def _placed(path):
    """抽中对象位于 `path` 单元之内（按主体或对象库对象的所属单位）。"""
    return scope.under(path, "entity__scope_path") | scope.under(path, "target_object__scope_path")


def _ratio(part, whole):
    return Decimal(part) / whole if whole else None


def plan_base(unit, year):
    """该单位本年度年度抽查计划的比例基数（官方实有数或名录统计数）；没有时 None。"""
    for plan in AnnualPlan.objects.filter(unit=unit, year=year, kind=PlanKind.ANNUAL).order_by(
        "id"
    ):
        if plan.base is not None:
            return plan.base
    return None


# 检查与结果的台账 -------------------------------------------------------------
#
# 检查对象（年内 5 万户量级）与其现行结果各取一次所需的几列，逐户算出标记，再按单位、任务、
# 检查组、部门或事项相加：同一份台账给所有分组统计用，各表的口径一致。


FLAGS = (
    "dispatched",
    "checked",
    "pending",
    "unreachable",
    "problem",
    "no_problem",
    "ordered",
    "listed",
    "filed",
    "referred",
    "entered",
    "publishable",
    "published",
    "published_on_time",
    "followup_done",
    "on_time",
    "joint",
    "visits_saved",
)


_BARE = {}


@dataclass
class Check:
    """一户检查对象（按事项、部门统计时为对象 × 事项）的各项标记。"""

    key: object
    task: int
    status: str
    deadline: datetime.date
    enterprise: int | None
    joint_departments: int
    results: list
    followups: list = field(default_factory=list)
    listed: bool = False

    def __post_init__(self):
        # 各项标记算一次，按 FLAGS 的顺序存成 0/1 元组（表按单位、合计各加一遍也不重算）
        if not self.results and not self.followups and not self.listed:
            # 大多数对象：还没有结果，也没有处置——按（状态、联合部门数）查表
            key = (self.status, self.joint_departments)
            if key not in _BARE:
                _BARE[key] = self._vector(self.flags())
            self.vector = _BARE[key]
        else:
            self.vector = self._vector(self.flags())

    @staticmethod
    def _vector(flags):
        return tuple(int(flags[name]) for name in FLAGS)

    def flags(self):
        live = self.status != InspectionStatus.CANCELLED
        checked = self.status == InspectionStatus.COMPLETED
        joint = live and self.joint_departments > 1
        saved = max(self.joint_departments - 1, 0) if live else 0
        approved = [r for r in self.results if r["status"] == ResultStatus.APPROVED]
        codes = set()
        for r in approved:
            codes.update(tags(r["codes"]))
        problem = checked and bool(codes & PROBLEM_CODES)
        ends = [r["checked_to"] for r in approved if r["checked_to"]]
        measures = {f["code"] for f in self.followups}
        # 公示：依法不予公示（已批准）的结果不计；其余审核通过的结果都已公示才算已公示
        publishable = [r for r in approved if not r["withheld"]]
        published = checked and bool(publishable) and all(r["published"] for r in publishable)
        return {
            "dispatched": live,
            "checked": checked,
            "pending": self.status == InspectionStatus.PENDING,
            "unreachable": checked and UNREACHABLE_CODE in codes,
            "problem": problem,
            "no_problem": checked and not problem and NO_PROBLEM_CODE in codes,
            "ordered": checked and (ORDERED_CODE in codes or bool(measures & ORDER_MEASURES)),
            "listed": self.listed,
            "filed": bool(measures & FILED_MEASURES),
            "referred": bool(measures & REFERRED_MEASURES),
            "entered": live
            and any(
                r["status"] in (ResultStatus.SUBMITTED, ResultStatus.APPROVED) for r in self.results
            ),
            "publishable": checked and bool(publishable),
            "published": published,
            "published_on_time": published
            and all(r["published"] == "on_time" for r in publishable),
            "followup_done": problem
            and bool(self.followups)
            and all(f["status"] == FollowUpStatus.CLOSED for f in self.followups),
            "on_time": checked and (not ends or max(ends) <= self.deadline),
            "joint": joint,
            "visits_saved": saved,
        }


def _inspections(root, year, window, task=None):
    rows = Inspection.objects.filter(
        scope.under(root.path), task__year=year, draw__status=DrawStatus.COMPLETED
    )
    if task is not None:
        rows = rows.filter(task=task)
    if window:
        rows = rows.filter(
            draw__completed_at__date__gte=window[0], draw__completed_at__date__lt=window[1]
        )
    return rows


def ledger(root, year, window=None, *, by="", task=None):
    """[(分组键, Check)]。by 为空时分组键是检查对象的辖区路径；task、group；department、item
    时每户按任务的各事项拆开，只看该事项的结果。"""
    inspections = _inspections(root, year, window, task)
    fields = ["id", "scope_path", "task_id", "group_id", "draw_id", "status", "deadline"]
    rows = list(inspections.values_list(*fields, "entity_id", "entity__entity_type"))
    joint = {
        d: len(deps)
        for d, deps in Dispatch.objects.filter(draw_id__in={r[4] for r in rows}).values_list(
            "draw_id", "departments"
        )
    }
    # 结果、公示、后续处置、列异都按辖区路径与年度取（走各自的路径索引），再只留台账里的对象
    ids = {r[0] for r in rows}
    here = scope.under(root.path)
    current = Result.objects.filter(here, current=True, inspection__task__year=year).exclude(
        status=ResultStatus.DRAFT
    )
    published = {
        pk: "on_time" if on_time else "late"
        for pk, on_time in PublishedResult.objects.filter(here, task__year=year).values_list(
            "result_id", "on_time"
        )
    }
    withheld = set(
        Withholding.objects.filter(
            here, task__year=year, status=WithholdingStatus.APPROVED
        ).values_list("result_id", flat=True)
    )
    results = {}
    for r in current.values("id", "inspection_id", "item_id", "status", "codes", "checked_to"):
        if r["inspection_id"] in ids:
            r["published"] = published.get(r["id"], "")
            r["withheld"] = r["id"] in withheld
            results.setdefault(r["inspection_id"], []).append(r)
    followups = {}
    for f in FollowUp.objects.filter(here, inspection__task__year=year).values(
        "inspection_id", "status", item_id=F("result__item_id"), code=F("measure__code")
    ):
        if f["inspection_id"] in ids:
            followups.setdefault(f["inspection_id"], []).append(f)
    listed = {}
    for pk, item_id in AbnormalListing.objects.filter(
        here, stage=ListingStage.APPROVED, listed_on__isnull=False, inspection__isnull=False
    ).values_list("inspection_id", "result__item_id"):
        if pk in ids:
            listed.setdefault(pk, set()).add(item_id)
    items = {}
    if by in ("department", "item"):
        for task_id, item_id, dept in Task.items.through.objects.filter(
            task_id__in={r[2] for r in rows}
        ).values_list("task_id", "inspectionitem_id", "inspectionitem__department__code"):
            items.setdefault(task_id, []).append((item_id, dept or ""))
    out = []
    for pk, path, task, group, draw, status, deadline, entity, etype in rows:
        enterprise = entity if etype == EntityType.ENTERPRISE else None
        base = dict(task=task, status=status, deadline=deadline, enterprise=enterprise)
        mine = results.get(pk, [])
        if by in ("department", "item"):
            for item_id, dept in items.get(task, []):
                key = item_id if by == "item" else dept
                own = [r for r in mine if r["item_id"] == item_id]
                ups = [f for f in followups.get(pk, []) if f["item_id"] == item_id]
                # 按事项时“已检查”为该事项的结果已审核
                done = any(r["status"] == ResultStatus.APPROVED for r in own)
                item_status = (
                    InspectionStatus.COMPLETED
                    if done and status != InspectionStatus.CANCELLED
                    else status
                )
                out.append(
                    Check(
                        key=key,
                        joint_departments=joint.get(draw, 0),
                        results=own,
                        followups=ups,
                        listed=item_id in listed.get(pk, ()),
                        **{**base, "status": item_status},
                    )
                )
            continue
        key = {"task": task, "group": group}.get(by, path)
        out.append(
            Check(
                key=key,
                joint_departments=joint.get(draw, 0),
                results=mine,
                followups=followups.get(pk, []),
                listed=pk in listed,
                **base,
            )
        )
    return out


def tally(checks):
    """一组 Check 的各项数字与比率（分母为 0 的比率为 None）。"""
    sums = [sum(column) for column in zip(*(c.vector for c in checks), strict=True)]
    f = dict(zip(FLAGS, sums or [0] * len(FLAGS), strict=True))
    f["tasks"] = len({c.task for c in checks})
    f["targets"] = len(checks)
    f["checked_enterprises"] = len(
        {c.enterprise for c in checks if c.enterprise and c.status == InspectionStatus.COMPLETED}
    )
    f["entry_rate"] = _ratio(f["entered"], f["dispatched"])
    f["on_time_rate"] = _ratio(f["on_time"], f["dispatched"])
    f["problem_rate"] = _ratio(f["problem"], f["checked"])
    f["publish_rate"] = _ratio(f["published"], f["publishable"])
    f["followup_rate"] = _ratio(f["followup_done"], f["problem"])
    return f


def _unit_key(path, depth):
    return "/".join(path.split("/")[:depth]) + "/"


def yearly_table(user, year, *, unit_code=None, period=""):
    """年度统计表。`period` 为空（全年）或 Q1–Q4；年度企业抽查比例总按全年。"""
    root = report_unit(user, unit_code)
    window = period_range(year, period)
    units = row_units(root)
    keyed = [(str(i), u.path) for i, u in enumerate(units)] + [("t", root.path)]

    valid = DrawnTarget.objects.filter(
        role=TargetRole.SELECTED, draw__status=DrawStatus.COMPLETED, draw__task__year=year
    )
    in_period = Q()
    if window:
        in_period = Q(
            draw__completed_at__date__gte=window[0], draw__completed_at__date__lt=window[1]
        )
    counted = COUNTED & ~Q(draw__task__professional=True)

    def flag(condition):
        return Case(When(condition, then=Value(True)), default=Value(False))

    # 抽中对象（年内 5 万量级）每户一行、条件在库里判断成标记，再按行单位相加：
    # 比每个单位一组带条件的 COUNT(DISTINCT …) 快得多（PostgreSQL 上尤其如此）
    picked = (
        valid.filter(_placed(root.path))
        .annotate(
            place=Coalesce("entity__scope_path", "target_object__scope_path"),
            in_window=flag(in_period) if window else Value(True),
            counted=flag(counted),
            differentiated=flag(counted & DIFFERENTIATED),
        )
        .values_list(
            "place",
            "draw__task_id",
            "entity_id",
            "entity__entity_type",
            "in_window",
            "counted",
            "differentiated",
        )
    )
    depth = root.path.count("/") + 1
    by_path = {u.path: str(i) for i, u in enumerate(units)}
    row_of = {}  # 辖区路径 → 行（不同的路径只有几百个）

    def row_keys(path):
        if path not in row_of:
            key = by_path.get(_unit_key(path, depth)) if len(units) > 1 else "0"
            row_of[path] = ("t", key) if key else ("t",)
        return row_of[path]

    tasks = {key: set() for key, _ in keyed}
    enterprises = {key: set() for key, _ in keyed}
    drawn = {f"{key}_{n}": 0 for key, _ in keyed for n in ("targets", "share_total", "share_diff")}
    for place, task, entity, etype, in_window, is_counted, is_diff in picked:
        for key in row_keys(place):
            if etype == EntityType.ENTERPRISE:
                enterprises[key].add(entity)
            if not in_window:
                continue
            tasks[key].add(task)
            drawn[f"{key}_targets"] += 1
            drawn[f"{key}_share_total"] += is_counted
            drawn[f"{key}_share_diff"] += is_diff
    for key, _ in keyed:
        drawn[f"{key}_tasks"] = len(tasks[key])
        drawn[f"{key}_enterprises"] = len(enterprises[key])

    groups = {key: [] for key, _ in keyed}
    for check in ledger(root, year, window):
        for key in row_keys(check.key):
            groups[key].append(check)
    work = {key: tally(checks) for key, checks in groups.items()}

    # 企业基数：上年末名录中存续的企业（含未年报，个体工商户等不计）
    year_end = datetime.date(year - 1, 12, 31)
    population = Entity.objects.filter(
        scope.under(root.path),
        entity_type=EntityType.ENTERPRISE,
        status=EntityStatus.ACTIVE,
    ).filter(Q(established__isnull=True) | Q(established__lte=year_end))
    # 按所在单元路径分组一次数完（只读 entity_base_count 索引），再按行单位相加
    counts = dict.fromkeys((f"{key}_base" for key, _ in keyed), 0)
    for path, n in population.values_list("scope_path").order_by().annotate(n=Count("id")):
        for key in row_keys(path):
            counts[f"{key}_base"] += n

    def figures(key, unit):
        f = dict(work[key])
        f.update({name: drawn[f"{key}_{name}"] for name in ("tasks", "targets", "enterprises")})
        f["base"] = plan_base(unit, year) if unit.level != UnitLevel.STATION else None
        if f["base"] is None:
            f["base"] = counts[f"{key}_base"]
        f["ratio"] = _ratio(f["enterprises"], f["base"])
        f["checked_ratio"] = _ratio(f["checked_enterprises"], f["base"])
        f["share_total"] = drawn[f"{key}_share_total"]
        f["share_diff"] = drawn[f"{key}_share_diff"]
        f["share"] = _ratio(f["share_diff"], f["share_total"])
        return f

    rows = [Row(unit, figures(str(i), unit)) for i, unit in enumerate(units)]
    total = Row(root, figures("t", root), total=True)
    if root.level not in (UnitLevel.COUNTY, UnitLevel.STATION) and len(rows) > 1:
        # 市（省）没有自己的计划基数时，合计的基数为各县（区）基数之和
        if plan_base(root, year) is None:
            total.figures["base"] = sum(r.figures["base"] for r in rows)
            total.figures["ratio"] = _ratio(total.figures["enterprises"], total.figures["base"])
            total.figures["checked_ratio"] = _ratio(
                total.figures["checked_enterprises"], total.figures["base"]
            )
    rules = rules_for(root)
    table = StatsTable(
        title=f"{year}年“双随机、一公开”抽查统计表",
        unit=root,
        year=year,
        period=period,
        rows=rows,
        total=total,
        min_ratio=rules.min_yearly_ratio,
        min_share=rules.differentiated_share_min,
    )
    for row in table.all_rows:
        f = row.figures
        if f["ratio"] is not None and f["ratio"] < table.min_ratio:
            table.warnings.append(
                f"{row.label}：年度企业抽查比例 {percent(f['ratio'])} 低于下限 "
                f"{percent(table.min_ratio)}"
            )
        if f["share"] is not None and f["share"] < table.min_share:
            table.warnings.append(
                f"{row.label}：差异化抽查户数占比 {percent(f['share'])} 低于 "
                f"{percent(table.min_share)}"
            )
    return table


@dataclass
class Line(Cells):
    """分组统计表的一行：名称与各项数字。"""

    label: str
    figures: dict
    total: bool = False


@dataclass
class Breakdown(Period):
    title: str
    unit: OrgUnit
    year: int
    period: str
    by: str
    lines: list


def _labels(by, keys):
    if by == "task":
        return {t.pk: f"{t.code} {t.name}" for t in Task.objects.filter(pk__in=keys)}
    if by == "group":
        out = {
            g.pk: f"{g.task.code} {g.name}"
            for g in InspectionGroup.objects.filter(pk__in=keys).select_related("task")
        }
        out[None] = "未编组"
        return out
    if by == "item":
        return {i.pk: f"{i.code} {i.name}" for i in InspectionItem.objects.filter(pk__in=keys)}
    names = dict(OrgUnit.objects.filter(code__in=keys).values_list("code", "name"))
    return {k: names.get(k) or ("本局" if not k else k) for k in keys}


def breakdown_table(user, year, by, *, unit_code=None, period=""):
    """按任务、检查组、部门或事项分组的工作统计（检查、结果、录入、比率）。"""
    if by not in BREAKDOWNS or not by:
        raise StatsError(f"分组应为 {'、'.join(k for k in BREAKDOWNS if k)}")
    root = report_unit(user, unit_code)
    checks = ledger(root, year, period_range(year, period), by=by)
    grouped = {}
    for check in checks:
        grouped.setdefault(check.key, []).append(check)
    labels = _labels(by, [k for k in grouped if k is not None])
    lines = sorted(
        (Line(labels.get(k, str(k)), tally(v)) for k, v in grouped.items()),
        key=lambda line: line.label,
    )
    # 按部门、事项拆开时一户可计入多行：合计按户（不拆事项）
    total = tally(
        ledger(root, year, period_range(year, period)) if by in ("department", "item") else checks
    )
    lines.append(Line("合计", total, total=True))
    return Breakdown(
        title=f"{year}年“双随机、一公开”抽查统计表（{BREAKDOWNS[by]}）",
        unit=root,
        year=year,
        period=period,
        by=by,
        lines=lines,
    )


def display(key, value):
    """单元格的显示文字：比例为百分数，空值为“—”。"""
    if value is None:
        return "—"
    if key in PERCENT_COLUMNS:
        return percent(value)
    return value


# 完整性检查 -----------------------------------------------------------------

ENFORCEMENT_ROLES = (Role.INSPECTOR, Role.STATION_HEAD)


@dataclass
class Finding:
    """一条完整性问题：说明，以及去修正的页面（URL 名与参数）。"""

    text: str
    url_name: str
    url_args: tuple = ()


@dataclass
class Completeness:
    name: str
    findings: list

    @property
    def ok(self):
        return not self.findings


def missing_inspectors(user):
    """执法角色的账号都应在检查人员名录库中（“100%入库”）。"""
    path = scope.root_path(user)
    if not path:
        return []
    users = (
        User.objects.filter(
            scope.under(path, "unit__path"),
            role__in=ENFORCEMENT_ROLES,
            is_active=True,
            inspector__isnull=True,
        )
        .select_related("unit")
        .order_by("unit__path", "username")
    )
    return [
        Finding(
            f"{u.unit.name} {u.get_full_name() or u.username}（{u.get_role_display()}，"
            f"账号 {u.username}）没有检查人员记录",
            "import",
            ("inspectors",),
        )
        for u in users
    ]


def tasks_over_cap(user, year):
    """已批准（或已抽取）的任务，抽查比例不得超过所含一般事项的比例上限。

    逐个任务比较（任务数有限，不是逐户）；分类比例、分类户数的任务按有效抽取冻结的各层人数算比例。
    """
    tasks = scope.scoped(
        Task.objects.filter(year=year, status__in=[TaskStatus.APPROVED, TaskStatus.DRAWN]),
        user,
        "plans.view",
    )
    out = []
    for task in tasks.prefetch_related("items", "draws").order_by("code"):
        cap, item = ratio_cap(task)
        if cap is None:
            continue
        draw = next((d for d in task.draws.all() if d.status == DrawStatus.COMPLETED), None)
        ratio = task_ratio(task, draw.strata if draw else None)
        if ratio is not None and ratio > cap:
            out.append(
                Finding(
                    f"{task.code} {task.name}：抽查比例 {percent(ratio)} 超过一般事项"
                    f"“{item.name}”的比例上限 {percent(cap)}",
                    "task-detail",
                    (task.pk,),
                )
            )
    return out


def completeness(user, year):
    return [
        Completeness("执法人员100%入库", missing_inspectors(user)),
        Completeness("一般事项不超过比例上限", tasks_over_cap(user, year)),
    ]


def today():
    return timezone.localdate()
