from decimal import Decimal

from django import forms


class LoginForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="密码", widget=forms.PasswordInput)


class PercentField(forms.DecimalField):
    """人输入、人读的比例按百分数：输入“3.5”即 3.5%，清洗后得到小数 Decimal("0.035")。

    数据库、接口、命令行与抽取记录里比例仍是小数；只有表单在两者之间换算。
    """

    widget = forms.TextInput

    def __init__(self, *, min_value=0, max_value=100, **kwargs):
        kwargs.setdefault("max_digits", 8)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")
        self.widget.attrs.setdefault("size", 8)
        self.error_messages = {
            **self.error_messages,
            "invalid": "请输入百分数，如 3.5 表示 3.5%",
            "max_value": "百分数不能大于 %(limit_value)s",
            "min_value": "百分数不能小于 %(limit_value)s",
            "max_decimal_places": "百分数最多保留 %(max)s 位小数",
        }

    def prepare_value(self, value):
        """初始值（小数）显示为百分数；用户提交的原文照样显示。"""
        if isinstance(value, Decimal):
            return format((value * 100).normalize(), "f")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return self.prepare_value(Decimal(str(value)))
        return value

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().removesuffix("%").strip()
        return super().to_python(value)

    def clean(self, value):
        number = super().clean(value)
        return None if number is None else (number / 100).normalize()


class TokenForm(forms.Form):
    name = forms.CharField(label="用途", max_length=100, help_text="如：信用平台对接")
    expires = forms.DateField(
        label="有效期至",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="含当日；不填为 90 天，最长一年",
    )


# ---- 用户与单位管理（系统管理员）


class UserForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150, help_text="登录用；建后不能改")
    last_name = forms.CharField(label="姓", max_length=150)
    first_name = forms.CharField(label="名", max_length=150, required=False)
    unit = forms.ModelChoiceField(label="所属单位", queryset=None, empty_label=None)
    role = forms.ChoiceField(label="角色")
    phone = forms.CharField(label="电话", max_length=32, required=False)

    def __init__(self, *args, units, editing=False, **kwargs):
        from .choices import Role

        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        top = min((u.path.count("/") for u in units), default=0)
        self.fields["unit"].label_from_instance = lambda u: (
            "　" * (u.path.count("/") - top) + u.name
        )
        self.fields["role"].choices = Role.choices
        if editing:
            del self.fields["username"]


class NewUserForm(UserForm):
    password = forms.CharField(
        label="初始密码",
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="不填则生成一次性密码（只显示一次）；用户首次登录须修改密码",
    )


class ResetPasswordForm(forms.Form):
    password = forms.CharField(
        label="新密码",
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="不填则生成一次性密码（只显示一次）；用户下次登录须修改密码",
    )


class UnitForm(forms.Form):
    level = forms.ChoiceField(label="类别")
    name = forms.CharField(label="名称", max_length=100)
    short_name = forms.CharField(label="简称", max_length=50, required=False)
    is_market_regulator = forms.BooleanField(
        label="市场监管部门",
        required=False,
        initial=True,
        help_text="其他行政部门（联合抽查）不勾选",
    )

    def __init__(self, *args, **kwargs):
        from .choices import UnitLevel

        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [
            (UnitLevel.STATION, UnitLevel.STATION.label),
            (UnitLevel.DEPARTMENT, UnitLevel.DEPARTMENT.label),
        ]


class RenameUnitForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    short_name = forms.CharField(label="简称", max_length=50, required=False)


class OwnPasswordForm(forms.Form):
    old_password = forms.CharField(
        label="原密码", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password1 = forms.CharField(
        label="新密码", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_password2 = forms.CharField(
        label="再输一次新密码", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_old_password(self):
        value = self.cleaned_data["old_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError("原密码不正确")
        return value

    def clean(self):
        data = super().clean()
        one, two = data.get("new_password1"), data.get("new_password2")
        if one and two and one != two:
            self.add_error("new_password2", "两次输入的新密码不一致")
        if one and data.get("old_password") and one == data["old_password"]:
            self.add_error("new_password1", "新密码不能与原密码相同")
        return data
