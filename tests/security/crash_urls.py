"""The app's URLs plus one view that crashes, to see what a server error answers."""

from django.urls import path

from newsreview.urls import urlpatterns as app_urlpatterns


def crash(request):
    raise RuntimeError("boom")


urlpatterns = [path("crash/", crash), *app_urlpatterns]
