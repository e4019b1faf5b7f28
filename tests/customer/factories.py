import factory
from django.contrib.auth import get_user_model

from apps.customer.models import GuestProfile

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"guest{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password(PASSWORD)


class GuestProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GuestProfile

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"손님 {n}")
    phone = factory.Sequence(lambda n: f"010{n:08d}")
    language = "ko"
    kakao_opt_out = False
    email_opt_out = False
