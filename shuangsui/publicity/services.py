"""公开：门户上能看到什么（只读、无需登录），服务端缓存与按客户端限流。

公开的范围：
- 抽查事项清单：有效的抽查事项；
- 抽查计划公告：已备案的计划（备案日为公告日）；
- 抽查任务公告：已批准的任务——任务批准即公开，批准时间（approved_at）就是公告时间；
- 抽取核验：已公开任务的已完成或已作废的抽取，只给公开记录（抽取协议第 8 节）；信用分类分层的抽取
  按地区规则（RegionRules.credit_draws_public）决定公开记录是否向社会公开。

页面缓存至多 5 分钟；发布或更正之后调用 purge()，所有缓存的页面立即失效。

抽查结果的公示（“谁检查、谁录入、谁公开”，000“边检查边处理边公示”）：
- 审核通过的现行结果即“待公示”，显示公示期限（地区规则：检查结束或任务完成之日起 20 日或 20 个工作日，
  按法定工作日历；更正的版本自审核通过之日起算）；
- 任务的负责单位分批发布：地区指定了公示员（Publisher）时由公示员，否则由任务所在局的计划管理；
- 依法不适合公开的结果：申请写明法律依据与理由，由申请人以外有批准权限的人批准，单独统计；
- 更正后的版本发布时旧行标“已更正”及日期（仍公开），撤回的行标“已撤回”，都清除门户缓存。
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from shuangsui.catalog.models import InspectionItem, ResultCode
from shuangsui.core import audit, scope, workdays
from shuangsui.core.choices import Role, UnitLevel
from shuangsui.core.models import AuditCheckpoint, OrgUnit
from shuangsui.core.signals import own_event
from shuangsui.directory import search
from shuangsui.directory.models import Entity
from shuangsui.directory.search import BROAD, clean_query, estimate, search_entities
from shuangsui.draws import services as draws
from shuangsui.draws.choices import DrawStatus, FileKind, TargetRole
from shuangsui.inspections.models import Inspection
from shuangsui.listings.choices import Stage as ListingStage
from shuangsui.listings.models import AbnormalListing
from shuangsui.plans import services as plans
from shuangsui.plans.choices import PlanStatus, PublicationStart, TaskStatus
from shuangsui.plans.models import AnnualPlan, Task
from shuangsui.results.choices import ResultStatus
from shuangsui.results.models import Result

from .choices import WithholdingStatus
from .models import Publication, PublishedResult, Publisher, Withholding

CACHE_SECONDS = 300  # 至多 5 分钟
SEARCH_LIMIT = settings.PUBLIC_SEARCH_LIMIT  # 每个客户端每分钟的查询次数（默认 60）
WINDOW_SECONDS = 60
_VERSION_KEY = "publicity:version"


# ---------------------------------------------------------------- 缓存


def _version():
    version = cache.get(_VERSION_KEY)
    if version is None:
        cache.add(_VERSION_KEY, 1, None)
        version = cache.get(_VERSION_KEY) or 1
    return version


def cache_key(path):
    digest = hashlib.sha256(path.encode()).hexdigest()
    return f"publicity:page:{_version()}:{digest}"


def purge():
    """让门户所有缓存的页面失效（发布、更正、作废之后调用）。换一个版本号，旧键自然过期。"""
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 2, None)


# ---------------------------------------------------------------- 限流


def allow(client, bucket="search", limit=SEARCH_LIMIT, window=WINDOW_SECONDS, now=None):
    """本客户端在当前时间窗内还能再请求一次吗？计数放在 Django 缓存里（生产用共享缓存）。"""
    slot = int((now if now is not None else time.time()) // window)
    key = f"publicity:rate:{bucket}:{hashlib.sha256(client.encode()).hexdigest()[:32]}:{slot}"
    cache.add(key, 0, window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # 刚好过期
        cache.set(key, 1, window + 1)
        count = 1
    return count <= limit


# ---------------------------------------------------------------- 公开的范围


def public_items():
    return (
        InspectionItem.objects.filter(active=True)
        .select_related("unit", "department")
        .order_by("unit__path", "code")
    )


def public_plans():
    return (
        AnnualPlan.objects.filter(status=PlanStatus.FILED)
        .select_related("unit", "lead_department")
        .order_by("-year", "-filed_on", "pk")
    )


def public_tasks():
    """已批准（含已抽取）的任务；批准时间即公告时间。"""
    return (
        Task.objects.filter(
            status__in=(TaskStatus.APPROVED, TaskStatus.DRAWN, TaskStatus.COMPLETED),
            approved_at__isnull=False,
        )
        .select_related("unit", "lead_department", "plan")
        .order_by("-approved_at", "-pk")
    )


def search_tasks(tasks, query):
    query = (query or "").strip()
    if not query:
        return tasks
    return tasks.filter(Q(name__icontains=query) | Q(code__icontains=query))


def public_task(pk):
    return public_tasks().filter(pk=pk).first()


def public_draws(task):
    """任务已完成或已作废的抽取（作废的只在完成后作废时有记录）。"""
    return task.draws.filter(status__in=(DrawStatus.COMPLETED, DrawStatus.VOIDED)).order_by(
        "number"
    )


def public_draw(task, number):
    return public_draws(task).filter(number=number).first()


def record_for_everyone(draw):
    """公开记录与公开名单是否向社会公开：不按信用分类分层的总是；分层的看地区规则。"""
    if not draw.credit_strata:
        return True
    return plans.rules_for(draw.task.unit).credit_draws_public


def may_download(draw, kind):
    return (
        kind in (FileKind.PUBLIC_RECORD, FileKind.PUBLIC_POPULATION)
        and bool(draws.file_info(draw, kind)[0])
        and record_for_everyone(draw)
    )


def drawn_list(draw):
    """入选与备选名单（公开字段：名次、名称、对象标识、键，以及匹配的检查人员姓名与执法证号）。"""
    names = draws.inspector_names(draw)
    show_stratum = not draw.credit_strata  # 信用分类不公开（抽取协议第 8 节）
    rows = []
    targets = draw.targets.select_related("entity", "target_object").order_by("role", "rank")
    for t in targets:
        owner = t.entity or t.target_object
        rows.append(
            {
                "role": t.get_role_display(),
                "selected": t.role == TargetRole.SELECTED,
                "rank": t.rank,
                "uid": t.uid,
                "name": owner.name if owner else "",
                "key": t.key,
                "stratum": t.stratum if show_stratum else "",
                "inspectors": draws.describe_inspectors(t.inspectors, names),
            }
        )
    return rows


def public_stratum_labels(draw):
    """公开记录里的层：信用分类换成 S1、S2……（按标签顺序）；其余原样。"""
    labels = sorted(draw.strata)
    if draw.credit_strata:
        return {label: f"S{i}" for i, label in enumerate(labels, start=1)}
    return {label: label for label in labels}


def checkpoints():
    return AuditCheckpoint.objects.order_by("-at")


# ---------------------------------------------------------------- 抽查机关


def authority_of(unit):
    """公告上的抽查机关：股室、所归到所属的局；其他行政部门（非市场监管）是它自己。"""
    if unit.level == UnitLevel.DEPARTMENT and not unit.is_market_regulator:
        return unit
    return unit.county


# ---------------------------------------------------------------- 谁能发布、谁能批准不予公示


def publishers_of(task):
    """任务所在地区指定的公示员（本局或上级设定的最近一级）；没有时为空。"""
    bureau = task.unit.county
    rows = Publisher.objects.filter(unit__path__in=bureau.ancestor_paths(), user__is_active=True)
    nearest = rows.order_by("-unit__path").values_list("unit_id", flat=True).first()
    return rows.filter(unit_id=nearest) if nearest else rows.none()


def may_publish(user, task):
    """任务的负责单位发布：地区有公示员时是公示员，否则是任务所在局（辖区内）的计划管理。"""
    if user is None or not user.is_authenticated or not scope.in_scope(user, task.scope_path):
        return False
    designated = publishers_of(task)
    if designated.exists():
        return designated.filter(user=user).exists()
    return user.role == Role.PLANNER


def check_publish(user, task):
    if not may_publish(user, task):
        who = "本地区指定的公示员" if publishers_of(task).exists() else "任务所在局的计划管理"
        raise PermissionDenied(f"抽查结果由任务的负责单位公示：只有{who}可以发布")


def may_decide_withholding(user, withholding):
    """批准“不予公示”：辖区内有批准权限（plans.approve）的人，且不是申请人。"""
    return (
        scope.can(user, "plans.approve")
        and scope.in_scope(user, withholding.scope_path)
        and withholding.requested_by_id != user.pk
    )


# ---------------------------------------------------------------- 待公示与期限


def approved_current(tasks=None):
    """审核通过的现行结果（检查对象未取消）。"""
    rows = Result.objects.filter(status=ResultStatus.APPROVED, current=True).exclude(
        inspection__status="cancelled"
    )
    if tasks is not None:
        rows = rows.filter(inspection__task__in=tasks)
    return rows


def ready_results(task):
    """待公示：审核通过的现行结果，尚未公示，也没有待批准或已批准的不予公示申请。"""
    return (
        approved_current([task])
        .filter(published__isnull=True)
        .exclude(withholdings__status__in=(WithholdingStatus.PENDING, WithholdingStatus.APPROVED))
        .select_related("inspection", "inspection__task", "inspection__station", "item")
        .order_by("inspection__rank", "item__code")
    )


def due_date(result, calendar=None, rules=None):
    """公示期限：(届满日, 说明)。日历缺年份或尚未起算时届满日为 None，说明写明原因。

    起算：地区规则为“对象检查结束之日”时用该结果的检查日期（止），为“任务完成之日”时用任务完成日；
    更正的版本自审核通过之日起算。"""
    inspection = result.inspection
    region = rules or plans.rules_for(inspection.station or inspection.task.unit)
    if result.previous_id:
        start = timezone.localtime(result.reviewed_at).date() if result.reviewed_at else None
    elif region.publication_start == PublicationStart.TASK_DONE:
        start = inspection.task.completed_on
        if start is None:
            return None, "任务完成后起算"
    else:
        start = result.checked_to or result.checked_from
    return workdays.safe_deadline(
        start, region.publication_days, region.publication_working, calendar
    )


def clock(due, today=None):
    """期限的状态：{"state": overdue/soon/""，"days": 剩余天数（逾期为负）}；期限未定时 days 为 None。"""
    if due is None:
        return {"state": "", "days": None, "late": 0}
    today = today or timezone.localdate()
    days = (due - today).days
    state = "overdue" if days < 0 else ("soon" if days <= 3 else "")
    return {"state": state, "days": days, "late": max(0, -days)}


def pending_with_clock(task, today=None):
    """待公示的结果与各自的期限：[(结果, 届满日, 说明, 状态)]。"""
    calendar = workdays.Calendar()
    out = []
    for result in ready_results(task):
        due, why = due_date(result, calendar)
        out.append((result, due, why, clock(due, today)))
    return out


# ---------------------------------------------------------------- 发布、撤回


def code_text(codes):
    names = dict(ResultCode.objects.filter(code__in=codes).values_list("code", "name"))
    return "；".join(f"{c} {names.get(c, '')}".strip() for c in codes)


def _next_number(authority, year):
    OrgUnit.objects.select_for_update().filter(pk=authority.pk).first()  # 同一机关的编号依次分配
    last = Publication.objects.filter(authority=authority, year=year).aggregate(n=Max("number"))
    return (last["n"] or 0) + 1


def publish(user, task, results=None, today=None):
    """发布一批抽查结果公告：results 为要公示的结果（默认全部待公示的）。返回公告。

    更正的版本发布时，被更正版本的公示行标“已更正”及日期，并指向新行；门户缓存随即清除。"""
    check_publish(user, task)
    today = today or timezone.localdate()
    with transaction.atomic(), own_event(Publication, PublishedResult):
        task = Task.objects.select_for_update().select_related("unit").get(pk=task.pk)
        ready = ready_results(task)
        if results is not None:
            wanted = {r.pk for r in results}
            ready = ready.filter(pk__in=wanted)
            if ready.count() != len(wanted):
                raise ValidationError(
                    "所选结果中有的不是待公示的（未审核、已公示或申请了不予公示）"
                )
        ready = list(ready.select_related("inspection__entity", "previous"))
        if not ready:
            raise ValidationError("没有待公示的检查结果")
        authority = authority_of(task.unit)
        number = _next_number(authority, task.year)
        now = timezone.now()
        publication = Publication.objects.create(
            task=task,
            authority=authority,
            year=task.year,
            number=number,
            title=Publication.make_title(authority.name, task.year, number),
            published_on=today,
            published_at=now,
            published_by=user,
        )
        calendar = workdays.Calendar()
        corrected = 0
        for result in ready:
            due, _ = due_date(result, calendar)
            old = PublishedResult.objects.filter(result_id=result.previous_id).first()
            if old is None and result.previous_id:  # 更正了不止一次：找最近一个公示过的版本
                old = (
                    PublishedResult.objects.filter(
                        result__inspection=result.inspection_id, result__item=result.item_id
                    )
                    .order_by("-version")
                    .first()
                )
            inspection = result.inspection
            row = PublishedResult.objects.create(
                publication=publication,
                result=result,
                task=task,
                authority=authority,
                entity=inspection.entity,
                uid=inspection.uid,
                name=inspection.name or (inspection.entity.name if inspection.entity else ""),
                item=result.item,
                item_name=result.item.name,
                version=result.version,
                checked_from=result.checked_from,
                checked_to=result.checked_to,
                codes=result.codes,
                code_text=code_text(result.code_list),
                published_on=today,
                due_on=due,
                on_time=None if due is None else today <= due,
                replaces=old if old and old.corrected_on is None else None,
            )
            if row.replaces_id:
                PublishedResult.objects.filter(pk=old.pk).update(corrected_on=today, updated_at=now)
                corrected += 1
        audit.log(
            "publication.published",
            publication,
            actor=user,
            after={
                "title": publication.title,
                "results": [r.pk for r in ready],
                "corrections": corrected,
            },
        )
        transaction.on_commit(purge)
        return publication


def withdraw(user, row, reason, today=None):
    """撤回一条公示的结果：仍然公开，标“已撤回”及日期与理由；门户缓存随即清除。"""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("撤回须写明理由")
    check_publish(user, row.task)
    with transaction.atomic(), own_event(PublishedResult):
        row = PublishedResult.objects.select_for_update().get(pk=row.pk)
        if row.withdrawn_on or row.corrected_on:
            raise ValidationError(f"该公示{row.state}，不能再撤回")
        row.withdrawn_on = today or timezone.localdate()
        row.withdrawal_reason = reason
        row.save(update_fields=["withdrawn_on", "withdrawal_reason", "updated_at"])
        audit.log("publication.withdrawn", row, actor=user, after={"reason": reason})
        transaction.on_commit(purge)
        return row


# ---------------------------------------------------------------- 依法不予公示


def request_withholding(user, result, basis, reason):
    """申请不予公示：写明法律依据与理由；批准之前该结果不发布。"""
    basis, reason = (basis or "").strip(), (reason or "").strip()
    errors = {}
    if not basis:
        errors["basis"] = "请写明不予公示的法律依据"
    if not reason:
        errors["reason"] = "请写明不予公示的理由"
    if errors:
        raise ValidationError(errors)
    task = result.inspection.task
    check_publish(user, task)
    with transaction.atomic(), own_event(Withholding):
        result = Result.objects.select_for_update().get(pk=result.pk)
        if result.status != ResultStatus.APPROVED or not result.current:
            raise ValidationError("只有审核通过的现行结果可以申请不予公示")
        if PublishedResult.objects.filter(result=result).exists():
            raise ValidationError("该结果已经公示；如需更正请提出更正，或撤回")
        existing = result.withholdings.exclude(status=WithholdingStatus.REJECTED).first()
        if existing:  # 未批准的申请留着，可以重新申请
            raise ValidationError(f"该结果已有不予公示申请（{existing.get_status_display()}）")
        row = Withholding.objects.create(
            result=result, task=task, basis=basis, reason=reason, requested_by=user
        )
        audit.log(
            "withholding.requested", row, actor=user, after={"basis": basis, "reason": reason}
        )
        return row


def decide_withholding(user, withholding, approve, note=""):
    """批准或不批准不予公示（申请人以外、有批准权限的人）。不批准时该结果回到待公示。"""
    note = (note or "").strip()
    with transaction.atomic(), own_event(Withholding):
        row = Withholding.objects.select_for_update().get(pk=withholding.pk)
        if row.requested_by_id == user.pk:
            raise PermissionDenied("不予公示须由申请人以外的人批准")
        if not may_decide_withholding(user, row):
            raise PermissionDenied("只有本辖区有批准权限的人可以批准不予公示")
        if row.status != WithholdingStatus.PENDING:
            raise ValidationError(f"该申请{row.get_status_display()}，不能再决定")
        if not approve and not note:
            raise ValidationError({"note": "不批准须写明意见"})
        row.status = WithholdingStatus.APPROVED if approve else WithholdingStatus.REJECTED
        row.decided_by = user
        row.decided_at = timezone.now()
        row.decision_note = note
        row.save()
        audit.log(
            "withholding.approved" if approve else "withholding.rejected",
            row,
            actor=user,
            after={"note": note},
        )
        return row


# ---------------------------------------------------------------- 公示率与按时率


def rates(tasks, group="task"):
    """各任务（group="task"）或各负责单位（group="unit"）的公示情况：
    {键: {"approved", "withheld", "publishable", "published", "on_time", "overdue_pending",
    "rate", "on_time_rate"}}。

    公示率 = 已公示 ÷（审核通过 − 依法不予公示）；按时率 = 按时公示 ÷ 已公示。不予公示的单独计数。"""
    key = "inspection__task_id" if group == "task" else "inspection__task__unit_id"
    base = approved_current(tasks).values(key).order_by()
    approved = dict(base.annotate(n=Count("id")).values_list(key, "n"))
    withheld = dict(
        base.filter(withholdings__status=WithholdingStatus.APPROVED)
        .annotate(n=Count("id"))
        .values_list(key, "n")
    )
    published = dict(
        base.filter(published__isnull=False).annotate(n=Count("id")).values_list(key, "n")
    )
    on_time = dict(
        base.filter(published__on_time=True).annotate(n=Count("id")).values_list(key, "n")
    )
    out = {}
    for k, n in approved.items():
        w, p, t = withheld.get(k, 0), published.get(k, 0), on_time.get(k, 0)
        publishable = n - w
        out[k] = {
            "approved": n,
            "withheld": w,
            "publishable": publishable,
            "published": p,
            "on_time": t,
            "rate": round(100 * p / publishable, 1) if publishable else None,
            "on_time_rate": round(100 * t / p, 1) if p else None,
        }
    return out


# ---------------------------------------------------------------- 门户上的结果


def public_results():
    """公示的结果（含已更正、已撤回的：它们照样公开，带标记）。"""
    return PublishedResult.objects.select_related("publication", "task", "replaced_by").order_by(
        "-published_on", "-pk"
    )


def public_publications():
    return (
        Publication.objects.select_related("task", "authority")
        .annotate(n=Count("rows"))
        .order_by("-published_at", "-pk")
    )


def search_results(query):
    """按名称片段（2 个字起）或统一社会信用代码查找公示的结果；名称查找用名录库的检索。"""
    query = (query or "").strip()
    rows = public_results()
    guess = estimate(clean_query(query))
    if (guess or 0) > search.SCAN or (guess is not None and _few_published()):
        # 很宽泛的名称片段（如“有限公司”，命中过半；页面只显示估计数、不计数）：沿公示日期索引倒序逐行
        # 比对主体的名称、取够一页即停，不先从名称索引取出几十万户（search.name_like）。公示的结果不多
        # （不过 search.WALK_MAX 条）时任何名称片段都这样查：最多逐行比对完这些结果，而经名称索引要先
        # 取出名录里的全部命中（百万户里“鑫源”两万多户，约 40 ms）
        return search.name_like(rows, query, field="entity__name")
    # 名录库的检索（两个字起走索引：SQLite FTS5 trigram / PostgreSQL 二元组 GIN）找主体，再取其公示的结果
    entities = search_entities(Entity.objects.all(), query).values("pk")
    if connection.vendor == "sqlite" and _broad(query, entities):
        # 命中的主体很多（如“有限”、代码前缀“91350503”）：“entity_id + 0”让 SQLite 沿公示日期索引倒序
        # 扫描、逐行查是否命中，取够一页即停，而不是取出几十万条命中再排序（bench/portal.py）
        rows = rows.alias(_entity=F("entity_id") + 0)
        return rows.filter(_entity__in=entities)
    # 代码也由名录检索按前缀找到（18 位即精确），不再另加“或 uid = 输入”：那个 OR 让 PostgreSQL
    # 用不上主体索引，只好倒着扫整个公示日期索引（bench/portal.py 的 EXPLAIN）
    return rows.filter(entity__in=entities)


def _few_published():
    """公示的结果不过 search.WALK_MAX 条吗（按最大主键，一次索引查找；有空缺时偏大，只会更少逐行比对）。"""
    top = PublishedResult.objects.aggregate(top=Max("pk"))["top"] or 0
    return top <= search.WALK_MAX


def _broad(query, entities):
    """命中超过 BROAD 户吗：名称按名录索引估计，代码前缀数到 BROAD 为止（走代码索引，几毫秒）。"""
    guess = estimate(query)
    if guess is None:
        guess = entities[: BROAD + 1].count()
    return guess > BROAD


def public_checks(uid):
    """对象在已公开任务的已完成抽取中被抽中的检查（名次、任务），不含作废的抽取与取消的对象。"""
    checks = Inspection.objects.filter(
        uid=uid, draw__status=DrawStatus.COMPLETED, task__in=public_tasks().values("pk")
    )
    entity = Entity.objects.filter(uid=uid).values_list("pk", flat=True).first()
    if entity is not None:
        # 市场主体：按主体的索引找，而不是逐条看公开任务的全部检查（代码列没有索引）
        checks = checks.filter(entity_id=entity)
    return (
        checks.exclude(status="cancelled")
        .select_related("task", "task__unit", "draw")
        .order_by("-draw__completed_at")
    )


def public_listings(uid):
    """对象列入经营异常名录（个体工商户为经营异常状态）的公开情况：批准了的列入，含已移出的。

    公开：处理（列入/标记）、事由、列入日期、作出决定的机关、移出日期；不公开检查情况、提醒记录与审批意见。"""
    rows = (
        AbnormalListing.objects.filter(entity__uid=uid, stage=ListingStage.APPROVED)
        .exclude(listed_on=None)
        .select_related("station", "entity")
        .order_by("-listed_on", "-pk")
    )
    return [
        {
            "name": row.entity.name,
            "mark": row.get_mark_display(),
            "state": row.state_label,
            "cause": row.get_cause_display(),
            "listed_on": row.listed_on,
            "authority": authority_of(row.station).name,
            "removed_on": row.removed_on,
        }
        for row in rows
    ]
