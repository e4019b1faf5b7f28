"""The guest profile's phone validator, where migration ``customer.0001`` names it.

Numbers are checked, normalised and masked by ``hotel.phone_numbers`` (hotels have mobile
numbers too); this module keeps only the field validator's import path, which the migration
refers to.
"""

from hotel import phone_numbers


def check_mobile_phone(value: str) -> None:
    """Model-field validator of ``GuestProfile.phone`` (see ``hotel.phone_numbers``)."""
    phone_numbers.check_mobile_phone(value)
