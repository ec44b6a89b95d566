"""再检查抽样的仪式与复查结果。

- 名单：抽样单位辖区内、该年度任务中已检查完毕（状态“已检查”）的检查对象，可再限检查日期
  （现行检查结果的“检查日期（止）”）；对象标识为“任务编号:对象标识”，层为原检查所属所的代码。
- 户数：每个所 ceil(户数 × 比例)（地区规则 `RegionRules.recheck_ratio`），合计不足最少户数
  （`recheck_minimum`）时依次给余量最多的所各加一户补足；补过的所不再带 `quota_rule`
  （其户数不是 ceil(N × r)）。配额在冻结时算定并写入留痕，先于任何熵。
- 仪式：冻结 → 执行方与监督见证方承诺 → 揭示 →（可选公开随机值）→ 执行，规则全在
  `draws.ceremony`，协议在 `draws.protocol`；记录与名单文件各带 sha256，`tools/verify_draw.py` 可核验。
- 抽样不建“抽取”（Draw）也不建抽中对象（DrawnTarget），所以从不计入主体的年度检查频次。
- 交叉检查：再检查人员来自原检查所属所以外的单位；原检查的人员（指派过的、到场的）一律回避。

每个写操作一个事务、一条审计事件。
"""

import json
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from shuangsui.core import audit, scope
from shuangsui.core.models import OrgUnit
from shuangsui.draws import ceremony, protocol
from shuangsui.draws.choices import DrawStatus
from shuangsui.inspections.choices import InspectionStatus
from shuangsui.inspections.models import Assignment, Inspection
from shuangsui.inspectors.models import Inspector
from shuangsui.plans.services import ratio_str, rules_for
from shuangsui.results.models import Result

from .choices import FileKind, Outcome
from .models import RecheckAssignment, RecheckItem, RecheckSample

NO_STATION = "0"  # 没有所属所的检查对象（对象库里的对象）所在的层
FILE_NAMES = {FileKind.POPULATION: "population.csv", FileKind.RECORD: "record.json"}


# ---------------------------------------------------------------- 名单与户数


@dataclass
class Candidate:
    uid: str
    stratum: str
    inspection_id: int


def completed_inspections(unit, year, period_from=None, period_to=None):
    """抽样单位辖区内、该年度任务中已检查完毕的检查对象。"""
    qs = Inspection.objects.filter(
        scope.under(unit.path), status=InspectionStatus.COMPLETED, task__year=year
    )
    if period_from or period_to:
        results = Result.objects.filter(current=True)
        if period_from:
            results = results.filter(checked_to__gte=period_from)
        if period_to:
            results = results.filter(checked_to__lte=period_to)
        qs = qs.filter(pk__in=results.values("inspection_id"))
    return qs


def build_population(unit, year, period_from=None, period_to=None):
    """候选名单：(“任务编号:对象标识”, 所代码, 检查编号)，按对象标识排序、不重复。"""
    rows = (
        completed_inspections(unit, year, period_from, period_to)
        .order_by("pk")
        .values_list("pk", "uid", "task__code", "station__code")
    )
    seen = {}
    for pk, uid, code, station in rows:
        seen.setdefault(f"{code}:{uid}", Candidate(f"{code}:{uid}", station or NO_STATION, pk))
    return [seen[k] for k in sorted(seen, key=lambda k: k.encode())]


def strata_of(candidates):
    counts = {}
    for c in candidates:
        counts[c.stratum] = counts.get(c.stratum, 0) + 1
    return dict(sorted(counts.items()))


def sample_quotas(strata, ratio, minimum):
    """每层 ceil(N × 比例)；合计不足 min(最少户数, 总户数) 时，按余量从多到少（同量按层名）
    逐层加一补足。返回 (配额, 配额比例)：补过的层不带比例。"""
    r = ratio_str(ratio, "再检查抽样比例")
    quotas = {label: protocol.quota_from_ratio(n, r) for label, n in strata.items()}
    rule = {label: r for label in strata}
    short = min(int(minimum), sum(strata.values())) - sum(quotas.values())
    while short > 0:
        order = sorted(strata, key=lambda label: (quotas[label] - strata[label], label))
        for label in order:
            if short == 0:
                break
            if quotas[label] < strata[label]:
                quotas[label] += 1
                rule.pop(label, None)
                short -= 1
    return quotas, rule


def sampling_units(user):
    """用户可以发起抽样的单位：辖区内的县（区）局及以上（本级，或上级对下级）。"""
    levels = ("province", "city", "county")
    return scope.units_in_scope(user).filter(level__in=levels).order_by("path")


# ---------------------------------------------------------------- 查询与权限


def _checker_q(user):
    return Q(items__checkers__inspector__user=user)


def samples_for(user):
    """可见的抽样：辖区内（draws.view），或本人是其中一户的再检查人员。"""
    mine = RecheckSample.objects.filter(_checker_q(user)).values("pk")
    seen = scope.scoped(RecheckSample.objects.all(), user, "draws.view").values("pk")
    return RecheckSample.objects.filter(Q(pk__in=seen) | Q(pk__in=mine)).select_related("unit")


def get_sample(user, pk):
    sample = samples_for(user).filter(pk=pk).first()
    if sample is None:
        scope.refuse_existing(RecheckSample.objects.filter(pk=pk).exists(), user, "draws.view")
    return sample


def get_item(user, pk):
    item = (
        RecheckItem.objects.select_related("sample", "inspection", "inspection__task", "station")
        .filter(pk=pk)
        .first()
    )
    if item is None:
        scope.refuse_existing(False, user)
    get_sample(user, item.sample_id)
    return item


def may_operate(user, sample):
    return scope.can(user, "draws.operate") and scope.in_scope(user, sample.scope_path)


def may_record(user, item):
    """录入复查结果：本户的再检查人员本人，或抽样辖区内的执行方（计划管理）代为录入。"""
    if may_operate(user, item.sample):
        return True
    return item.checkers.filter(inspector__user=user).exists()


def _lock(sample):
    return RecheckSample.objects.select_for_update().select_related("unit").get(pk=sample.pk)


def _rel(sample, kind):
    return f"rechecks/{ceremony.safe(sample.code)}/{FILE_NAMES[kind]}"


def read_file(sample, kind):
    digest = sample.population_digest if kind == FileKind.POPULATION else sample.record_sha256
    rel = sample.population_file if kind == FileKind.POPULATION else sample.record_file
    return ceremony.read_checked(rel, digest, FileKind(kind).label)


def download_name(sample, kind):
    return f"{ceremony.safe(sample.code)}-{FILE_NAMES[kind]}"


# ---------------------------------------------------------------- 仪式


def _next_code(unit, year):
    prefix = f"RC{unit.code}-{year}-"
    n = RecheckSample.objects.filter(code__startswith=prefix).count() + 1
    return f"{prefix}{n:02d}"


def freeze(user, unit, year, *, period_from=None, period_to=None, cross_check=False, note=""):
    """冻结名单：算定各所户数，保存名单文件，摘要与配额写入留痕（先于任何熵）。"""
    if period_from and period_to and period_from > period_to:
        raise ValidationError({"period_to": "检查日期（止）不能早于（起）"})

    def work():
        scope.check_write(user, "draws.operate", unit.path)
        if unit.level not in ("province", "city", "county"):
            raise ValidationError({"unit": "再检查由县（区）局或其上级发起"})
        written = []
        try:
            with transaction.atomic():
                OrgUnit.objects.select_for_update().get(pk=unit.pk)  # 同一单位的编号串行
                return _freeze(user, unit, year, period_from, period_to, cross_check, note, written)
        except BaseException:
            ceremony.discard(written)
            raise

    return ceremony.retrying(work)


def _freeze(user, unit, year, period_from, period_to, cross_check, note, written):
    candidates = build_population(unit, year, period_from, period_to)
    if not candidates:
        raise ValidationError("范围内没有已检查完毕的检查对象")
    rules = rules_for(unit)
    strata = strata_of(candidates)
    quotas, rule = sample_quotas(strata, rules.recheck_ratio, rules.recheck_minimum)
    data = protocol.population_csv((c.uid, c.stratum) for c in candidates)
    sample = RecheckSample(
        code=_next_code(unit, year),
        unit=unit,
        year=year,
        period_from=period_from,
        period_to=period_to,
        cross_check=cross_check,
        note=(note or "").strip(),
        ratio=rules.recheck_ratio,
        minimum=rules.recheck_minimum,
        population_digest=protocol.digest(data),
        population_count=len(candidates),
        strata=strata,
        quotas=quotas,
        quota_rule=rule,
        frozen_at=timezone.now(),
        frozen_by=user,
    )
    sample.population_file = _rel(sample, FileKind.POPULATION)
    ceremony.write_file(sample.population_file, data, written)
    sample.save()
    audit.log(
        "recheck.frozen",
        sample,
        after={
            "code": sample.code,
            "year": year,
            "period": [str(period_from or ""), str(period_to or "")],
            "cross_check": cross_check,
            "population_digest": sample.population_digest,
            "count": sample.population_count,
            "strata": strata,
            "quotas": quotas,
            "quota_rule": rule,
            "ratio": ratio_str(sample.ratio),
            "minimum": sample.minimum,
        },
    )
    return sample


def _party_role(user):
    return ceremony.party_role(user)


def next_label(sample, user):
    return ceremony.next_label(sample, _party_role(user))


def commit(sample, user, *, commitment=None, value=None, label=None):
    """提交承诺（执行方或监督见证方）；服务端只保存承诺值。"""
    return ceremony.commit(
        sample, user, _lock, "recheck", commitment=commitment, value=value, label=label
    )


def reveal(sample, user, value):
    """揭示：全部承诺之后，核对秘密值与承诺相符后计入熵。"""
    return ceremony.reveal(sample, user, value, _lock, "recheck")


def add_public_value(sample, user, label, value):
    return ceremony.add_public_value(sample, user, label, value, _lock, "recheck")


def run(sample, user):
    """执行抽样：按协议选出各所的户，保存记录文件与再检查对象。"""

    def work():
        scope.check_write(user, "draws.operate", sample.scope_path)
        written = []
        try:
            with transaction.atomic():
                return _run(_lock(sample), user, written)
        except BaseException:
            ceremony.discard(written)
            raise

    try:
        return ceremony.retrying(work)
    except protocol.ProtocolError as exc:
        raise ValidationError(f"抽样未能完成：{exc}") from exc


def _run(sample, user, written):
    ceremony.check_ready(sample)
    population = read_file(sample, FileKind.POPULATION)
    record = protocol.make_record(
        sample.code,
        population,
        sample.quotas,
        commitments=ceremony.commitments_of(sample),
        entropy=ceremony.entropy_of(sample),
        created_at=timezone.localtime().isoformat(timespec="seconds"),
        quota_rule=sample.quota_rule or None,
    )
    problems = protocol.verify_record(record, population)
    if problems:  # pragma: no cover - 协议实现自相矛盾时才会发生
        raise ValidationError(f"抽样记录自检未通过：{problems[0]}")
    data = protocol.record_json(record)
    sample.record_file = _rel(sample, FileKind.RECORD)
    sample.record_sha256 = ceremony.write_file(sample.record_file, data, written)
    ids = {
        c.uid: c.inspection_id
        for c in build_population(sample.unit, sample.year, sample.period_from, sample.period_to)
    }
    chosen = {e["uid"]: e for e in record["selected"]}
    missing = [uid for uid in chosen if uid not in ids]
    if missing:
        raise ValidationError(f"抽中的 {missing[0]} 已不是已检查完毕的对象，请重新冻结名单")
    inspections = Inspection.objects.in_bulk([ids[uid] for uid in chosen])
    RecheckItem.objects.bulk_create(
        RecheckItem(
            sample=sample,
            inspection_id=ids[uid],
            station_id=inspections[ids[uid]].station_id,
            scope_path=inspections[ids[uid]].scope_path,
            rank=e["rank"],
            uid=uid,
            stratum=e["stratum"],
            key=e["key"],
        )
        for uid, e in chosen.items()
    )
    sample.seed = record["seed"]
    sample.selected_count = len(chosen)
    sample.status = DrawStatus.COMPLETED
    sample.completed_at = timezone.now()
    sample.completed_by = user
    RecheckSample.objects.filter(pk=sample.pk).update(
        record_file=sample.record_file,
        record_sha256=sample.record_sha256,
        seed=sample.seed,
        selected_count=sample.selected_count,
        status=sample.status,
        completed_at=sample.completed_at,
        completed_by=user,
    )
    audit.log(
        "recheck.completed",
        sample,
        before={"status": DrawStatus.READY},
        after={
            "status": sample.status,
            "seed": sample.seed,
            "entropy": record["entropy"],
            "record_sha256": sample.record_sha256,
            "selected": sample.selected_count,
        },
    )
    return sample


def verify_stored(sample):
    """核对保存的文件：摘要与登记相符，记录通过协议第 6 节的核验。"""
    if not sample.record_file:
        return ["尚未完成抽样"]
    try:
        population = read_file(sample, FileKind.POPULATION)
        record = json.loads(read_file(sample, FileKind.RECORD))
    except ceremony.FileMismatch as exc:
        return exc.messages
    return protocol.verify_record(record, population)


# ---------------------------------------------------------------- 再检查人员与结果


def original_people(inspection):
    """原检查的人员：指派过的（含已结束的指派）与检查结果上登记到场的。"""
    assigned = Assignment.objects.filter(inspection=inspection).values_list(
        "inspector_id", flat=True
    )
    present = Result.present.through.objects.filter(result__inspection=inspection).values_list(
        "inspector_id", flat=True
    )
    return set(assigned) | set(present)


def checker_problem(item, inspector):
    """这名人员不能复查这一户的原因；可以时为空字符串。"""
    if inspector.pk in original_people(item.inspection):
        return f"{inspector.name}参加了原检查，须回避"
    if not inspector.scope_path.startswith(item.sample.scope_path):
        return f"{inspector.name}不在抽样单位的辖区内"
    if item.sample.cross_check and item.station_id and inspector.unit_id == item.station_id:
        return f"交叉检查须由原检查所属所（{item.station.name}）以外的人员复查"
    if not inspector.on_duty:
        return f"{inspector.name}不在岗"
    return ""


def eligible_checkers(item):
    """可指派的再检查人员（执法人员，在岗，抽样辖区内，按上面的回避规则）。"""
    people = Inspector.objects.filter(
        scope.under(item.sample.scope_path), kind="officer", on_duty=True
    ).exclude(pk__in=original_people(item.inspection))
    if item.sample.cross_check and item.station_id:
        people = people.exclude(unit_id=item.station_id)
    return people.select_related("unit").order_by("unit__code", "badge_no")


def assign(item, user, inspectors):
    """指派再检查人员（执行方）：原检查人员回避；交叉检查时须来自另一单位。"""
    inspectors = list(inspectors)
    if not inspectors:
        raise ValidationError("请选择再检查人员")
    problems = [p for p in (checker_problem(item, i) for i in inspectors) if p]
    if problems:
        raise ValidationError(problems)

    def work():
        scope.check_write(user, "draws.operate", item.sample.scope_path)
        with transaction.atomic():
            locked = RecheckItem.objects.select_for_update().get(pk=item.pk)
            if locked.outcome != Outcome.PENDING:
                raise ValidationError("已录入再检查结果，不能再调整人员")
            taken = set(locked.checkers.values_list("inspector_id", flat=True))
            now = timezone.now()
            added = [i for i in inspectors if i.pk not in taken]
            RecheckAssignment.objects.bulk_create(
                RecheckAssignment(
                    item=locked,
                    inspector=i,
                    scope_path=locked.scope_path,
                    assigned_at=now,
                    assigned_by=user,
                )
                for i in added
            )
            audit.log(
                "recheck.assigned",
                locked,
                after={"inspectors": [i.badge_no for i in added], "sample": item.sample.code},
            )
            return locked

    return ceremony.retrying(work)


def record_outcome(item, user, outcome, *, missed="", correction_needed=False, remark=""):
    """录入复查结果：与原结果一致，或有问题未发现（写明未发现的问题、原结果是否须更正）。"""
    if outcome not in (Outcome.CONSISTENT, Outcome.MISSED):
        raise ValidationError({"outcome": "请选择再检查结果"})
    missed = (missed or "").strip()
    if outcome == Outcome.MISSED and not missed:
        raise ValidationError({"missed": "有问题未发现时须写明未发现的问题"})
    if outcome == Outcome.CONSISTENT:
        missed, correction_needed = "", False

    def work():
        if not may_record(user, item):
            raise PermissionDenied("只有本户的再检查人员或抽样单位的计划管理可以录入结果")
        with transaction.atomic():
            locked = RecheckItem.objects.select_for_update().get(pk=item.pk)
            if locked.outcome != Outcome.PENDING:
                raise ValidationError("这一户的再检查结果已录入")
            if not locked.checkers.exists():
                raise ValidationError("请先指派再检查人员")
            before = {"outcome": locked.outcome, "missed": locked.missed}
            locked.outcome = outcome
            locked.missed = missed
            locked.correction_needed = bool(correction_needed)
            locked.remark = (remark or "").strip()
            locked.recorded_by = user
            locked.recorded_at = timezone.now()
            locked.full_clean()
            locked.save()
            audit.log(
                "recheck.recorded",
                locked,
                before=before,
                after={
                    "outcome": outcome,
                    "missed": missed,
                    "correction_needed": locked.correction_needed,
                    "inspection": locked.uid,
                },
            )
            return locked

    return ceremony.retrying(work)


# ---------------------------------------------------------------- 统计


def _items(year, scope_path):
    return RecheckItem.objects.filter(
        sample__status=DrawStatus.COMPLETED, sample__year=year
    ).filter(scope.under(scope_path))


def missed_by_inspector(year, scope_path):
    """各检查人员的原检查被再检查的户数与“有问题未发现”的户数。

    `scope_path` 为辖区路径（如 user 的 `core.scope.root_path(user)`）；按再检查对象的辖区（原检查
    所属所）筛选。每户记给原检查的有效指派人员。返回按未发现户数、证号排序的字典列表：
    inspector_id, badge_no, name, station, rechecked, missed。"""
    rows = (
        Assignment.objects.filter(
            active=True,
            inspection__rechecks__in=_items(year, scope_path).exclude(outcome="pending"),
        )
        .values("inspector_id", "inspector__badge_no", "inspector__name", "inspector__unit__name")
        .annotate(
            rechecked=Count("inspection__rechecks", distinct=True),
            missed=Count(
                "inspection__rechecks",
                filter=Q(inspection__rechecks__outcome=Outcome.MISSED),
                distinct=True,
            ),
        )
    )
    out = [
        {
            "inspector_id": r["inspector_id"],
            "badge_no": r["inspector__badge_no"],
            "name": r["inspector__name"],
            "station": r["inspector__unit__name"],
            "rechecked": r["rechecked"],
            "missed": r["missed"],
        }
        for r in rows
    ]
    return sorted(out, key=lambda r: (-r["missed"], r["badge_no"]))


def missed_by_station(year, scope_path):
    """各所：再检查已录入的户数、有问题未发现的户数、原结果须更正的户数。"""
    rows = (
        _items(year, scope_path)
        .exclude(outcome=Outcome.PENDING)
        .values("station__code", "station__name")
        .annotate(
            rechecked=Count("pk"),
            missed=Count("pk", filter=Q(outcome=Outcome.MISSED)),
            corrections=Count("pk", filter=Q(correction_needed=True)),
        )
        .order_by("station__code")
    )
    return [
        {
            "station": r["station__name"] or "—",
            "code": r["station__code"] or "",
            "rechecked": r["rechecked"],
            "missed": r["missed"],
            "corrections": r["corrections"],
        }
        for r in rows
    ]
