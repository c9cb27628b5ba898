"""The dashboard, under projects/<slug>/dashboard/ (newsreview/urls.py)."""

from django.urls import path

from . import views

app_name = "agreement"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("job/<int:job_id>/", views.dashboard_job, name="dashboard-job"),
]
