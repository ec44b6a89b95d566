"""辖区范围与角色权限：所有读取和写入都经过这里（默认拒绝）。

每个受辖区约束的模型都有 `scope_path` 字段（其所属单元的路径）；用户只能读写
`scope_path` 以其辖区根路径开头的记录。

联合部门（其他行政部门）的账号不是本局的人：它在县（区）辖区之内也只见本部门参与的抽查
（发起或参与的任务、计划，这些任务的抽取、抽中对象与检查），名录库里只见这些任务抽中的对象
（联系方式也只对这些对象）。各应用在 `AppConfig.ready()` 里用 `register_participation()` 登记
自己模型的“参与”条件；没有登记的模型对联合部门一律为空（默认拒绝）。
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from .choices import Role, UnitLevel

# 角色能做的事（能力）；读取另受辖区约束
CAPABILITIES = {
    Role.ADMIN: {
        "directory.view",
        "directory.edit",
        "directory.import",
        "catalog.view",
        "catalog.edit",
        "inspectors.view",
        "inspectors.edit",
        "inspectors.import",
        "users.manage",
        "codes.edit",
        "audit.view",
        "plans.view",
        "plans.edit",
        "plans.approve",
        "draws.view",
        "draws.operate",
        "directory.export",
        "credit.view",
        "stats.view",
    },
    Role.PLANNER: {
        "directory.view",
        "directory.edit",
        "directory.import",
        "directory.export",
        "catalog.view",
        "catalog.edit",
        "inspectors.view",
        "inspectors.edit",
        "inspectors.import",
        "audit.view",
        "plans.view",
        "plans.edit",
        "plans.approve",
        "draws.view",
        "draws.operate",
        "credit.view",
        "credit.confirm",
        "stats.view",
    },
    Role.BUSINESS: {
        "directory.view",
        "directory.export",
        "catalog.view",
        "catalog.edit",
        "inspectors.view",
        "plans.view",
        "plans.edit",
        "draws.view",
        "credit.view",
    },
    Role.STATION_HEAD: {
        "directory.view",
        "directory.export",
        "catalog.view",
        "inspectors.view",
        "plans.view",
        "draws.view",
        "credit.view",
        "work.station",
        "stats.view",
    },
    Role.INSPECTOR: {"directory.view", "catalog.view", "work.own", "credit.view"},
    Role.JOINT_DEPT: {"directory.view", "catalog.view", "catalog.edit", "plans.view", "draws.view"},
    Role.WITNESS: {
        "directory.view",
        "catalog.view",
        "inspectors.view",
        "plans.view",
        "draws.view",
        "draws.witness",
        "audit.view",
        "credit.view",
    },
}

# 列入经营异常名录：查看、办理（提醒、登记移出申请、登记已公示）、所长审核、局审批
CAPABILITIES[Role.BUREAU_APPROVER] = {"directory.view", "catalog.view", "credit.view"}
for _role, _caps in {
    Role.ADMIN: {"listings.view"},
    Role.PLANNER: {"listings.view", "listings.handle"},
    Role.BUSINESS: {"listings.view"},
    Role.STATION_HEAD: {"listings.view", "listings.handle", "listings.review"},
    Role.INSPECTOR: {"listings.view", "listings.handle"},
    Role.WITNESS: {"listings.view"},
    Role.BUREAU_APPROVER: {"listings.view", "listings.approve"},
}.items():
    CAPABILITIES[_role] = CAPABILITIES[_role] | _caps

# 以所为辖区的角色
STATION_ROLES = {Role.STATION_HEAD, Role.INSPECTOR}


def under(path, field="scope_path"):
    """`field` 以 `path` 开头的条件，写成范围比较，两种数据库都能走索引。

    路径都以“/”结尾，“/”之后的字符是“0”，所以上界是把末尾的“/”换成“0”。
    """
    return Q(**{f"{field}__gte": path, f"{field}__lt": path[:-1] + "0"})


def capabilities(user):
    if user is None or not user.is_authenticated or not user.is_active or user.unit_id is None:
        return set()
    return CAPABILITIES.get(user.role, set())


def can(user, capability):
    return capability in capabilities(user)


def require(user, capability):
    if not can(user, capability):
        raise PermissionDenied("没有权限执行此操作")


def root_unit(user):
    """用户的辖区根单元：所级角色为本所；部门挂在县（区）的取该县（区）；其他为本单位。"""
    if user is None or not user.is_authenticated or user.unit_id is None:
        return None
    unit = user.unit
    if user.role in STATION_ROLES and unit.level == UnitLevel.STATION:
        return unit
    return unit.county


def root_path(user):
    unit = root_unit(user)
    return unit.path if unit else None


def scoped(queryset, user, capability=None, field="scope_path"):
    """把查询集限定在用户辖区之内；无权限或无单位时返回空集。联合部门另只见本部门参与的记录。"""
    if capability and not can(user, capability):
        return queryset.none()
    path = root_path(user)
    if not path or not capabilities(user):
        return queryset.none()
    queryset = queryset.filter(under(path, field))
    if participation_only(user):
        queryset = only_participating(queryset, user)
    return queryset


# 模型标签 → rule(departments)，返回 Q；departments 为联合部门账号所在部门（含下级）的查询集
PARTICIPATION = {}

# 只见本部门参与的抽查的角色
PARTICIPATION_ROLES = {Role.JOINT_DEPT}


def register_participation(model, rule):
    """登记 `model` 对联合部门可见的条件：`rule(departments)` 返回 Q（应用在 ready() 中调用）。"""
    PARTICIPATION[model._meta.label_lower] = rule


def participation_only(user):
    return user is not None and getattr(user, "role", None) in PARTICIPATION_ROLES


def participating_departments(user):
    """联合部门账号所在的部门（含其下级单元）。"""
    from .models import OrgUnit

    if user is None or user.unit_id is None:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(under(user.unit.path, "path"))


def only_participating(queryset, user):
    """联合部门：只留本部门参与的记录；模型没有登记条件时为空。"""
    rule = PARTICIPATION.get(queryset.model._meta.label_lower)
    if rule is None:
        return queryset.none()
    return queryset.filter(rule(participating_departments(user)))


def visible_shared(queryset, user, capability=None, field="scope_path"):
    """上级下发、本级共用的记录（如抽查事项清单）：辖区之内，或属于辖区的上级单元。"""
    if capability and not can(user, capability):
        return queryset.none()
    path = root_path(user)
    if not path or not capabilities(user):
        return queryset.none()
    unit = root_unit(user)
    county_path = unit.county.path
    ancestors = unit.county.ancestor_paths()
    return queryset.filter(under(county_path, field) | Q(**{f"{field}__in": ancestors}))


def in_scope(user, scope_path):
    path = root_path(user)
    return bool(path and scope_path and scope_path.startswith(path))


NOT_IN_SCOPE = "这条记录不在您的辖区内，您不能查看"
NOT_PERMITTED = "您的角色不能查看这类记录"
NOT_PARTICIPATING = "您所在的部门没有参与涉及这条记录的抽查，不能查看"


def get_scoped(queryset, user, capability=None, **lookup):
    """按辖区取单个对象。不存在时 404；存在但不在辖区内或角色无权查看时 403，并说明原因。"""
    found = scoped(queryset, user, capability).filter(**lookup)
    if lookup and set(lookup) <= {"pk", "id"}:
        # 按主键至多一行，不必排序：first() 按默认排序编译 ORDER BY，在宽的 select_related 上
        # 这要占取一行的三分之一
        obj = next(iter(found.order_by()[:1]), None)
    else:
        obj = found.first()
    if obj is None:
        found = queryset.filter(**lookup)
        reason = None
        path = root_path(user)
        if participation_only(user) and path and found.filter(under(path)).exists():
            reason = NOT_PARTICIPATING
        refuse_existing(found.exists(), user, capability, reason)
    return obj


def refuse_existing(exists, user, capability=None, reason=None):
    """取不到对象时的回答：不存在 → 404；存在 → 403 与原因（角色无权，或不在辖区内）。"""
    if not exists:
        raise Http404("记录不存在")
    if (capability and not can(user, capability)) or not capabilities(user):
        raise PermissionDenied(NOT_PERMITTED)
    raise PermissionDenied(reason or NOT_IN_SCOPE)


def check_write(user, capability, scope_path):
    """写入前检查：有此能力，且目标单元在辖区内。"""
    require(user, capability)
    if not in_scope(user, scope_path):
        raise PermissionDenied("目标不在您的辖区内")


def units_in_scope(user):
    from .models import OrgUnit

    path = root_path(user)
    if not path:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(under(path, "path"))
