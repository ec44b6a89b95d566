"""{{ code|industry }} → “F52 零售业”（国民经济行业分类 GB/T 4754-2017）。"""

from django import template

from shuangsui.directory.industry import label

register = template.Library()


@register.filter
def industry(code):
    return label(code)
