"""Complaints from the public web form: no user, so the customer is found by e-mail (or recorded as a
new customer), and the submission is rate-limited per address and checked for bots."""

from __future__ import annotations

import secrets

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.services import customer_create

from ..models import Channel, Complaint, Kind
from .intake import complaint_open

# Five submissions per client address per hour: enough for a real customer, little for a script.
RATE_LIMIT = 5
RATE_WINDOW_SECONDS = 3600


def web_form_rate_limited(*, client_address: str) -> bool:
    """Count this submission; True when the address has sent too many within the window."""
    key = f"complaints:web-form:{client_address}"
    if cache.add(key, 1, RATE_WINDOW_SECONDS):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, RATE_WINDOW_SECONDS)
        return False
    return count > RATE_LIMIT


def _customer_for(*, name: str, email: str, phone: str) -> Customer:
    existing = Customer.objects.filter(Q(email__iexact=email) | Q(contacts__email__iexact=email)).order_by("id").first()
    if existing is not None:
        return existing
    return customer_create(
        actor=None,
        data={
            "code": f"WEB-{secrets.token_hex(4).upper()}",
            "name": name,
            "email": email,
            "phone": phone,
            "notes": _("Created from the public complaint form."),
        },
    )


@transaction.atomic
def complaint_submit_web_form(
    *,
    name: str,
    email: str,
    phone: str,
    kind: str,
    subject: str,
    description: str,
    desired_remedy: str = "",
    product_reference: str = "",
) -> Complaint:
    customer = _customer_for(name=name.strip(), email=email.strip(), phone=phone.strip())
    contact = customer.contacts.filter(email__iexact=email.strip()).first()
    return complaint_open(
        actor=None,
        public_submission=True,
        customer=customer,
        contact=contact,
        channel=Channel.WEB_FORM,
        kind=kind if kind in Kind.values else Kind.COMPLAINT,
        subject=subject,
        description=description,
        desired_remedy=desired_remedy,
        product_reference=product_reference,
    )
