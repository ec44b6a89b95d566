"""测试用的 URL 配置：一个总是出错的页面，用来看 DEBUG 关闭时的 500 页。"""

from django.urls import include, path


def boom(request):
    raise RuntimeError("测试用的故障")


urlpatterns = [path("boom/", boom), path("", include("shuangsui.urls"))]
