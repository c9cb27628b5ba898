from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "newsreview.documents"
    label = "documents"
