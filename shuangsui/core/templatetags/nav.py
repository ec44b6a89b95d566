"""导航栏：{% nav 'main' %} 渲染 _nav_main.html（链接只随角色与权限变），每个进程按角色渲染一次后复用。

每个页面都有导航栏，二十来个链接逐个反查地址约占半毫秒；角色、权限集、地址前缀与 URL 配置相同时
结果一字不差，所以按这几样记下渲染好的 HTML。"""

from django import template
from django.conf import settings
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf

register = template.Library()

_RENDERED = {}


@register.simple_tag(takes_context=True)
def nav(context, part):
    role = getattr(context.get("user"), "role", None)
    caps = context.get("caps") or set()
    key = (part, role, frozenset(caps), get_script_prefix(), get_urlconf(settings.ROOT_URLCONF))
    html = _RENDERED.get(key)
    if html is None:
        html = get_template(f"_nav_{part}.html").render({"caps": caps, "role": role})
        _RENDERED[key] = html
    return html
