"""门户模板用：抽查机关（股室、所归到局）。"""

from django import template

from shuangsui.publicity.services import authority_of

register = template.Library()


@register.filter
def authority(unit):
    return authority_of(unit).name if unit else ""
