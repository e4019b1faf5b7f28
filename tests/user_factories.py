"""The one factory of user accounts (Django's ``auth.User``), which every context's tests use.

Accounts belong to the framework, not to a context, and one factory means one username
sequence: two factories with the same naming pattern and ``get_or_create`` on the username
would hand one test's "other guest" the very account it signed in with.
"""

import factory
from django.contrib.auth import get_user_model

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A guest's account, password ``PASSWORD``."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"guest{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password(PASSWORD)
