from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "newsreview.core"
    label = "core"
