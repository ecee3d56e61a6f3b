"""Complaints from the public web form (ISO 10002: easy to complain, prompt acknowledgement).

No user: the sender is found by e-mail or phone among the customers and their contacts, or recorded
as a new customer. Such a customer is classified as a *potential* customer (潜在顾客) tagged
"web-form" until staff classify it: it has no region, tier or segment yet, and the figures that
count current customers (reports' customer mix, satisfaction by region) do not count it.

Every submission carries a one-time token (the signed start stamp of the form); its hash is stored
with the complaint, so the same form posted twice makes one complaint. The acknowledgement with the
private status link is written to the outbox in the same transaction as the complaint.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from core.i18n import is_chinese
from customers.models import Contact, Customer, Language, Lifecycle
from customers.services import contact_store, customer_create

from ..models import Channel, Complaint, Kind, WebFormSubmission
from .intake import complaint_open
from .status_link import complaint_receipt_acknowledge

# Five submissions per client address per hour: enough for a real customer, little for a script.
RATE_LIMIT = 5
RATE_WINDOW_SECONDS = 3600
WEB_FORM_TAG = "web-form"


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


def phone_digits(phone: str) -> str:
    """The digits of a phone number ("+86 21-5555 0101" -> "862155550101"), for matching."""
    return re.sub(r"\D", "", phone or "")


def _sender_find(*, email: str, phone: str) -> tuple[Customer | None, Contact | None]:
    """The contact (and its customer) with this e-mail, else this phone; else a customer with it."""
    conditions = []
    if email:
        conditions.append(Q(email__iexact=email))
    digits = phone_digits(phone)
    if digits:
        conditions.append(Q(phone__in={phone, digits}))
    for condition in conditions:
        contact = Contact.objects.filter(condition).select_related("customer").order_by("id").first()
        if contact is not None:
            return contact.customer, contact
        customer = Customer.objects.filter(condition).order_by("id").first()
        if customer is not None:
            return customer, None
    return None, None


def _customer_new(*, name: str, email: str, phone: str) -> Customer:
    return customer_create(
        actor=None,
        data={
            "code": f"WEB-{secrets.token_hex(4).upper()}",
            "name": name,
            "email": email,
            "phone": phone,
            "lifecycle": Lifecycle.POTENTIAL,
            "notes": _("Created from the public complaint form; classify this customer."),
        },
        tags=[WEB_FORM_TAG],
    )


def _contact_new(*, customer: Customer, name: str, email: str, phone: str) -> Contact:
    """The sender as the new customer's primary contact, in the language of the page they wrote
    on: later e-mails about the complaint (closing, the satisfaction question) speak it too."""
    language = Language.ZH_HANS if is_chinese(translation.get_language()) else Language.EN
    data = {
        "name": name[: Contact._meta.get_field("name").max_length] or customer.name,
        "email": email,
        "phone": phone,
        "preferred_language": language,
        "is_primary": True,
    }
    contact = contact_store(actor=None, customer=customer, data=data)
    return contact


def form_token_hash(form_token: str) -> str:
    return hashlib.sha256(form_token.encode()).hexdigest()


@dataclass(frozen=True)
class WebFormReceipt:
    complaint: Complaint
    status_token: str  # "" when this form was already sent: the link went out the first time
    repeated: bool


def complaint_submit_web_form(
    *,
    form_token: str,
    name: str,
    email: str,
    phone: str,
    kind: str,
    subject: str,
    description: str,
    desired_remedy: str = "",
    product_reference: str = "",
) -> WebFormReceipt:
    """Record the complaint and acknowledge it (e-mail when there is an address, else the thank-you
    page's link only). Preconditions: an e-mail or a phone number; `form_token` is the form's
    one-time token (a second submission with it returns the first complaint, `repeated`)."""
    token_hash = form_token_hash(form_token)
    existing = WebFormSubmission.objects.filter(token_hash=token_hash).select_related("complaint").first()
    if existing is not None:
        return WebFormReceipt(complaint=existing.complaint, status_token="", repeated=True)
    try:
        return _submit(
            token_hash=token_hash,
            name=name.strip(),
            email=email.strip(),
            phone=phone.strip(),
            kind=kind,
            subject=subject,
            description=description,
            desired_remedy=desired_remedy,
            product_reference=product_reference,
        )
    except IntegrityError:
        # The same form raced itself in (two requests at once): the other one made the complaint.
        first = WebFormSubmission.objects.select_related("complaint").get(token_hash=token_hash)
        return WebFormReceipt(complaint=first.complaint, status_token="", repeated=True)


@transaction.atomic
def _submit(
    *,
    token_hash: str,
    name: str,
    email: str,
    phone: str,
    kind: str,
    subject: str,
    description: str,
    desired_remedy: str,
    product_reference: str,
) -> WebFormReceipt:
    customer, contact = _sender_find(email=email, phone=phone)
    if customer is None:
        customer = _customer_new(name=name, email=email, phone=phone)
        contact = _contact_new(customer=customer, name=name, email=email, phone=phone)
    complaint = complaint_open(
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
    WebFormSubmission.objects.create(token_hash=token_hash, complaint=complaint)
    status_token = complaint_receipt_acknowledge(
        complaint=complaint, email=email, language=translation.get_language() or ""
    )
    return WebFormReceipt(complaint=complaint, status_token=status_token, repeated=False)
