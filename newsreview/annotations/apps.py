from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "newsreview.annotations"
    label = "annotations"
