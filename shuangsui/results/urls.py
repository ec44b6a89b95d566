from django.urls import path

from . import views

urlpatterns = [
    path("review/", views.review_list, name="result-review"),
    path("targets/<int:pk>/", views.target, name="result-target"),
    path("targets/<int:pk>/replace/", views.replace, name="result-replace"),
    path("targets/<int:pk>/items/<int:item_pk>/", views.result_form, name="result-form"),
    path("files/<int:pk>/", views.attachment_file, name="result-file"),
    path("files/<int:pk>/thumb/", views.attachment_file, {"thumb": True}, name="result-thumb"),
]
