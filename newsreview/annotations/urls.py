"""The annotation workspace, under projects/<slug>/documents/<document_id>/ (newsreview/urls.py).

Every URL carries only the project slug and the document id: the layer is always the
user's own, and span, event and argument ids travel in the POST body, looked up inside
that layer (another layer's id is a 404).
"""

from django.urls import path

from . import views

app_name = "annotations"

urlpatterns = [
    path("annotate/", views.annotate, name="annotate"),
    path("annotate/spans/", views.span_create, name="span-create"),
    path("annotate/spans/update/", views.span_update, name="span-update"),
    path("annotate/spans/delete/", views.span_delete, name="span-delete"),
    path("annotate/arguments/", views.argument_create, name="argument-create"),
    path("annotate/arguments/delete/", views.argument_delete, name="argument-delete"),
    path("annotate/arguments/role/", views.argument_update, name="argument-update"),
    path("annotate/events/attribute/", views.event_attribute, name="event-attribute"),
    path("annotate/undo/", views.layer_undo, name="layer-undo"),
    path("annotate/redo/", views.layer_redo, name="layer-redo"),
    path("annotate/status/", views.layer_status, name="layer-status"),
]
