from django.urls import path

from . import views

urlpatterns = [
    path("import/<str:kind>/", views.import_page, name="import"),
    path("export/<str:kind>/", views.export_download, name="export"),
]
