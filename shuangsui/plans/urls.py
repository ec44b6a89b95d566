from django.urls import path

from . import views

urlpatterns = [
    path("", views.plan_list, name="plan-list"),
    path("new/", views.plan_form, name="plan-create"),
    path("<int:pk>/", views.plan_detail, name="plan-detail"),
    path("<int:pk>/edit/", views.plan_form, name="plan-edit"),
    path("<int:pk>/file/", views.plan_file, name="plan-file"),
    path("<int:pk>/count-base/", views.plan_count_base, name="plan-count-base"),
    path("tasks/", views.task_list, name="task-list"),
    path("tasks/new/", views.task_form, name="task-create"),
    path("tasks/<int:pk>/", views.task_detail, name="task-detail"),
    path("tasks/<int:pk>/edit/", views.task_form, name="task-edit"),
    path("tasks/<int:pk>/approve/", views.task_approve, name="task-approve"),
    path("tasks/<int:pk>/reopen/", views.task_reopen, name="task-reopen"),
]
