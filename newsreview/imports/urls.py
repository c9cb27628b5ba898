from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("<slug:token>/", views.preview_page, name="preview"),
    path("<slug:token>/confirm/", views.confirm, name="confirm"),
    path("<slug:token>/progress/", views.progress, name="progress"),
    path("<slug:token>/cancel/", views.cancel, name="cancel"),
]
