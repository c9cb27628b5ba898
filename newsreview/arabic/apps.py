from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArabicConfig(AppConfig):
    """Arabic-aware productivity (issue 13): normalisation, label all mentions, the
    gazetteer and its suggestions, and search the way Arabic is written."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "newsreview.arabic"
    verbose_name = _("Arabic tools")
