"""{% search_index_pending as indexing %}：名称检索与筛选索引是否在更新中（大批量导入之后，见 directory.search）。"""

from django import template

from shuangsui.directory.search import index_pending

register = template.Library()


@register.simple_tag
def search_index_pending():
    return index_pending()
