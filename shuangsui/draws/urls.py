from django.urls import path

from . import views

urlpatterns = [
    path("tasks/<int:task_pk>/freeze/", views.draw_freeze, name="draw-freeze"),
    path("<int:pk>/", views.draw_detail, name="draw-detail"),
    path("<int:pk>/commit/", views.draw_commit, name="draw-commit"),
    path("<int:pk>/reveal/", views.draw_reveal, name="draw-reveal"),
    path("<int:pk>/public-value/", views.draw_public, name="draw-public"),
    path("<int:pk>/run/", views.draw_run, name="draw-run"),
    path("<int:pk>/void/", views.draw_void, name="draw-void"),
    path("<int:pk>/void/approve/", views.draw_void_approve, name="draw-void-approve"),
    path("<int:pk>/void/reject/", views.draw_void_reject, name="draw-void-reject"),
    path("<int:pk>/verify/", views.draw_verify, name="draw-verify"),
    path("<int:pk>/exclusions/", views.draw_exclusions, name="draw-exclusions"),
    path("<int:pk>/files/<str:kind>/", views.draw_file, name="draw-file"),
    path("<int:pk>/drawn.xlsx", views.draw_xlsx, name="draw-xlsx"),
]
