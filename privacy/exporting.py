"""The copy of a data subject's data (PIPL art. 45): one ZIP, written while it is sent.

Members, each JSON (UTF-8, keys are the field names; a choice field also has `<field>_display` in
the reader's language):
- subject.json: the customer or contact record (a contact's with its customer's name and code);
- contacts.json: the customer's contacts (a contact's export: the contact);
- complaints.json: each complaint with its timeline events, corrective actions and attachments (the
  list: name, type, size, when; the files themselves stay in the organisation's records);
- surveys.json: the survey invitations with their responses and every answer (question in words);
- visits.json: follow-up visits with scores, issues raised and who was met;
- feedback.json: feedback records (warranty claims, compliments...) about them;
- lifecycle.json: a customer's lifecycle steps;
- audit_trail.json: the audit trail's entries about these records (who, when, what changed);
- summary.html: the same, readable, in the reader's language.
Credentials are never written: link token hashes and salts, client fingerprints, storage paths,
and the staff's own addresses and browsers from the trail.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone, translation
from stream_zip import ZIP_64, stream_zip

from core.i18n import bilingual

from . import selectors
from .selectors import Subject

FILE_MODE = 0o600
NEVER_EXPORTED = {
    "status_token_hash",
    "status_token_expires_at",
    "token_hash",
    "token_salt",
    "client_hash",
    "stored_path",
}


def record(instance: models.Model, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """Every stored field of a record as plain JSON values; a relation as its name and id."""
    values: dict[str, Any] = {}
    skipped = NEVER_EXPORTED | set(exclude)
    for field in instance._meta.concrete_fields:
        if field.name in skipped:
            continue
        if field.is_relation:
            related_id = getattr(instance, field.attname)
            values[field.name] = None if related_id is None else str(getattr(instance, field.name))
            values[f"{field.name}_id"] = related_id
            continue
        value = getattr(instance, field.attname)
        values[field.name] = value
        if field.choices and value not in (None, ""):
            values[f"{field.name}_display"] = str(dict(field.flatchoices).get(value, value))
    return values


def _complaints(subject: Subject) -> list[dict[str, Any]]:
    rows = []
    complaints = selectors.subject_complaints(subject).prefetch_related("events__actor", "actions", "attachments")
    for complaint in complaints:
        row = record(complaint)
        row["events"] = [record(event, exclude=("complaint",)) for event in complaint.events.all()]
        row["corrective_actions"] = [record(action, exclude=("complaint",)) for action in complaint.actions.all()]
        row["attachments"] = [
            record(attachment, exclude=("complaint", "sha256")) for attachment in complaint.attachments.all()
        ]
        rows.append(row)
    return rows


def _surveys(subject: Subject) -> list[dict[str, Any]]:
    responses = {
        response.invitation_id: response
        for response in selectors.subject_responses(subject).prefetch_related("answers__question")
    }
    rows = []
    for invitation in selectors.subject_invitations(subject):
        row = record(invitation, exclude=("draft",))
        response = responses.pop(invitation.pk, None)
        row["response"] = None if response is None else _response(response)
        rows.append(row)
    for response in responses.values():  # answered under another contact's invitation
        rows.append({"response": _response(response)})
    return rows


def _response(response) -> dict[str, Any]:
    row = record(response, exclude=("invitation",))
    row["answers"] = [
        {
            "question_code": answer.question.code,
            "question": bilingual(answer.question, "text"),
            "score": answer.score,
            "importance": answer.importance,
            "choices": answer.choices,
            "text": answer.text,
        }
        for answer in response.answers.all()
    ]
    return row


def _visits(subject: Subject) -> list[dict[str, Any]]:
    rows = []
    for visit in selectors.subject_visits(subject).prefetch_related("scores__dimension", "issues", "contacts_met"):
        row = record(visit)
        row["contacts_met"] = [contact.name for contact in visit.contacts_met.all()]
        row["scores"] = [{"dimension": score.dimension.name, "score": score.score} for score in visit.scores.all()]
        row["issues"] = [record(issue, exclude=("visit",)) for issue in visit.issues.all()]
        rows.append(row)
    return rows


def _audit_trail(subject: Subject) -> list[dict[str, Any]]:
    return [
        {
            "at": event.at,
            "who": event.actor_name,
            "action": event.action,
            "action_display": event.get_action_display(),
            "record_type": str(event.content_type.model_class()._meta.verbose_name)
            if event.content_type.model_class()
            else event.content_type.model,
            "record_id": event.object_id,
            "record": event.object_repr,
            "changes": event.changes,
            "comment": event.comment,
            "comment_display": event.comment_display,
            "source": event.source,
        }
        for event in selectors.subject_audit_events(subject).iterator(chunk_size=2000)
    ]


def subject_data(subject: Subject) -> dict[str, Any]:
    """Every section of the copy, in the active language."""
    if subject.contact is not None:
        subject_record = record(subject.contact) | {"customer_code": subject.customer.code}
    else:
        subject_record = record(subject.customer) | {"tags": [tag.name for tag in subject.customer.tags.all()]}
    return {
        "subject": {"kind": subject.kind, "record": subject_record},
        "contacts": [record(contact) for contact in subject.contacts],
        "complaints": _complaints(subject),
        "surveys": _surveys(subject),
        "visits": _visits(subject),
        "feedback": [record(row) for row in selectors.subject_feedback(subject)],
        "lifecycle": [record(row, exclude=("customer",)) for row in selectors.subject_lifecycle_changes(subject)],
        "audit_trail": _audit_trail(subject),
    }


def _json(value: Any) -> bytes:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()


def _labelled(instance: models.Model, values: dict[str, Any]) -> list[tuple[str, Any]]:
    """(field label, value shown) of a record's fields, for the readable summary."""
    rows = []
    for field in instance._meta.concrete_fields:
        if field.name in NEVER_EXPORTED or field.name not in values:
            continue
        shown = values.get(f"{field.name}_display", values[field.name])
        if isinstance(shown, bool):
            shown = translation.gettext("Yes") if shown else translation.gettext("No")
        rows.append((str(field.verbose_name), "" if shown is None else shown))
    return rows


def _members(subject: Subject, *, language: str, exported_by: str) -> Iterator[tuple[Any, ...]]:
    """Everything is read and rendered in the reader's language first (a customer's records are a few
    hundred rows): the language must not depend on what the server thread does between chunks."""
    modified = timezone.now().replace(microsecond=0)
    with translation.override(language):
        data = subject_data(subject)
        about = {
            "exported_at": timezone.now(),
            "exported_by": exported_by,
            "language": language,
            "subject_kind": subject.kind,
            "subject_id": subject.pk,
        }
        data["subject"] = about | data["subject"]
        summary = render_to_string(
            "privacy/export_summary.html",
            {
                "data": data,
                "about": about,
                "subject": subject,
                "fields": _labelled(subject.record, data["subject"]["record"]),
                "language": language,
            },
        )
    members = [(f"{name}.json", _json(value)) for name, value in data.items()]
    members.append(("summary.html", summary.encode()))
    for name, content in members:
        yield name, modified, FILE_MODE, ZIP_64, [content]


def subject_export_chunks(subject: Subject, *, language: str, exported_by: str) -> Iterator[bytes]:
    """The ZIP, chunk by chunk: a response streams it, a command writes it to a file."""
    yield from stream_zip(_members(subject, language=language, exported_by=exported_by))


def export_filename(subject: Subject, *, today: datetime.date | None = None) -> str:
    today = today or timezone.localdate()
    return f"data-subject-{subject.kind}-{subject.pk}-{today:%Y%m%d}.zip"
