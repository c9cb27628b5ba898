from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "newsreview.exports"
    label = "exports"
