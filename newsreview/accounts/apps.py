from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "newsreview.accounts"
    label = "accounts"
