from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("", views.document_list, name="document-list"),
    path("documents/<int:document_id>/", views.document_detail, name="document-detail"),
    path("documents/<int:document_id>/history/", views.document_history, name="document-history"),
    path("assignments/", views.assignment_update, name="assignment-update"),
    path("assignments/auto/", views.assignment_auto, name="assignment-auto"),
]
