"""factory_boy factories for the kernel's models."""

from __future__ import annotations

import functools

import factory
from django.contrib.auth.hashers import make_password
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Organisation, OrganisationKind, Role, RoleGrant, User
from cases.models import Activity, Case, Person

PASSWORD = "correct horse battery staple"


@functools.cache
def password_hash() -> str:
    """One argon2 hash for every factory user: hashing is slow on purpose, the suite need not be."""
    return make_password(PASSWORD)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.DISTRICT_ADMINISTRATION
    district = "Rinkeby-Kista"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.LazyFunction(password_hash)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or [Role.SOCIAL_WORKER]:
            RoleGrant.objects.create(user=self, role=role)
        self.forget_roles()


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "test"
    confirmed = True


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    given_names = "Anna"
    surname = "Andersson"
    personal_number = "19121212-1212"
    contact = factory.LazyFunction(lambda: {"phone": "070-123 45 67"})
    address = factory.LazyFunction(lambda: {"street": "Gatan 1", "town": "Stockholm"})


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    person = factory.SubFactory(PersonFactory)
    owner_unit = factory.SubFactory(OrganisationFactory)
    activity = Activity.INTERVENTION_GROUP
