"""逾期提醒与到期提醒：看板上列出，也由 `shuangsui stats digest` 每日发邮件。

逾期（按单位：市看各县（区），县（区）看各所，所看本所）：
- 告知书被退回后第二次邮寄逾期（首次寄出之日起 30 日内未寄出第二次）；
- 检查逾期未完成（过了检查对象的完成时限仍待检查、检查中）；
- 结果审核逾期（提交后超过地区规定的审核工作日数仍待审核）；
- 结果公示逾期（审核通过、未公示也未申请不予公示，过了地区规定的公示期限）；
- 后续处置逾期（责令改正等措施过了期限仍未完结）；
- 年度抽查计划（1 月底）未备案、联合抽查计划（3 月底）仍为草稿。

到期提醒：地区的固定日期（上半年报告 7/10、全年报告 11/10、检查组报告 7/31、年度检查与录入完成
11/15 或检查与公示完成 11/20）与每个任务的工作总结（任务完成后 10 日内）。到期日按法定日历：
落在节假日时顺延到其后第一个工作日；自到期日前第 3 个工作日起提醒，到期日当天为“今日到期”。
逾期提醒在期限届满的次日出现。
"""

import datetime
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.conf import settings
from django.db.models import Count, Exists, OuterRef
from django.db.models.functions import Coalesce
from django.urls import reverse

from shuangsui.core import scope, workdays
from shuangsui.core.choices import UnitLevel
from shuangsui.core.models import OrgUnit
from shuangsui.followups.choices import FollowUpStatus
from shuangsui.followups.models import FollowUp
from shuangsui.inspections.choices import InspectionStatus
from shuangsui.inspections.models import Inspection
from shuangsui.notices.choices import MAX_GAP_DAYS, MailOutcome
from shuangsui.notices.models import Mailing
from shuangsui.plans.choices import PlanKind, PlanStatus, TaskStatus
from shuangsui.plans.models import AnnualPlan, Task
from shuangsui.plans.services import rules_for
from shuangsui.publicity import services as publicity
from shuangsui.publicity.choices import WithholdingStatus
from shuangsui.results.choices import ResultStatus
from shuangsui.results.models import Result

from . import services

REMIND_WORKING_DAYS = 3
SUMMARY_DAYS = 10

# (月, 日, 事项)：地区的固定日期；部署时可在设置 STATS_FIXED_DATES 中改
FIXED_DATES = [
    (7, 10, "上半年“双随机、一公开”工作情况报送"),
    (7, 31, "各检查组报送抽查工作情况与统计表"),
    (11, 10, "全年“双随机、一公开”工作情况报送"),
    (11, 15, "年度抽查检查与结果录入完成"),
    (11, 20, "年度抽查检查与结果公示完成"),
]
# (计划类别, 月, 日)：计划报备案的截止日
PLAN_FILING = [(PlanKind.ANNUAL, 1, 31), (PlanKind.JOINT, 3, 31)]

KINDS = {
    "mailing": "告知书第二次邮寄逾期",
    "inspection": "检查逾期未完成",
    "review": "结果审核逾期",
    "publication": "结果公示逾期",
    "followup": "后续处置逾期",
    "plan": "抽查计划逾期未备案",
}


@dataclass
class Overdue:
    kind: str
    unit: str
    count: int
    url: str

    @property
    def label(self):
        return KINDS[self.kind]

    @property
    def text(self):
        return f"{self.unit}：{self.label} {self.count} 项"


@dataclass
class Reminder:
    title: str
    due: datetime.date
    today: datetime.date
    url: str = ""
    figures: list = field(default_factory=list)

    @property
    def text(self):
        when = "今日到期" if self.due == self.today else f"{self.due:%-m月%-d日}到期"
        return f"{self.title}：{when}"


def _by_unit(root, paths):
    """[(辖区路径, 数)] → {单位名: 数}，按看板的行单位归并。"""
    units = services.row_units(root)
    depth = root.path.count("/") + 1
    names = {u.path: u.name for u in units}
    out = {}
    for path, n in paths:
        key = services._unit_key(path, depth) if len(units) > 1 else root.path
        name = names.get(key, root.name)
        out[name] = out.get(name, 0) + n
    return out


def _counted(root, kind, rows, url):
    return [Overdue(kind, name, n, url) for name, n in sorted(_by_unit(root, rows).items()) if n]


def _paths(queryset):
    return [(p, 1) for p in queryset.values_list("scope_path", flat=True)]


def overdue(root, today, calendar=None):
    """root 单元之内今天已逾期的工作，按单位。"""
    calendar = calendar or workdays.Calendar()
    here = scope.under(root.path)
    out = []
    late_mail = Mailing.objects.filter(
        here,
        sequence=1,
        outcome=MailOutcome.RETURNED,
        sent_on__lt=today - datetime.timedelta(days=MAX_GAP_DAYS),
    ).exclude(
        Exists(
            Mailing.objects.filter(
                inspection=OuterRef("inspection"), round=OuterRef("round"), sequence=2
            )
        )
    )
    out += _counted(root, "mailing", _paths(late_mail), reverse("worklist"))
    late = Inspection.objects.filter(
        here,
        status__in=[InspectionStatus.PENDING, InspectionStatus.IN_PROGRESS],
        deadline__lt=today,
        draw__status="completed",
    )
    out += _counted(root, "inspection", _paths(late), reverse("worklist"))
    review_days = rules_for(root).review_days
    waiting = []
    for path, submitted in Result.objects.filter(
        here, current=True, status=ResultStatus.SUBMITTED, submitted_at__isnull=False
    ).values_list("scope_path", "submitted_at"):
        day = submitted.date()
        due, _ = workdays.safe_deadline(day, review_days, True, calendar)
        if due is not None and due < today:
            waiting.append((path, 1))
    out += _counted(root, "review", waiting, reverse("result-review"))
    out += _counted(
        root, "publication", late_publications(root, today, calendar), reverse("publication-list")
    )
    late_followups = FollowUp.objects.filter(here, status=FollowUpStatus.OPEN, due_on__lt=today)
    out += _counted(root, "followup", _paths(late_followups), reverse("followup-list"))
    out += plan_filings(root, today, calendar)
    return out


def late_publications(root, today, calendar):
    """[(辖区路径, 数)]：待公示的结果中公示期限已过的。

    期限只取决于单位的规则与起算日（检查日期或任务完成日），所以未更正的结果按这些列分组、每组
    算一次期限；更正的版本（自审核通过之日起算，很少）逐条算。"""
    rows = (
        publicity.approved_current()
        .filter(scope.under(root.path), published__isnull=True)
        .exclude(withholdings__status__in=(WithholdingStatus.PENDING, WithholdingStatus.APPROVED))
    )
    rules = {}

    def region(unit_id):
        if unit_id not in rules:
            rules[unit_id] = rules_for(OrgUnit.objects.get(pk=unit_id))
        return rules[unit_id]

    out = []
    fields = ("scope_path", "unit", "inspection__task__completed_on", "checked_to", "checked_from")
    grouped = (
        rows.filter(previous__isnull=True)
        .annotate(unit=Coalesce("inspection__station_id", "inspection__task__unit_id"))
        .values_list(*fields)
        .order_by()
        .annotate(n=Count("id"))
    )
    for path, unit_id, completed_on, checked_to, checked_from, n in grouped:
        stub = SimpleNamespace(
            previous_id=None,
            reviewed_at=None,
            checked_to=checked_to,
            checked_from=checked_from,
            inspection=SimpleNamespace(task=SimpleNamespace(completed_on=completed_on)),
        )
        due, _ = publicity.due_date(stub, calendar, region(unit_id))
        if due is not None and due < today:
            out.append((path, n))
    for result in rows.filter(previous__isnull=False).select_related(
        "inspection__task", "inspection__station"
    ):
        unit = result.inspection.station or result.inspection.task.unit
        due, _ = publicity.due_date(result, calendar, region(unit.pk))
        if due is not None and due < today:
            out.append((result.scope_path, 1))
    return out


def plan_filings(root, today, calendar):
    """过了备案截止日：县（区）本年度的年度抽查计划没有或仍为草稿（1 月底），联合抽查计划仍为草稿
    （3 月底；没有联合计划不提醒）。"""
    counties = [root] if root.level == UnitLevel.COUNTY else []
    if root.level in (UnitLevel.CITY, UnitLevel.PROVINCE):
        counties = [u for u in services.row_units(root) if u.level == UnitLevel.COUNTY]
    out = []
    for kind, month, day in PLAN_FILING:
        due = _due(datetime.date(today.year, month, day), calendar)
        if due is None or today <= due:
            continue
        plans = AnnualPlan.objects.filter(unit__in=counties, kind=kind, year=today.year)
        filed = set(plans.filter(status=PlanStatus.FILED).values_list("unit_id", flat=True))
        drafts = set(plans.filter(status=PlanStatus.DRAFT).values_list("unit_id", flat=True))
        for county in counties:
            late = county.pk in drafts or (kind == PlanKind.ANNUAL and county.pk not in filed)
            if late:
                out.append(Overdue("plan", county.name, 1, reverse("plan-list")))
    return out


def _due(day, calendar):
    """固定日期的到期日：落在节假日时顺延到其后第一个工作日；日历缺该年数据时 None。"""
    due, _ = workdays.safe_deadline(day - datetime.timedelta(days=1), 1, False, calendar)
    return due


def _remind_from(due, calendar):
    day, counted = due, 0
    while counted < REMIND_WORKING_DAYS:
        day -= datetime.timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    return day


def _window(due, today, calendar):
    if due is None or today > due:
        return False
    try:
        return _remind_from(due, calendar) <= today
    except workdays.CalendarMissing:
        return today == due


def reminders(root, today, calendar=None, user=None):
    """今天应提醒的到期事项：地区固定日期与各任务的工作总结（附总结的数字）。"""
    calendar = calendar or workdays.Calendar()
    out = []
    for month, day, title in getattr(settings, "STATS_FIXED_DATES", FIXED_DATES):
        due = _due(datetime.date(today.year, month, day), calendar)
        if _window(due, today, calendar):
            out.append(Reminder(title, due, today, reverse("stats")))
    start = today - datetime.timedelta(days=SUMMARY_DAYS + 15)
    tasks = Task.objects.filter(scope.under(root.path), status=TaskStatus.COMPLETED)
    tasks = tasks.filter(completed_on__gte=start, completed_on__lte=today)
    for task in tasks.order_by("completed_on", "code"):
        due, _ = workdays.safe_deadline(task.completed_on, SUMMARY_DAYS, False, calendar)
        if _window(due, today, calendar):
            out.append(
                Reminder(
                    f"{task.code} {task.name}工作总结",
                    due,
                    today,
                    reverse("stats-summary", args=[task.pk]),
                    summary_figures(task),
                )
            )
    return out


SUMMARY_KEYS = [
    ("targets", "抽查户数"),
    ("checked", "已检查"),
    ("problem", "发现问题"),
    ("unreachable", "无法联系"),
    ("ordered", "责令整改"),
    ("entered", "已录入"),
]


def summary_figures(task):
    """工作总结预填的数字：[(名称, 值)]。"""
    f = services.tally(services.ledger(task.unit.county or task.unit, task.year, task=task))
    out = [(name, f[key]) for key, name in SUMMARY_KEYS]
    out.append(("问题发现率", services.display("problem_rate", f["problem_rate"])))
    return out


def digest(root, today, calendar=None):
    """每日摘要的正文；没有要提醒的事时为空。"""
    calendar = calendar or workdays.Calendar()
    late = overdue(root, today, calendar)
    due = reminders(root, today, calendar)
    if not late and not due:
        return ""
    lines = [f"{root.name} {today.isoformat()} 双随机、一公开工作提醒", ""]
    if late:
        lines.append("逾期工作：")
        lines += [f"- {a.text}" for a in late]
        lines.append("")
    if due:
        lines.append("到期提醒：")
        for r in due:
            lines.append(f"- {r.text}")
            if r.figures:
                lines.append("  " + "，".join(f"{k} {v}" for k, v in r.figures))
    return "\n".join(lines) + "\n"
