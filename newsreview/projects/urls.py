from django.urls import path

from . import views

app_name = "projects"

# Included at the site root after documents.urls ("projects/<slug>/" + "" and
# "documents/…"), which match neither of the member paths, so these are reached.
urlpatterns = [
    path("", views.project_list, name="project-list"),
    path("projects/<slug:slug>/members/", views.member_list, name="member-list"),
    path(
        "projects/<slug:slug>/members/<int:user_id>/remove/",
        views.member_remove,
        name="member-remove",
    ),
]
