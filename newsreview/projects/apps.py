from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "newsreview.projects"
    label = "projects"
