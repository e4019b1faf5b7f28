"""The view serving the OpenAPI schema (``/api/schema/``).

Its own module: ``hotel.api_schema`` is the schema class DRF imports while drf-spectacular's
views module is being imported, so it cannot import that module itself.
"""

from drf_spectacular.views import SpectacularAPIView
from rest_framework.renderers import JSONRenderer


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema of this API: YAML, or JSON with ``?format=json`` (or ``Accept:
    application/vnd.oai.openapi+json``)."""

    def finalize_response(self, request, response, *args, **kwargs):
        # DRF renders an error with the view's first renderer when the format asked for is none
        # of its own: an unknown ?format= was a 404 in YAML, not the API's JSON error shape.
        if response.status_code >= 400:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
