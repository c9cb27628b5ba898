from django.contrib import admin
from django.urls import include, path

from newsreview.core.health import healthz, readyz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("newsreview.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("projects/<slug:slug>/", include("newsreview.documents.urls")),
    path(
        "projects/<slug:slug>/documents/<int:document_id>/", include("newsreview.annotations.urls")
    ),
    path("projects/<slug:slug>/export/", include("newsreview.exports.urls")),
    path("projects/<slug:slug>/import/", include("newsreview.imports.urls")),
    path("projects/<slug:slug>/dashboard/", include("newsreview.agreement.urls")),
    path("projects/<slug:slug>/", include("newsreview.review.urls")),
    path("jobs/", include("newsreview.jobs.urls")),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("projects/<slug:slug>/", include("newsreview.arabic.urls")),
    path("", include("newsreview.projects.urls")),
]
