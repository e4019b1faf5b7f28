"""The API's error answers in its OpenAPI schema (drf-spectacular, ``/api/schema/``).

drf-spectacular documents the success answer of each operation only, so a client (or a
fuzzer checking answers against the schema) met a 400, 401 or 404 the schema never mentioned.
``ApiAutoSchema`` adds to every operation the error answers the framework gives it, each in the
API's one error shape (``ApiError``, see ``hotel.api_errors``):

* 400 when the operation reads query parameters, headers or a body (validation);
* 401 when it authenticates (no credentials where they are needed, or a bad token);
* 403 on an unsafe method that session authentication serves (the CSRF check);
* 404 when its path names a resource (``{id}``), for a page past the last of a list, or for
  a ``format`` it does not render (DRF's answer to an unknown ``?format=``);
* 415 when it reads a body (a media type no parser takes).

A view adds the errors of its own domain with ``extend_schema(responses={..., **api_errors(409)})``.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication

ERROR_DESCRIPTIONS = {
    400: "The request is not valid (details name each field) or could not be read.",
    401: "No credentials, or credentials that are not valid.",
    402: "The payment was declined.",
    403: "Not allowed (a session without its CSRF token).",
    404: "No such resource (or not one of yours), or no such page.",
    409: "The resource's state does not allow this.",
    415: "The body's media type is not one the API reads.",
    422: "The Idempotency-Key was already used for a different request.",
    429: "Too many requests; retry after the time in details.",
    503: "The payment provider cannot be reached now; retry after Retry-After.",
}

_UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class ApiErrorSerializer(serializers.Serializer):
    """Every error answer of the API."""

    code = serializers.CharField(help_text="Machine-readable: invalid, not_found, ...")
    message = serializers.CharField(help_text="What went wrong, for people.")
    details = serializers.DictField(
        help_text="For invalid: each field's messages. Else what the error is about, or empty."
    )

    class Meta:
        ref_name = "ApiError"


def api_errors(*statuses: int) -> dict[int, OpenApiResponse]:
    """``extend_schema`` responses for these error statuses, each in the error shape."""
    return {
        status: OpenApiResponse(ApiErrorSerializer, description=ERROR_DESCRIPTIONS[status])
        for status in statuses
    }


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's ``AutoSchema``, with the framework's error answers documented."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for status in self._framework_errors(operation):
            if str(status) not in responses:
                responses[str(status)] = self._get_response_for_code(
                    api_errors(status)[status], str(status)
                )
        return dict(operation, responses=dict(sorted(responses.items())))

    def _framework_errors(self, operation: dict) -> list[int]:
        locations = {parameter["in"] for parameter in operation.get("parameters", ())}
        has_body = "requestBody" in operation
        authenticators = self.view.get_authenticators()
        statuses = []
        if has_body or locations - {"path"}:
            statuses.append(400)
        if authenticators:
            statuses.append(401)
        if self.method in _UNSAFE_METHODS and any(
            isinstance(authenticator, SessionAuthentication) for authenticator in authenticators
        ):
            statuses.append(403)
        query = {p["name"] for p in operation.get("parameters", ()) if p["in"] == "query"}
        if (
            "path" in locations
            or (self._is_list_view() and self._get_paginator())
            or "format" in query
        ):
            statuses.append(404)
        if has_body:
            statuses.append(415)
        return statuses
