from django.http import HttpRequest, HttpResponse


def export(request: HttpRequest, slug: str) -> HttpResponse:
    # Replaced by the export page (issue 4).
    return HttpResponse(status=501)
