"""抽取仪式的表单。"""

from django import forms


class CommitForm(forms.Form):
    """承诺：输入秘密值（服务端算出承诺值，只存承诺值），或直接给出在浏览器/命令行算好的承诺值。"""

    label = forms.CharField(label="标签", max_length=32, widget=forms.HiddenInput)
    value = forms.CharField(
        label="秘密值",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "id": "id_commit_value"}),
        help_text="至少 6 个字符，建议 16 个以上的随机字符；请抄写保管，揭示时需再次输入",
    )
    commitment = forms.CharField(
        label="承诺值（64 位十六进制）",
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"id": "id_commitment", "size": 66, "autocomplete": "off"}),
        help_text='sha256("shuangsui-commit-v1\\n" + 标签 + "\\n" + 秘密值)',
    )

    def clean(self):
        data = super().clean()
        if bool(data.get("value")) == bool(data.get("commitment")):
            raise forms.ValidationError("请填写秘密值或承诺值（二者选一）")
        return data


class RevealForm(forms.Form):
    value = forms.CharField(
        label="秘密值",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "id": "id_reveal_value"}),
    )


class PublicValueForm(forms.Form):
    label = forms.CharField(
        label="标签",
        max_length=32,
        initial="lottery",
        widget=forms.TextInput(attrs={"id": "id_public_label"}),
        help_text="小写字母、数字、_、-，如 lottery",
    )
    value = forms.CharField(
        label="公开随机值",
        max_length=200,
        widget=forms.TextInput(attrs={"id": "id_public_value"}),
        help_text="冻结名单之后才产生的公开值，如当期彩票开奖号码",
    )


class VoidForm(forms.Form):
    reason = forms.CharField(
        label="作废原因",
        widget=forms.Textarea(attrs={"rows": 2, "id": "id_void_reason"}),
    )
