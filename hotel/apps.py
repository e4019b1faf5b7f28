from django.contrib.admin.apps import AdminConfig


class HotelAdminConfig(AdminConfig):
    """Django's admin, with the hoteliers' site (``hotel.admin_site.HotelAdminSite``)."""

    default_site = "hotel.admin_site.HotelAdminSite"
