"""The hoteliers' admin site: Django's admin under the product's name.

Installed in place of ``django.contrib.admin`` (``hotel.apps.HotelAdminConfig``), so every
``admin.register`` lands here. The index page adds the signed-in hotelier's open reservation
requests above the models (``hotel/templates/admin/index.html``).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class HotelAdminSite(admin.AdminSite):
    site_title = _("hotel admin")
    site_header = _("hotel: reservations admin")
    index_title = _("Requests and catalogue")
    # The index lists the models; without the sidebar the reservation list (with its filters)
    # fits a 1280-pixel screen.
    enable_nav_sidebar = False
