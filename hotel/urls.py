"""The single entry point (the original design's API gateway)."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularSwaggerSplitView

from hotel import health, metrics
from hotel.api_root import ApiRootView
from hotel.schema_view import SchemaView

api_patterns = [
    path("", ApiRootView.as_view(), name="api-root"),
    path("", include("apps.reservations.urls")),
    path("", include("apps.orders.urls")),
    path("", include("apps.payments.urls")),
    path("", include("apps.customer.urls")),
    path("schema/", SchemaView.as_view(), name="schema"),
    # Swagger UI with its script in a file of its own, not inline, and its files from the
    # sidecar package: it runs under the Content-Security-Policy (script-src 'self').
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

urlpatterns = [
    # The front door: the browsable API's root.
    path("", RedirectView.as_view(pattern_name="api-root"), name="home"),
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    path("api-auth/", include("rest_framework.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
]

# Django's error answers, in the API's error shape under /api/ (hotel/error_pages.py).
handler400 = "hotel.error_pages.bad_request"
handler403 = "hotel.error_pages.permission_denied"
handler404 = "hotel.error_pages.page_not_found"
handler500 = "hotel.error_pages.server_error"
