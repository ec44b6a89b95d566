"""页面上的比例一律写成百分数：{{ value|percent }} → “3.5%”（value 为 0.035 这样的小数或其字符串）。"""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def percent(value):
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return value
    return f"{(number * 100).quantize(Decimal('0.01')).normalize():f}%"
