from django.contrib import admin
from django.urls import include, path

from shuangsui.api.api import api

urlpatterns = [
    path("", include("shuangsui.core.urls")),
    path("catalog/", include("shuangsui.catalog.urls")),
    path("directory/", include("shuangsui.directory.urls")),
    path("inspectors/", include("shuangsui.inspectors.urls")),
    path("transfer/", include("shuangsui.transfer.urls")),
    path("plans/", include("shuangsui.plans.urls")),
    path("draws/", include("shuangsui.draws.urls")),
    path("inspections/", include("shuangsui.inspections.urls")),
    path("stats/", include("shuangsui.stats.urls")),
    path("jobs/", include("shuangsui.jobs.urls")),
    path("results/", include("shuangsui.results.urls")),
    path("notices/", include("shuangsui.notices.urls")),
    path("listings/", include("shuangsui.listings.urls")),
    path("followups/", include("shuangsui.followups.urls")),
    path("dossier/", include("shuangsui.dossier.urls")),
    path("credit/", include("shuangsui.credit.urls")),
    path("public/", include("shuangsui.publicity.urls")),
    path("publication/", include("shuangsui.publicity.manage_urls")),
    path("rechecks/", include("shuangsui.rechecks.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]

handler404 = "shuangsui.api.errors.not_found"  # /api/… 答 JSON，页面仍用 404.html

admin.site.site_header = "双随机一公开监管平台 管理后台"
admin.site.site_title = "双随管理后台"
