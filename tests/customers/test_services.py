"""The customer master's services: every write, its rules and its audit trail."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.context import Origin, origin
from core.exceptions import ApplicationError
from core.models import AuditEvent
from customers import services
from customers.forms import CustomerForm
from customers.models import CUSTOMER_EDITABLE_FIELDS, Contact, Customer, LifecycleChange, Segment
from tests.factories import ContactFactory, CustomerFactory, SegmentFactory

pytestmark = pytest.mark.django_db

OFFICE = Origin(ip_address="203.0.113.7", user_agent="pytest-browser", source="web")


def _events(instance):
    return list(AuditEvent.objects.for_object(instance).order_by("id"))


# -- create / update / delete ---------------------------------------------------------------------


def test_customer_create_is_audited_with_who_where_and_the_new_values(staff_user):
    with origin(OFFICE):
        customer = services.customer_create(
            actor=staff_user,
            data={"code": "HD-001", "name": "华东机械", "tier": "key", "annual_volume": Decimal("1200.50")},
            tags=["vip", " vip ", "汽车"],
        )

    (event,) = _events(customer)
    assert event.action == AuditEvent.Action.CREATE
    assert event.actor == staff_user and event.actor_name == "staff1"
    assert event.ip_address == "203.0.113.7"
    assert event.user_agent == "pytest-browser"
    assert event.source == "web"
    assert event.changes["name"] == [None, "华东机械"]
    assert event.changes["tier"] == [None, "key"]
    assert event.changes["annual_volume"] == [None, "1200.50"]
    assert event.changes["tags"] == [None, ["vip", "汽车"]]
    assert "phone" not in event.changes  # empty values are not noise in the trail
    assert sorted(customer.tags.values_list("name", flat=True)) == ["vip", "汽车"]


def test_customer_create_outside_a_request_is_recorded_as_system_source(staff_user):
    customer = services.customer_create(actor=staff_user, data={"code": "S1", "name": "Shanghai Valves"})

    (event,) = _events(customer)
    assert event.ip_address is None
    assert event.source == "system"


def test_customer_create_refuses_a_source_for_a_customer_that_is_not_potential(staff_user):
    with pytest.raises(ValidationError) as error:
        services.customer_create(
            actor=staff_user, data={"code": "X1", "name": "X", "lifecycle": "current", "potential_source": "region"}
        )

    assert "potential_source" in error.value.message_dict
    assert not Customer.objects.exists()
    assert not AuditEvent.objects.exists()


def test_customer_update_records_before_and_after_of_changed_fields_only(staff_user):
    customer = CustomerFactory(owner=staff_user, name="Old name", tier="general", phone="021-1")

    with origin(OFFICE):
        services.customer_update(
            actor=staff_user, customer=customer, data={"name": "New name", "tier": "key", "phone": "021-1"}
        )

    customer.refresh_from_db()
    assert customer.name == "New name" and customer.tier == "key"
    (event,) = _events(customer)
    assert event.action == AuditEvent.Action.UPDATE
    assert event.changes == {"name": ["Old name", "New name"], "tier": ["general", "key"]}
    assert event.ip_address == "203.0.113.7"
    assert event.actor == staff_user


def test_customer_update_without_a_change_writes_no_audit_event(staff_user):
    customer = CustomerFactory(owner=staff_user, name="Same")

    services.customer_update(actor=staff_user, customer=customer, data={"name": "Same"}, tags=[])

    assert _events(customer) == []


def test_customer_update_records_tag_changes(staff_user):
    customer = services.customer_create(actor=staff_user, data={"code": "T1", "name": "Tags"}, tags=["a"])

    services.customer_update(actor=staff_user, customer=customer, data={}, tags=["b", "a"])

    assert sorted(customer.tags.values_list("name", flat=True)) == ["a", "b"]
    assert _events(customer)[-1].changes == {"tags": [["a"], ["a", "b"]]}


def test_customer_form_and_services_take_the_same_fields():
    assert set(CustomerForm().fields) == {*CUSTOMER_EDITABLE_FIELDS, "tags"}
    # Editing drops the lifecycle: it changes through its own step, which records a reason.
    assert set(CustomerForm(instance=CustomerFactory.build(pk=1)).fields) == {
        *CUSTOMER_EDITABLE_FIELDS,
        "tags",
    } - {"lifecycle"}


def test_customer_create_takes_the_lifecycle_from_the_form_data(staff_user):
    form = CustomerForm(
        data={
            "code": "P1",
            "name": "Prospect Ltd",
            "scope": "external",
            "chain_position": "end",
            "lifecycle": "potential",
            "tier": "general",
            "potential_source": "region",
        }
    )
    assert form.is_valid(), form.errors
    data = {k: v for k, v in form.cleaned_data.items() if k != "tags"}

    customer = services.customer_create(actor=staff_user, data=data)

    assert (customer.lifecycle, customer.potential_source) == ("potential", "region")
    assert customer.lifecycle_changes.get().to_state == "potential"


def test_customer_update_applies_a_lifecycle_change_in_its_data_as_a_lifecycle_step(staff_user):
    customer = CustomerFactory(owner=staff_user, lifecycle="potential", potential_source="region", name="Old")

    services.customer_update(actor=staff_user, customer=customer, data={"name": "New", "lifecycle": "current"})

    customer.refresh_from_db()
    assert (customer.name, customer.lifecycle, customer.potential_source) == ("New", "current", "")
    change = customer.lifecycle_changes.first()
    assert (change.from_state, change.to_state, change.changed_by) == ("potential", "current", staff_user)
    assert [e.action for e in _events(customer)][-1] == AuditEvent.Action.TRANSITION


def test_customer_update_to_lost_needs_the_reason_and_records_it(staff_user):
    customer = CustomerFactory(owner=staff_user, lifecycle="current", name="Old")

    with pytest.raises(ApplicationError, match="reason"):
        services.customer_update(actor=staff_user, customer=customer, data={"name": "New", "lifecycle": "lost"})
    customer.refresh_from_db()
    assert (customer.name, customer.lifecycle) == ("Old", "current")  # all or nothing

    services.customer_update(
        actor=staff_user,
        customer=customer,
        data={"lifecycle": "lost"},
        lifecycle_reason="Moved to a competitor",
        lost_reason_category="competitor",
    )
    customer.refresh_from_db()
    assert (customer.lifecycle, customer.lost_reason) == ("lost", "Moved to a competitor")


def test_customer_delete_keeps_its_last_values_in_the_audit_trail(manager_user):
    customer = CustomerFactory(name="Gone Ltd", code="G-1")
    customer_pk = customer.pk

    services.customer_delete(actor=manager_user, customer=customer)

    assert not Customer.objects.filter(pk=customer_pk).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.DELETE, object_id=str(customer_pk))
    assert event.changes["name"] == ["Gone Ltd", None]
    assert event.changes["code"] == ["G-1", None]
    assert event.actor == manager_user


@pytest.mark.parametrize("role", ["staff", "auditor"])
def test_only_managers_delete_customers(user_of_role, role):
    user = user_of_role(role)
    customer = CustomerFactory(owner=user)

    with pytest.raises(ApplicationError):
        services.customer_delete(actor=user, customer=customer)

    assert Customer.objects.filter(pk=customer.pk).exists()
    assert not AuditEvent.objects.exists()


# -- who may change which customer ------------------------------------------------------------------


def test_staff_can_change_own_and_unassigned_customers(staff_user):
    own = CustomerFactory(owner=staff_user)
    unassigned = CustomerFactory(owner=None)

    assert services.customer_can_change(user=staff_user, customer=own)
    assert services.customer_can_change(user=staff_user, customer=unassigned)
    services.customer_update(actor=staff_user, customer=unassigned, data={"name": "Claimed"})
    assert Customer.objects.get(pk=unassigned.pk).name == "Claimed"


def test_staff_cannot_change_customer_owned_by_someone_else(staff_user, other_staff_user):
    customer = CustomerFactory(owner=other_staff_user, name="Theirs")

    assert not services.customer_can_change(user=staff_user, customer=customer)
    with pytest.raises(ApplicationError):
        services.customer_update(actor=staff_user, customer=customer, data={"name": "Mine now"})
    with pytest.raises(ApplicationError):
        services.customer_change_lifecycle(
            actor=staff_user, customer=customer, to_state="lost", reason="x", reason_category="price"
        )
    with pytest.raises(ApplicationError):
        services.contact_create(actor=staff_user, customer=customer, data={"name": "Spy"})

    customer.refresh_from_db()
    assert customer.name == "Theirs" and customer.lifecycle == "current"
    assert not customer.contacts.exists()
    assert not AuditEvent.objects.exists()


def test_manager_can_change_any_customer(manager_user, staff_user):
    customer = CustomerFactory(owner=staff_user)

    assert services.customer_can_change(user=manager_user, customer=customer)
    services.customer_update(actor=manager_user, customer=customer, data={"tier": "key"})

    assert Customer.objects.get(pk=customer.pk).tier == "key"


def test_auditor_can_change_no_customer(auditor_user):
    own = CustomerFactory(owner=auditor_user)
    unassigned = CustomerFactory(owner=None)

    for customer in (own, unassigned):
        assert not services.customer_can_change(user=auditor_user, customer=customer)
        with pytest.raises(ApplicationError):
            services.customer_update(actor=auditor_user, customer=customer, data={"name": "Audited"})
    assert not Customer.objects.filter(name="Audited").exists()


def test_anonymous_or_missing_actor_can_change_nothing():
    from django.contrib.auth.models import AnonymousUser

    customer = CustomerFactory()
    assert not services.customer_can_change(user=AnonymousUser(), customer=customer)
    assert not services.customer_can_change(user=None, customer=customer)


# -- lifecycle ----------------------------------------------------------------------------------------


def test_lifecycle_runs_potential_current_lost_and_win_back_with_history(staff_user):
    customer = services.customer_create(
        actor=staff_user,
        data={
            "code": "L1",
            "name": "Lifecycle",
            "lifecycle": "potential",
            "potential_source": "competitor",
            "owner": staff_user,
        },
    )

    services.customer_change_lifecycle(actor=staff_user, customer=customer, to_state="current", reason="")
    customer.refresh_from_db()
    assert customer.lifecycle == "current"
    assert customer.potential_source == ""  # only a potential customer has a source

    services.customer_change_lifecycle(
        actor=staff_user, customer=customer, to_state="lost", reason="Price", reason_category="price"
    )
    customer.refresh_from_db()
    assert customer.lifecycle == "lost" and customer.lost_reason == "Price" and customer.lost_at is not None

    win_back = services.customer_change_lifecycle(
        actor=staff_user, customer=customer, to_state="current", reason="New contract after audit"
    )
    customer.refresh_from_db()
    assert customer.lifecycle == "current"
    assert win_back.is_win_back

    history = list(customer.lifecycle_changes.order_by("id").values_list("from_state", "to_state", "is_win_back"))
    assert history == [
        ("", "potential", False),
        ("potential", "current", False),
        ("current", "lost", False),
        ("lost", "current", True),
    ]
    transitions = AuditEvent.objects.for_object(customer).filter(action=AuditEvent.Action.TRANSITION).order_by("id")
    assert [e.changes["lifecycle"] for e in transitions] == [
        ["potential", "current"],
        ["current", "lost"],
        ["lost", "current"],
    ]
    assert transitions.last().comment == "New contract after audit"


@pytest.mark.parametrize(
    ("from_state", "to_state"),
    [("current", "lost"), ("lost", "current")],
    ids=["lost", "win-back"],
)
@pytest.mark.parametrize("reason", ["", "   "])
def test_losing_or_winning_back_a_customer_requires_a_reason(staff_user, from_state, to_state, reason):
    customer = CustomerFactory(owner=staff_user, lifecycle=from_state)

    with pytest.raises(ApplicationError):
        services.customer_change_lifecycle(actor=staff_user, customer=customer, to_state=to_state, reason=reason)

    customer.refresh_from_db()
    assert customer.lifecycle == from_state
    assert not LifecycleChange.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("from_state", "to_state"),
    [
        ("potential", "lost"),
        ("potential", "potential"),
        ("current", "potential"),
        ("current", "current"),
        ("lost", "potential"),
        ("lost", "lost"),
        ("current", "vanished"),
    ],
)
def test_illegal_lifecycle_step_is_refused_and_changes_nothing(staff_user, from_state, to_state):
    customer = CustomerFactory(owner=staff_user, lifecycle=from_state)

    with pytest.raises(ApplicationError):
        services.customer_change_lifecycle(actor=staff_user, customer=customer, to_state=to_state, reason="because")

    customer.refresh_from_db()
    assert customer.lifecycle == from_state
    assert not LifecycleChange.objects.exists()
    assert not AuditEvent.objects.exists()


def test_stale_lifecycle_change_is_refused_when_someone_changed_it_in_between(staff_user, manager_user):
    customer = CustomerFactory(owner=staff_user, lifecycle="current")
    seen_by_staff = Customer.objects.get(pk=customer.pk)

    services.customer_change_lifecycle(
        actor=manager_user, customer=customer, to_state="lost", reason="Moved away", reason_category="price"
    )
    with pytest.raises(ApplicationError, match="Someone else"):
        services.customer_change_lifecycle(
            actor=staff_user, customer=seen_by_staff, to_state="lost", reason="Price", reason_category="price"
        )

    customer.refresh_from_db()
    assert customer.lost_reason == "Moved away"
    assert LifecycleChange.objects.filter(customer=customer).count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TRANSITION).count() == 1


def test_lifecycle_change_is_refused_when_the_row_changed_under_the_request(staff_user):
    customer = CustomerFactory(owner=staff_user, lifecycle="potential")
    Customer.objects.filter(pk=customer.pk).update(lifecycle="lost")  # a concurrent request won

    with pytest.raises(ApplicationError):
        services.customer_change_lifecycle(actor=staff_user, customer=customer, to_state="current", reason="")

    assert Customer.objects.get(pk=customer.pk).lifecycle == "lost"
    assert not LifecycleChange.objects.exists()


# -- contacts -----------------------------------------------------------------------------------------


def test_contact_consent_records_when_it_was_given(staff_user):
    customer = CustomerFactory(owner=staff_user)

    contact = services.contact_create(
        actor=staff_user, customer=customer, data={"name": "王芳", "survey_consent": True}
    )

    assert contact.survey_consent and contact.consent_at is not None
    assert contact.consent_withdrawn_at is None and contact.may_be_surveyed
    (event,) = _events(contact)
    assert event.action == AuditEvent.Action.CREATE and event.changes["name"] == [None, "王芳"]


def test_contact_without_consent_has_no_consent_date(staff_user):
    contact = services.contact_create(actor=staff_user, customer=CustomerFactory(owner=staff_user), data={"name": "A"})

    assert not contact.survey_consent and contact.consent_at is None and not contact.may_be_surveyed


def test_withdrawing_consent_records_when_and_keeps_the_original_consent_date(staff_user):
    contact = services.contact_create(
        actor=staff_user, customer=CustomerFactory(owner=staff_user), data={"name": "B", "survey_consent": True}
    )
    given_at = contact.consent_at

    services.contact_update(actor=staff_user, contact=contact, data={"survey_consent": False})

    contact.refresh_from_db()
    assert contact.consent_at == given_at
    assert contact.consent_withdrawn_at is not None
    assert not contact.may_be_surveyed
    assert "consent_withdrawn_at" in _events(contact)[-1].changes


def test_consenting_again_after_withdrawal_starts_a_new_consent(staff_user):
    contact = services.contact_create(
        actor=staff_user, customer=CustomerFactory(owner=staff_user), data={"name": "C", "survey_consent": True}
    )
    services.contact_update(actor=staff_user, contact=contact, data={"survey_consent": False})

    services.contact_update(actor=staff_user, contact=contact, data={"survey_consent": True})

    contact.refresh_from_db()
    assert contact.may_be_surveyed and contact.consent_withdrawn_at is None


def test_unchanged_consent_keeps_its_date(staff_user):
    contact = services.contact_create(
        actor=staff_user, customer=CustomerFactory(owner=staff_user), data={"name": "D", "survey_consent": True}
    )
    given_at = contact.consent_at

    services.contact_update(actor=staff_user, contact=contact, data={"survey_consent": True, "role": "Buyer"})

    contact.refresh_from_db()
    assert contact.consent_at == given_at


def test_a_customer_has_a_single_primary_contact(staff_user):
    customer = CustomerFactory(owner=staff_user)
    first = services.contact_create(actor=staff_user, customer=customer, data={"name": "First", "is_primary": True})
    second = services.contact_create(actor=staff_user, customer=customer, data={"name": "Second", "is_primary": True})

    assert list(customer.contacts.filter(is_primary=True)) == [second]

    services.contact_update(actor=staff_user, contact=first, data={"is_primary": True})

    assert list(customer.contacts.filter(is_primary=True).values_list("name", flat=True)) == ["First"]


def test_primary_contact_of_another_customer_is_untouched(staff_user):
    other = ContactFactory(is_primary=True)
    services.contact_create(
        actor=staff_user, customer=CustomerFactory(owner=staff_user), data={"name": "P", "is_primary": True}
    )

    other.refresh_from_db()
    assert other.is_primary


def test_duplicate_contact_name_on_one_customer_is_refused(staff_user):
    customer = CustomerFactory(owner=staff_user)
    services.contact_create(actor=staff_user, customer=customer, data={"name": "Li Lei"})

    with pytest.raises(ValidationError):
        services.contact_create(actor=staff_user, customer=customer, data={"name": "Li Lei"})
    assert customer.contacts.count() == 1


def test_contact_delete_is_audited_and_refused_for_someone_elses_customer(staff_user, other_staff_user):
    own = ContactFactory(customer=CustomerFactory(owner=staff_user))
    theirs = ContactFactory(customer=CustomerFactory(owner=other_staff_user))

    services.contact_delete(actor=staff_user, contact=own)
    with pytest.raises(ApplicationError):
        services.contact_delete(actor=staff_user, contact=theirs)

    assert not Contact.objects.filter(pk=own.pk).exists()
    assert Contact.objects.filter(pk=theirs.pk).exists()
    assert AuditEvent.objects.get().action == AuditEvent.Action.DELETE


# -- segments -----------------------------------------------------------------------------------------


def test_segment_create_is_audited(staff_user):
    segment = services.segment_create(
        actor=staff_user, name="  Key east  ", criteria={"tier": "key", "region": ["east"]}
    )

    assert segment.name == "Key east" and segment.created_by == staff_user
    (event,) = _events(segment)
    assert event.changes["criteria"] == [None, {"tier": "key", "region": ["east"]}]


@pytest.mark.parametrize(
    "criteria",
    [{"tier": "platinum"}, {"region": ["mars"]}, {"volume_min": "lots"}, {"owner": 999999}],
)
def test_segment_with_invalid_criteria_is_refused(staff_user, criteria):
    with pytest.raises(ApplicationError) as error:
        services.segment_create(actor=staff_user, name="Broken", criteria=criteria)

    assert error.value.extra["criteria"]
    assert not Segment.objects.exists()
    assert not AuditEvent.objects.exists()


def test_segment_update_with_invalid_criteria_changes_nothing(staff_user):
    segment = services.segment_create(actor=staff_user, name="Key", criteria={"tier": "key"})

    with pytest.raises(ApplicationError):
        services.segment_update(
            actor=staff_user, segment=segment, name="Renamed", description="", criteria={"tier": "gold"}
        )

    segment.refresh_from_db()
    assert segment.name == "Key" and segment.criteria == {"tier": "key"}
    assert len(_events(segment)) == 1


def test_segment_update_records_the_changed_criteria(staff_user):
    segment = services.segment_create(actor=staff_user, name="Key", criteria={"tier": "key"})

    services.segment_update(
        actor=staff_user, segment=segment, name="Key", description="", criteria={"tier": "key", "scope": "external"}
    )

    assert _events(segment)[-1].changes == {"criteria": [{"tier": "key"}, {"tier": "key", "scope": "external"}]}


def test_segment_can_change_for_its_author_and_managers_only(staff_user, other_staff_user, manager_user, auditor_user):
    segment = SegmentFactory(created_by=staff_user)

    assert services.segment_can_change(user=staff_user, segment=segment)
    assert services.segment_can_change(user=manager_user, segment=segment)
    assert not services.segment_can_change(user=other_staff_user, segment=segment)
    assert not services.segment_can_change(user=auditor_user, segment=segment)
    with pytest.raises(ApplicationError):
        services.segment_update(actor=other_staff_user, segment=segment, name="Hijacked", description="", criteria={})
    with pytest.raises(ApplicationError):
        services.segment_delete(actor=other_staff_user, segment=segment)
    assert Segment.objects.get(pk=segment.pk).name == segment.name


def test_auditor_cannot_create_segments(auditor_user):
    with pytest.raises(ApplicationError):
        services.segment_create(actor=auditor_user, name="Audit", criteria={})
    assert not Segment.objects.exists()


def test_segment_delete_by_author_is_audited(staff_user):
    segment = SegmentFactory(created_by=staff_user)

    services.segment_delete(actor=staff_user, segment=segment)

    assert not Segment.objects.exists()
    assert AuditEvent.objects.get().action == AuditEvent.Action.DELETE


def test_a_lost_customer_needs_a_loss_category_and_keeps_it(staff_user):
    customer = CustomerFactory(owner=staff_user, lifecycle="current")

    with pytest.raises(ApplicationError, match="Choose why the customer was lost"):
        services.customer_change_lifecycle(actor=staff_user, customer=customer, to_state="lost", reason="Too dear")
    with pytest.raises(ApplicationError, match="from the list"):
        services.customer_change_lifecycle(
            actor=staff_user, customer=customer, to_state="lost", reason="Too dear", reason_category="weather"
        )
    assert Customer.objects.get(pk=customer.pk).lifecycle == "current"

    change = services.customer_change_lifecycle(
        actor=staff_user, customer=customer, to_state="lost", reason="Too dear", reason_category="price"
    )
    customer.refresh_from_db()
    assert (change.reason_category, customer.lost_reason_category) == ("price", "price")
    won_back = services.customer_change_lifecycle(
        actor=staff_user, customer=customer, to_state="current", reason="New offer", reason_category="price"
    )
    assert won_back.is_win_back and won_back.reason_category == ""
