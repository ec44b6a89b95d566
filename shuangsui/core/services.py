"""用户自助与单位管理的工作流：API 令牌的生成、列出与停用。

页面、命令行与接口都调用这里；令牌只保存摘要，明文只在生成时返回一次。
"""

import datetime
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import audit, scope
from .models import TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS, ApiToken


def token_expiry(expires=None, days=None):
    """有效期（含当日）：给定日期，或今天起 `days` 天，默认 90 天；最长一年，不能早于今天。"""
    today = timezone.localdate()
    if expires is not None and days is not None:
        raise ValidationError("有效期日期与天数只能给一个")
    if expires is None:
        days = TOKEN_DEFAULT_DAYS if days is None else days
        if days < 1 or days > TOKEN_MAX_DAYS:
            raise ValidationError(f"有效天数须在 1 到 {TOKEN_MAX_DAYS} 之间")
        return today + datetime.timedelta(days=days)
    if expires < today:
        raise ValidationError("有效期不能早于今天")
    if expires > today + datetime.timedelta(days=TOKEN_MAX_DAYS):
        raise ValidationError("有效期最长一年")
    return expires


def may_manage_tokens_of(actor, owner):
    """本人；或本单位（辖区内）的系统管理员。actor 为 None 表示服务器上的命令行。"""
    if actor is None:
        return True
    if actor.pk == owner.pk and actor.is_active:
        return True
    return scope.can(actor, "users.manage") and scope.in_scope(actor, owner.scope_path)


def create_token(actor, owner, name, *, expires=None, days=None):
    """为 owner 生成令牌，返回 (令牌, 明文)。只有本人（或服务器命令行）能生成。"""
    if actor is not None and actor.pk != owner.pk:
        raise PermissionDenied("只能为自己生成令牌")
    if not owner.is_active:
        raise ValidationError("该账号已停用，不能生成令牌")
    name = (name or "").strip()
    if not name:
        raise ValidationError("请填写令牌用途")
    return ApiToken.issue(owner, name, expires=token_expiry(expires, days))


def issue_token(user, name="测试", days=TOKEN_DEFAULT_DAYS):
    """给 user 生成令牌并返回明文（测试与脚本用的简便写法）。"""
    return create_token(None, user, name, days=days)[1]


def tokens_for(user):
    """用户能看到的令牌：自己的；系统管理员另见本辖区所有用户的（从不见他县）。"""
    own = ApiToken.objects.filter(user=user)
    if scope.can(user, "users.manage"):
        path = scope.root_path(user)
        return ApiToken.objects.filter(
            scope.under(path, "user__unit__path") | Q(user=user)
        ).select_related("user", "user__unit")
    return own.select_related("user", "user__unit")


def revoke_token(actor, token):
    """停用令牌（不可恢复）。本人或本辖区系统管理员。"""
    if not may_manage_tokens_of(actor, token.user):
        raise PermissionDenied("不能停用他人的令牌")
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked:
            return token
        token.revoked = True
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked", "revoked_at"])
    return token


def revoke_all_tokens(user):
    """停用该用户所有仍有效的令牌（重置密码、停用账号时）；返回停用的个数。在调用方的事务里，
    不另写审计事件（记在调用方那一条里）。"""
    return ApiToken.objects.filter(user=user, revoked=False).update(
        revoked=True, revoked_at=timezone.now()
    )


def user_tokens(user):
    return ApiToken.objects.filter(user=user).select_related("user")


# ---------------------------------------------------------------- 用户与单位管理
#
# 系统管理员（能力 users.manage）在自己的辖区（scope.root_path）之内：新建用户、设定角色与单位、
# 重置密码、停用与恢复；列出本县（区）的单位树，新建与改名所、股室。从不见他县。
# 每个动作写一条审计事件（动作名见 core/audit_labels.py）；用户从不删除，只停用。
# 这里的修改用 QuerySet.update() 写库，再自己写语义事件，模型的自动留痕不另写一条。

ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 去掉易混的 0O1lI
ONE_TIME_LENGTH = 12


def managed_users(actor):
    """actor 能管理的用户：单位在其辖区之内（含停用的）。"""
    from .models import User

    scope.require(actor, "users.manage")
    return User.objects.filter(scope.under(scope.root_path(actor), "unit__path")).select_related(
        "unit"
    )


def managed_units(actor):
    """actor 能把用户放进去的单位：辖区根单元及其下级。"""
    scope.require(actor, "users.manage")
    return scope.units_in_scope(actor)


def _check_user(actor, user):
    scope.require(actor, "users.manage")
    if user.unit_id is None or not scope.in_scope(actor, user.unit.path):
        raise PermissionDenied("该用户不在您的辖区内")


def _check_unit(actor, unit):
    if unit is None or not scope.in_scope(actor, unit.path):
        raise ValidationError({"unit": "所属单位须在您的辖区之内"})


def _check_role_fits(role, unit):
    from .choices import Role

    if role not in Role.values:
        raise ValidationError({"role": "角色无效"})
    if role == Role.JOINT_DEPT and unit.is_market_regulator:
        raise ValidationError({"role": "联合部门账号须属于其他行政部门（非市场监管部门）"})
    if role != Role.JOINT_DEPT and not unit.is_market_regulator:
        raise ValidationError({"role": "其他行政部门的账号只能是“联合部门”角色"})


def _active_admins(county_path):
    from .choices import Role
    from .models import User

    return User.objects.filter(
        scope.under(county_path, "unit__path"), role=Role.ADMIN, is_active=True
    )


def _would_remove_last_admin(user):
    """user 是其县（区）里最后一名在用的系统管理员吗（停用或改去角色后本县就没人能管理了）。

    市级管理员也管得到县里的账号，所以按被改的人所在的县数，而不按操作人的辖区。
    """
    from .choices import Role

    if user.role != Role.ADMIN or not user.is_active or user.unit_id is None:
        return False
    return not _active_admins(user.unit.county.path).exclude(pk=user.pk).exists()


def one_time_password():
    return "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(ONE_TIME_LENGTH))


def _checked_password(password, user):
    from django.contrib.auth import password_validation

    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    return password


def _user_fields(user):
    return {
        "username": user.username,
        "name": user.display_name,
        "role": user.role,
        "unit": user.unit.name if user.unit_id else "",
        "unit_id": user.unit_id,
        "phone": user.phone,
        "is_active": user.is_active,
    }


def create_user(actor, *, username, last_name, first_name="", role, unit, phone="", password=None):
    """在辖区内新建用户，返回 (用户, 一次性密码或 None)。

    不给 password 时生成一次性密码（只在此时返回）；给了则须通过密码规则。两种都要求首次登录改密码。
    """
    from .choices import Role
    from .models import User

    scope.require(actor, "users.manage")
    _check_unit(actor, unit)
    _check_role_fits(role, unit)
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": "请填写用户名"})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "该用户名已被使用"})
    if not (last_name or "").strip() and not (first_name or "").strip():
        raise ValidationError({"last_name": "请填写姓名"})
    user = User(
        username=username,
        last_name=last_name.strip(),
        first_name=(first_name or "").strip(),
        role=role,
        unit=unit,
        phone=(phone or "").strip(),
        is_staff=(role == Role.ADMIN),
        must_change_password=True,
    )
    generated = None
    if password:
        _checked_password(password, user)
    else:
        password = generated = one_time_password()
    user.set_password(password)
    user.full_clean(exclude=["password"])
    with transaction.atomic():
        User.objects.bulk_create([user])  # 不走自动留痕：下面写一条语义事件
        user = User.objects.get(username=username)
        audit.log(
            "user.created",
            user,
            actor=actor,
            after={**_user_fields(user), "password": "一次性密码" if generated else "管理员设定"},
        )
    return user, generated


def edit_user(actor, user, *, last_name, first_name="", role, unit, phone=""):
    """修改姓名、电话、单位与角色（一条 user.edited 事件，记下改动的字段）。"""
    from .choices import Role
    from .models import User

    _check_user(actor, user)
    _check_unit(actor, unit)
    _check_role_fits(role, unit)
    if not (last_name or "").strip() and not (first_name or "").strip():
        raise ValidationError({"last_name": "请填写姓名"})
    with transaction.atomic():
        user = User.objects.select_for_update(of=("self",)).select_related("unit").get(pk=user.pk)
        if role != user.role and user.pk == actor.pk:
            raise ValidationError({"role": "不能修改自己的角色"})
        if role != Role.ADMIN and _would_remove_last_admin(user):
            raise ValidationError({"role": "这是本县（区）最后一名系统管理员，不能改为其他角色"})
        before = _user_fields(user)
        fields = dict(
            last_name=last_name.strip(),
            first_name=(first_name or "").strip(),
            role=role,
            unit=unit,
            phone=(phone or "").strip(),
            is_staff=(role == Role.ADMIN) or user.is_superuser,
        )
        for key, value in fields.items():
            setattr(user, key, value)
        after = _user_fields(user)
        if before == after:
            return user
        User.objects.filter(pk=user.pk).update(**fields)
        old, new = ({k: v for k, v in d.items() if before[k] != after[k]} for d in (before, after))
        audit.log("user.edited", user, actor=actor, before=old, after=new)
    return user


def reset_password(actor, user, password=None):
    """重置密码，返回一次性密码（给了 password 时返回 None）；用户下次登录须改密码。"""
    from .models import User

    _check_user(actor, user)
    generated = None
    if password:
        _checked_password(password, user)
    else:
        password = generated = one_time_password()
    user.set_password(password)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(password=user.password, must_change_password=True)
        user.must_change_password = True
        # 密码可能已经泄露：该用户的 API 令牌一并停用（否则旧令牌照样能用）
        revoked = revoke_all_tokens(user)
        audit.log(
            "user.password_reset",
            user,
            actor=actor,
            after={
                "password": "一次性密码" if generated else "管理员设定",
                "tokens_revoked": revoked,
            },
        )
    return generated


def set_active(actor, user, active):
    """停用或恢复账号（从不删除）。不能停用自己，也不能停用辖区里最后一名系统管理员。"""
    from .models import User

    _check_user(actor, user)
    with transaction.atomic():
        user = User.objects.select_for_update(of=("self",)).select_related("unit").get(pk=user.pk)
        if user.is_active == active:
            return user
        if not active:
            if user.pk == actor.pk:
                raise ValidationError("不能停用自己的账号")
            if _would_remove_last_admin(user):
                raise ValidationError("这是本县（区）最后一名系统管理员，不能停用")
        User.objects.filter(pk=user.pk).update(is_active=active)
        user.is_active = active
        after = {"is_active": active}
        if not active:  # 恢复账号时令牌不会复活：须重新生成
            after["tokens_revoked"] = revoke_all_tokens(user)
        audit.log(
            "user.reactivated" if active else "user.deactivated",
            user,
            actor=actor,
            before={"is_active": not active},
            after=after,
        )
    return user


def change_own_password(user, new_password):
    """本人修改密码（新密码须通过密码规则），清除“须改密码”标记。"""
    from .models import User

    _checked_password(new_password, user)
    user.set_password(new_password)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(password=user.password, must_change_password=False)
        user.must_change_password = False
        audit.log("user.password_changed", user, actor=user, scope_path=user.scope_path)
    return user


# ---- 单位


def county_of(actor):
    """actor 管理的县（区）局（单位树的根）。"""
    scope.require(actor, "users.manage")
    return scope.root_unit(actor)


def unit_tree(actor):
    """本县（区）的单位树：[(单位, 深度)]，按路径排序（局、各所、股室与部门）。"""
    root = county_of(actor)
    units = scope.units_in_scope(actor).order_by("path")
    return [(u, u.path.count("/") - root.path.count("/")) for u in units]


def _next_code(parent, infix):
    from .models import OrgUnit

    prefix = f"{parent.code}{infix}"
    taken = set(OrgUnit.objects.filter(code__startswith=prefix).values_list("code", flat=True))
    for n in range(1, 1000):
        code = f"{prefix}{n:02d}"
        if code not in taken:
            return code
    raise ValidationError("该单位下的代码已用尽")


def create_unit(actor, *, level, name, short_name="", is_market_regulator=True):
    """在本县（区）局之下新建市场监管所或部门/股室；代码自动编排（所：县代码+序号，部门：县代码+D+序号）。"""
    from .choices import UnitLevel
    from .models import OrgUnit

    county = county_of(actor)
    if level not in (UnitLevel.STATION, UnitLevel.DEPARTMENT):
        raise ValidationError({"level": "只能新建市场监管所或部门/股室"})
    if level == UnitLevel.STATION and county.level != UnitLevel.COUNTY:
        raise ValidationError({"level": "市场监管所只能设在县（区）局之下"})
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写名称"})
    if OrgUnit.objects.filter(parent=county, name=name).exists():
        raise ValidationError({"name": "本局已有同名单位"})
    if level == UnitLevel.STATION:
        is_market_regulator = True
    with transaction.atomic():
        unit = OrgUnit(
            code=_next_code(county, "" if level == UnitLevel.STATION else "D"),
            name=name,
            short_name=(short_name or "").strip(),
            level=level,
            parent=county,
            region_code=county.region_code,
            is_market_regulator=is_market_regulator,
        )
        unit.clean()
        unit.path = f"{county.path}{unit.code}/"
        OrgUnit.objects.bulk_create([unit])  # 不走自动留痕：下面写一条语义事件
        unit = OrgUnit.objects.get(code=unit.code)
        audit.log(
            "unit.created",
            unit,
            actor=actor,
            after={
                "code": unit.code,
                "name": unit.name,
                "short_name": unit.short_name,
                "level": unit.level,
                "is_market_regulator": unit.is_market_regulator,
            },
        )
    return unit


def rename_unit(actor, unit, *, name, short_name=""):
    """所与部门改名（代码与路径不变）。县（区）局本身不在这里改名。"""
    from .choices import UnitLevel
    from .models import OrgUnit

    county = county_of(actor)
    if unit.parent_id != county.pk or unit.level not in (UnitLevel.STATION, UnitLevel.DEPARTMENT):
        raise PermissionDenied("只能修改本局之下的所与部门")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写名称"})
    if OrgUnit.objects.filter(parent=county, name=name).exclude(pk=unit.pk).exists():
        raise ValidationError({"name": "本局已有同名单位"})
    short_name = (short_name or "").strip()
    before = {"name": unit.name, "short_name": unit.short_name}
    after = {"name": name, "short_name": short_name}
    if before == after:
        return unit
    with transaction.atomic():
        OrgUnit.objects.filter(pk=unit.pk).update(**after)
        unit.name, unit.short_name = name, short_name
        audit.log("unit.renamed", unit, actor=actor, before=before, after=after)
    return unit
