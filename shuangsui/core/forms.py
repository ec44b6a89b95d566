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
