"""The curation page and its actions under projects/<slug>/documents/<document_id>/review/,
and the review queue under projects/<slug>/review/ (included at projects/<slug>/)."""

from django.urls import path

from . import views

app_name = "review"

DOC = "documents/<int:document_id>/review/"

urlpatterns = [
    path(DOC, views.review, name="review"),
    path(f"{DOC}start/", views.review_start, name="review-start"),
    path(f"{DOC}accept/", views.candidate_accept, name="candidate-accept"),
    path(f"{DOC}reject/", views.group_reject, name="group-reject"),
    path(f"{DOC}undo/", views.review_undo, name="review-undo"),
    path(f"{DOC}redo/", views.review_redo, name="review-redo"),
    path(f"{DOC}gold/spans/", views.gold_span_create, name="gold-span-create"),
    path(f"{DOC}gold/spans/update/", views.gold_span_update, name="gold-span-update"),
    path(f"{DOC}gold/spans/delete/", views.gold_span_delete, name="gold-span-delete"),
    path(f"{DOC}approve/", views.review_approve, name="review-approve"),
    path(f"{DOC}reopen/", views.review_reopen, name="review-reopen"),
    path(f"{DOC}changes/", views.changes_request, name="changes-request"),
    path(f"{DOC}comments/", views.comment_create, name="comment-create"),
    path("review/", views.review_queue, name="queue"),
    path("review/next/", views.review_next, name="queue-next"),
]
