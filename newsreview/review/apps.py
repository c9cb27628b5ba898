from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "newsreview.review"
    label = "review"
