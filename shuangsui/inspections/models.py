"""检查实施：每个入选对象的检查工作（派发、检查组、检查人员指派；以后还有告知、送达、结果）。

抽取完成时，在同一个事务里把匹配结果派发为检查组、检查对象与指派（`services.dispatch`）。
此后对人员的一切调整（直接指派、跨区域匹配、因病等原因重新匹配、额外成员）都新增指派行、
结束旧的行，并写审计事件：指派行从不删除，历史即调整的留痕。
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from shuangsui.core.models import OrgUnit
from shuangsui.directory.models import Entity, TargetObject
from shuangsui.draws.choices import TargetRole
from shuangsui.draws.models import Draw, DrawnTarget
from shuangsui.inspectors.models import Inspector
from shuangsui.lib import ranges
from shuangsui.plans.models import Task

from .choices import MATCH_FLAGS, AssignmentSource, InspectionStatus, problem_labels


class Dispatch(models.Model):
    """一次抽取的派发：匹配时每户人数、各部门的人均上限（cap）与现场检查所需执法人员数。

    重新匹配时按这里的 cap 优先选择尚未达到上限的人员；每次抽取只派发一次。
    """

    draw = models.OneToOneField(
        Draw, verbose_name="抽取", on_delete=models.PROTECT, related_name="dispatch"
    )
    task = models.ForeignKey(
        Task, verbose_name="抽查任务", on_delete=models.PROTECT, related_name="dispatches"
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True, editable=False)
    per_target = models.PositiveSmallIntegerField(
        "每户（每部门）检查人员数",
        default=0,
        validators=ranges.count("每户检查人员数", 0, ranges.MAX_PER_TARGET),
    )
    min_officers = models.PositiveSmallIntegerField(
        "每户至少执法人员数",
        default=2,
        validators=ranges.count("每户至少执法人员数", 0, ranges.MAX_PER_TARGET),
    )
    departments = models.JSONField(
        "联合检查部门", default=list, blank=True, help_text="联合任务按方案顺序列出部门代码"
    )
    caps = models.JSONField(
        "人均上限", default=dict, blank=True, help_text="部门代码（单部门为空）→ cap"
    )
    dispatched_at = models.DateTimeField("派发时间")
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="派发人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "检查派发"
        verbose_name_plural = "检查派发"
        ordering = ["-dispatched_at"]
        constraints = [
            ranges.count_check(
                "dispatch", "per_target", "每户检查人员数", 0, ranges.MAX_PER_TARGET
            ),
            ranges.count_check(
                "dispatch", "min_officers", "每户至少执法人员数", 0, ranges.MAX_PER_TARGET
            ),
        ]

    def __str__(self):
        return f"{self.draw}的派发"

    def save(self, *args, **kwargs):
        self.scope_path = self.draw.scope_path
        super().save(*args, **kwargs)

    @property
    def is_joint(self):
        return len(self.departments) > 1

    def cap_for(self, department=""):
        return int(self.caps.get(department if self.is_joint else "", 0))


class InspectionGroup(models.Model):
    """检查组：同一组执法人员检查的一批对象。成员（执法人员）相同的对象归入同一组，
    按组内第一个对象的名次编号；调整人员后对象转入成员相同的组（没有则新建）。"""

    draw = models.ForeignKey(
        Draw, verbose_name="抽取", on_delete=models.PROTECT, related_name="inspection_groups"
    )
    task = models.ForeignKey(
        Task, verbose_name="抽查任务", on_delete=models.PROTECT, related_name="inspection_groups"
    )
    number = models.PositiveIntegerField("组号")
    name = models.CharField("名称", max_length=50)
    member_key = models.CharField(
        "成员", max_length=1000, help_text="执法人员的执法证号，排序后以“,”连接"
    )
    scope_path = models.CharField(
        "辖区路径", max_length=255, db_index=True, help_text="组内各对象所属单位路径的公共部分"
    )
    created_at = models.DateTimeField("组建时间", auto_now_add=True)

    audited = True

    class Meta:
        verbose_name = "检查组"
        verbose_name_plural = "检查组"
        ordering = ["draw", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["draw", "number"],
                name="group_number_unique_per_draw",
                violation_error_message="同一次抽取中检查组编号不能重复",
            ),
            models.UniqueConstraint(
                fields=["draw", "member_key"],
                name="group_members_unique_per_draw",
                violation_error_message="同一次抽取中成员相同的对象应在同一检查组",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def member_ids(self):
        return [m for m in self.member_key.split(",") if m]


class Inspection(models.Model):
    """一个入选对象的检查工作：检查组、完成时限与状态；以后的告知、送达、检查结果也挂在这里。"""

    drawn_target = models.OneToOneField(
        DrawnTarget, verbose_name="抽中对象", on_delete=models.PROTECT, related_name="inspection"
    )
    task = models.ForeignKey(
        Task,
        verbose_name="抽查任务",
        on_delete=models.PROTECT,
        related_name="inspections",
        db_index=False,  # 按任务的查询走 inspection_task_progress（任务在前）
    )
    draw = models.ForeignKey(
        Draw, verbose_name="抽取", on_delete=models.PROTECT, related_name="inspections"
    )
    entity = models.ForeignKey(
        Entity,
        verbose_name="市场主体",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    target_object = models.ForeignKey(
        TargetObject,
        verbose_name="检查对象",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    uid = models.CharField("对象标识", max_length=100)
    name = models.CharField("名称", max_length=200, blank=True)
    station = models.ForeignKey(
        OrgUnit,
        verbose_name="所属单位（所）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    scope_path = models.CharField(
        "辖区路径", max_length=255, db_index=True, help_text="对象所属所的路径"
    )
    group = models.ForeignKey(
        InspectionGroup,
        verbose_name="检查组",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    rank = models.PositiveIntegerField("名次")
    role = models.CharField(
        "入选方式", max_length=10, choices=TargetRole.choices, default=TargetRole.SELECTED
    )
    deadline = models.DateField("完成时限", validators=ranges.date("完成时限"))
    status = models.CharField(
        "状态", max_length=12, choices=InspectionStatus.choices, default=InspectionStatus.PENDING
    )
    match_flags = models.JSONField("匹配标记", default=list, blank=True)
    problems = models.JSONField("待处理问题", default=list, blank=True)
    needs_action = models.BooleanField("待处理", default=False, db_index=True)
    replaced_by = models.OneToOneField(
        "self",
        verbose_name="由备选替换为",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaces",
    )
    replacement_reason = models.TextField("替换原因", blank=True)
    created_at = models.DateTimeField("派发时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    audited = True

    class Meta:
        verbose_name = "检查对象"
        verbose_name_plural = "检查对象"
        ordering = ["draw", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["draw", "role", "rank"],
                name="inspection_rank_unique_per_draw",
                violation_error_message="同一次抽取中名次不能重复",
            ),
            models.UniqueConstraint(
                fields=["draw", "uid"],
                name="inspection_uid_unique_per_draw",
                violation_error_message="同一对象在一次抽取中只检查一次",
            ),
        ]
        indexes = [
            # 任务页的进度（抽中、已审核、逾期、将到期的户数）只读索引、不读表：一个任务抽中上万户时，
            # 每次打开任务页都要数一遍
            models.Index(
                fields=["task", "status", "deadline", "draw"], name="inspection_task_progress"
            )
        ]

    def __str__(self):
        return f"{self.name or self.uid}（第{self.rank}名）"

    @property
    def flag_labels(self):
        out = []
        for flag in self.match_flags:
            dept, _, name = flag.rpartition(":")
            label = MATCH_FLAGS.get(name, name)
            out.append(f"{dept}：{label}" if dept else label)
        return out

    @property
    def problem_labels(self):
        return problem_labels(self.problems)


class Assignment(models.Model):
    """检查对象的一名检查人员。调整时结束旧的行（active=False，记结束时间、原因、决定人）
    并新增一行；行从不删除。辅助人员与专家只作额外成员，不计入执法人员。"""

    inspection = models.ForeignKey(
        Inspection, verbose_name="检查对象", on_delete=models.PROTECT, related_name="assignments"
    )
    inspector = models.ForeignKey(
        Inspector, verbose_name="检查人员", on_delete=models.PROTECT, related_name="assignments"
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True)
    department = models.CharField("部门代码", max_length=32, blank=True)
    counts_as_officer = models.BooleanField("计入执法人员", default=True)
    source = models.CharField("来源", max_length=16, choices=AssignmentSource.choices)
    position = models.PositiveSmallIntegerField("顺序", default=0)
    active = models.BooleanField("有效", default=True)
    assigned_at = models.DateTimeField("指派时间")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="决定人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField("指派原因", blank=True)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="结束决定人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    end_reason = models.TextField("结束原因", blank=True)

    audited = True

    class Meta:
        verbose_name = "检查人员指派"
        verbose_name_plural = "检查人员指派"
        ordering = ["inspection", "-active", "position", "id"]
        indexes = [
            models.Index(fields=["inspector", "active"], name="assignment_inspector_active"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "inspector"],
                condition=Q(active=True),
                name="assignment_active_unique",
                violation_error_message="同一检查人员在一个检查对象上只能有一条有效指派",
            ),
        ]

    def __str__(self):
        return f"{self.inspection} · {self.inspector}"
