from django.http import HttpRequest, HttpResponse


def upload(request: HttpRequest, slug: str) -> HttpResponse:
    # Replaced by the import page (issue 4).
    return HttpResponse(status=501)
