"""URLs of the Arabic tools, under projects/<slug>/ (newsreview/urls.py)."""

from django.urls import path

from . import views

app_name = "arabic"

urlpatterns = [
    path("search/annotations/", views.annotation_search, name="annotation-search"),
    path(
        "documents/<int:document_id>/mentions/",
        views.mentions_preview,
        name="mentions-preview",
    ),
    path(
        "documents/<int:document_id>/mentions/apply/",
        views.mentions_apply,
        name="mentions-apply",
    ),
    path(
        "documents/<int:document_id>/mentions/project/",
        views.mentions_project_start,
        name="mentions-project",
    ),
    path(
        "documents/<int:document_id>/mentions/project/<int:job_id>/",
        views.mentions_job,
        name="mentions-job",
    ),
    path(
        "documents/<int:document_id>/suggestions/",
        views.suggestions_panel,
        name="suggestions",
    ),
    path(
        "documents/<int:document_id>/suggestions/accept/",
        views.suggestions_accept,
        name="suggestions-accept",
    ),
    path(
        "documents/<int:document_id>/suggestions/reject/",
        views.suggestions_reject,
        name="suggestions-reject",
    ),
]
