from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "newsreview.imports"
    label = "imports"
