from django.urls import path

from . import views

app_name = "exports"

urlpatterns = [
    path("", views.export, name="export"),
    path("download/", views.export_download, name="export-download"),
    path("job/", views.export_job, name="export-job"),
    path("summary/", views.export_summary, name="export-summary"),
    path("schema.json", views.schema_download, name="schema-download"),
    path("files/<str:name>", views.side_file_download, name="side-file-download"),
]
