"""factory_boy factories shared by the suite. Users get their role through `role=`."""

import factory
from django.contrib.auth.models import Group

from accounts.models import User
from core.privilege_audit import audited_elsewhere
from customers.models import Contact, Customer, Segment


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("pass-Word-123")
    preferred_language = "en"

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        # The people of a test exist before it starts: their roles are set up, not granted in the
        # test, so they leave no row (core.privilege_audit) in the trail a test may count.
        if create and extracted:
            with audited_elsewhere():
                self.groups.add(Group.objects.get(name=extracted))
                if extracted == "admin":
                    self.is_staff = True
                    self.save(update_fields=["is_staff"])


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    code = factory.Sequence(lambda n: f"C{n:06d}")
    name = factory.Sequence(lambda n: f"Customer {n}")
    scope = "external"
    chain_position = "end"
    lifecycle = "current"
    tier = "general"
    region = "east"
    industry = "manufacturing"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    email = factory.LazyAttribute(lambda o: f"{o.name.replace(' ', '.').lower()}@example.com")


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment

    name = factory.Sequence(lambda n: f"Saved filter {n}")
    criteria = factory.LazyFunction(lambda: {"tier": "key"})
