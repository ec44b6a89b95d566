from django.urls import path

from . import views

urlpatterns = [
    path("", views.sample_list, name="recheck-list"),
    path("new/", views.sample_new, name="recheck-new"),
    path("<int:pk>/", views.sample_detail, name="recheck-detail"),
    path("<int:pk>/commit/", views.sample_commit, name="recheck-commit"),
    path("<int:pk>/reveal/", views.sample_reveal, name="recheck-reveal"),
    path("<int:pk>/public-value/", views.sample_public, name="recheck-public"),
    path("<int:pk>/run/", views.sample_run, name="recheck-run"),
    path("<int:pk>/files/<str:kind>/", views.sample_file, name="recheck-file"),
    path("items/<int:pk>/", views.item_detail, name="recheck-item"),
]
