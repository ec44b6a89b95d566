from django.urls import path

from . import views

urlpatterns = [
    path("import/<str:kind>/", views.import_page, name="import"),
    path("import/<str:kind>/template.<str:fmt>", views.import_template, name="import-template"),
    path("import/<str:kind>/report/<str:token>/", views.import_report, name="import-report"),
    path("import/<str:kind>/job/<uuid:job_id>/", views.import_job_result, name="import-job-result"),
    path("export/<str:kind>/", views.export_download, name="export"),
]
