from django import forms


class LoginForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="密码", widget=forms.PasswordInput)


class TokenForm(forms.Form):
    name = forms.CharField(label="用途", max_length=100, help_text="如：信用平台对接")
    expires = forms.DateField(
        label="有效期至",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="含当日；不填为 90 天，最长一年",
    )
