"""Django's own error answers (raised before or outside a DRF view) in the API's error shape.

A URL that matches no route (``/api/orders/abc/``), a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``,
a ``Host`` not in ``ALLOWED_HOSTS`` and an unhandled exception never reach DRF's exception
handler; Django answers them with these views. Under ``/api/`` they answer JSON shaped like
every other API error; elsewhere (the admin, the browsable login) Django's pages stay.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

API_PREFIX = "/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _api_error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "details": {}}, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _api_error("bad_request", "The request could not be read.", 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _api_error("permission_denied", "You may not do this.", 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _api_error("not_found", "No such resource.", 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return _api_error("server_error", "Something went wrong on our side.", 500)
    return defaults.server_error(request)
