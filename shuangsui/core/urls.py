from django.urls import path

from . import manage_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("audit/", views.audit_list, name="audit-list"),
    path("tokens/", views.token_list, name="token-list"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
    path("password/", manage_views.password_change, name="password-change"),
    path("manage/users/", manage_views.user_list, name="manage-users"),
    path("manage/users/new/", manage_views.user_new, name="manage-user-new"),
    path("manage/users/<int:pk>/", manage_views.user_edit, name="manage-user-edit"),
    path(
        "manage/users/<int:pk>/password/",
        manage_views.user_reset_password,
        name="manage-user-password",
    ),
    path("manage/users/<int:pk>/active/", manage_views.user_set_active, name="manage-user-active"),
    path("manage/units/", manage_views.unit_list, name="manage-units"),
    path("manage/units/<int:pk>/", manage_views.unit_rename, name="manage-unit-rename"),
]
