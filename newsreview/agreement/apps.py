from django.apps import AppConfig


class AgreementConfig(AppConfig):
    name = "newsreview.agreement"
    label = "agreement"
