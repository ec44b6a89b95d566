"""组织单元、用户与角色、审计留痕。"""

import datetime
import hashlib
import json
import secrets

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

from .choices import Role, UnitLevel


class OrgUnit(models.Model):
    """组织单元：省 > 市 > 县（区） > 市场监管所；部门挂在所属县（区）或市之下。

    `path` 是从省开始的代码路径（如 `35/3505/350503/35050301/`），辖区过滤都以它为前缀。
    """

    code = models.CharField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=50, blank=True)
    level = models.CharField("层级", max_length=16, choices=UnitLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField("路径", max_length=255, unique=True, editable=False)
    region_code = models.CharField("行政区划代码", max_length=12, blank=True)
    is_market_regulator = models.BooleanField("市场监管部门", default=True)

    audited = True

    class Meta:
        verbose_name = "组织单元"
        verbose_name_plural = "组织单元"
        ordering = ["path"]

    def __str__(self):
        return self.name

    def clean(self):
        allowed = {
            UnitLevel.PROVINCE: {None},
            UnitLevel.CITY: {UnitLevel.PROVINCE},
            UnitLevel.COUNTY: {UnitLevel.CITY},
            UnitLevel.STATION: {UnitLevel.COUNTY},
            UnitLevel.DEPARTMENT: {UnitLevel.COUNTY, UnitLevel.CITY, UnitLevel.PROVINCE},
        }[self.level]
        parent_level = self.parent.level if self.parent_id else None
        if parent_level not in allowed:
            raise ValidationError({"parent": f"{self.get_level_display()}不能挂在该上级之下"})

    def save(self, *args, **kwargs):
        self.clean()
        prefix = self.parent.path if self.parent_id else ""
        self.path = f"{prefix}{self.code}/"
        super().save(*args, **kwargs)

    @property
    def county(self):
        """本单元所属的县（区）局；省、市级单元返回自身。"""
        unit = self
        while unit.level in (UnitLevel.STATION, UnitLevel.DEPARTMENT) and unit.parent_id:
            unit = unit.parent
        return unit

    @property
    def scope_path(self):
        """单元自身的辖区路径（审计事件据此归入辖区）。"""
        return self.path

    def ancestor_paths(self):
        parts = self.path.strip("/").split("/")
        return ["/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


class User(AbstractUser):
    """平台用户：属于一个组织单元，担任一个角色。"""

    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.INSPECTOR)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name="所属单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    phone = models.CharField("电话", max_length=32, blank=True)
    must_change_password = models.BooleanField(
        "下次登录须修改密码", default=False, help_text="管理员重置密码后置位；本人修改密码后清除"
    )

    audited = True

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self):
        return f"{self.last_name}{self.first_name}" or self.username

    def save(self, *args, **kwargs):
        # 密码经 set_password 改了（命令行 changepassword、后台）：旧的 API 令牌一并停用。
        # 页面上的重置密码、停用账号在 core.services 里停用；登录时的哈希升级不算修改。
        changed = self._password is not None and self.pk is not None
        super().save(*args, **kwargs)
        if changed:
            from django.utils import timezone

            self.tokens.filter(revoked=False).update(revoked=True, revoked_at=timezone.now())

    @property
    def display_name(self):
        full = f"{self.last_name}{self.first_name}".strip()
        return full or self.username

    @property
    def scope_path(self):
        return self.unit.path if self.unit_id else ""


TOKEN_DEFAULT_DAYS = 90  # 令牌默认有效期
TOKEN_MAX_DAYS = 366  # 令牌最长有效期（一年，含闰日）


def default_token_expiry():
    from django.utils import timezone

    return timezone.localdate() + datetime.timedelta(days=TOKEN_DEFAULT_DAYS)


class ApiToken(models.Model):
    """系统对接用的 API 令牌；只保存摘要，明文只在生成时显示一次。有效期至（含）当日，最长一年。"""

    user = models.ForeignKey(
        User, verbose_name="用户", on_delete=models.CASCADE, related_name="tokens"
    )
    name = models.CharField("用途", max_length=100)
    prefix = models.CharField("前缀", max_length=8, editable=False)
    digest = models.CharField("摘要", max_length=64, unique=True, editable=False)
    created = models.DateTimeField("创建时间", auto_now_add=True)
    expires = models.DateField("有效期至", default=default_token_expiry)
    last_used = models.DateTimeField("最近使用", null=True, blank=True)
    revoked = models.BooleanField("已停用", default=False)
    revoked_at = models.DateTimeField("停用时间", null=True, blank=True)

    audited = True

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"
        ordering = ["-created", "-id"]

    def __str__(self):
        return f"{self.name}（{self.prefix}…）"

    @property
    def scope_path(self):
        return self.user.scope_path

    @property
    def is_expired(self):
        from django.utils import timezone

        return self.expires < timezone.localdate()

    @property
    def is_usable(self):
        return not self.revoked and not self.is_expired and self.user.is_active

    @property
    def state_label(self):
        if self.revoked:
            return "已停用"
        return "已过期" if self.is_expired else "有效"

    @staticmethod
    def hash(raw):
        return hashlib.sha256(raw.encode()).hexdigest()

    def clean(self):
        from django.utils import timezone

        today = timezone.localdate()
        issued = timezone.localtime(self.created).date() if self.created else today
        if self.expires is None or (self.pk is None and self.expires < today):
            raise ValidationError({"expires": "有效期不能早于今天"})
        if self.expires > issued + datetime.timedelta(days=TOKEN_MAX_DAYS):
            raise ValidationError({"expires": "有效期最长一年"})
        if not (self.name or "").strip():
            raise ValidationError({"name": "请填写令牌用途"})

    @classmethod
    def issue(cls, user, name, expires=None):
        """生成新令牌，返回 (令牌对象, 明文)；明文只在此时可见。`expires` 默认 90 天后。"""
        raw = "ss_" + secrets.token_urlsafe(32)
        token = cls(user=user, name=name.strip(), prefix=raw[:8], digest=cls.hash(raw))
        token.expires = expires or default_token_expiry()
        token.clean()
        token.save()
        return token, raw


class AuditEvent(models.Model):
    """全过程留痕：每次新增、修改、删除、登录各一行，逐行哈希链接（每行的哈希覆盖上一行的哈希）。"""

    at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        User,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    actor_name = models.CharField("操作人姓名", max_length=150, blank=True)
    action = models.CharField("动作", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=64, blank=True)
    object_id = models.CharField("对象标识", max_length=64, blank=True, db_index=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    scope_path = models.CharField("辖区路径", max_length=255, blank=True, db_index=True)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    prev_hash = models.CharField("上一行哈希", max_length=64)
    hash = models.CharField("本行哈希", max_length=64, unique=True)

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["id"]

    def __str__(self):
        return f"#{self.pk} {self.action} {self.object_repr}"

    def payload(self):
        """参与哈希的内容（规范 JSON）。"""
        return json.dumps(
            {
                "id": self.pk,
                "at": self.at.isoformat(),
                "actor": self.actor_id,
                "actor_name": self.actor_name,
                "action": self.action,
                "object_type": self.object_type,
                "object_id": self.object_id,
                "object_repr": self.object_repr,
                "scope_path": self.scope_path,
                "before": self.before,
                "after": self.after,
                "prev_hash": self.prev_hash,
            },
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )

    def compute_hash(self):
        return hashlib.sha256(self.payload().encode()).hexdigest()


class AuditCheckpoint(models.Model):
    """审计链的签名检查点：某一时刻链头（行号与哈希）由库外保存的 Ed25519 私钥签名。

    只有握有私钥的人能写出有效检查点；只能改数据库的人删去链尾或改写历史后重算哈希，
    都会与已签名的检查点对不上。公钥可以公开，外部据此核验（如证书透明度日志）。
    """

    at = models.DateTimeField("签名时间")
    event_id = models.PositiveBigIntegerField("链头行号")
    head_hash = models.CharField("链头哈希", max_length=64)
    reason = models.CharField("原因", max_length=100)
    key_id = models.CharField("公钥指纹", max_length=16)
    signature = models.CharField("签名", max_length=128)

    class Meta:
        verbose_name = "审计检查点"
        verbose_name_plural = "审计检查点"
        ordering = ["id"]

    def __str__(self):
        return f"检查点 #{self.pk}：至第 {self.event_id} 行"

    def message(self):
        """被签名的内容（规范 JSON）。"""
        return json.dumps(
            {
                "v": 1,
                "at": self.at.isoformat(),
                "event_id": self.event_id,
                "head_hash": self.head_hash,
                "reason": self.reason,
                "key_id": self.key_id,
            },
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        ).encode()


class CalendarDay(models.Model):
    """法定节假日安排的补充与更正（国务院办公厅每年发布的放假通知）。

    `chinesecalendar` 包只知道到它发布时为止的年份；之后的年份由管理员在这里逐日录入放假日与
    调休上班日。某一年只要录入了一天，该年就算有数据：录入的日子按录入的值，其余日子按周一至周五
    上班。录入的日子也优先于包里的数据（用于更正）。
    """

    date = models.DateField("日期", unique=True)
    is_working = models.BooleanField("上班", help_text="放假日不勾选；调休上班的周末勾选")
    name = models.CharField("说明", max_length=50, blank=True, help_text="如 国庆节、国庆节调休")

    audited = True

    class Meta:
        verbose_name = "节假日安排"
        verbose_name_plural = "节假日安排"
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {'上班' if self.is_working else '放假'} {self.name}".strip()
