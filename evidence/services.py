"""Writes of the evidence app: review records (managers), and evidence packs (requested by auditors and
managers, built by a task). Audited through core.audit."""

from __future__ import annotations

import datetime
import logging
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.access import can, require
from core.audit import audit_record, diff, snapshot
from core.editing import fields_apply
from core.exceptions import ApplicationError
from core.models import AuditEvent
from customers.models import Segment

from .models import (
    MANAGEMENT_REVIEW_EDITABLE_FIELDS,
    MEASUREMENT_REVIEW_EDITABLE_FIELDS,
    ChainVerification,
    EvidencePack,
    ManagementReview,
    MeasurementReview,
)
from .pack.builder import pack_write, software_version
from .pack.context import PackContext
from .pack.pseudonymise import Identity, Pseudonymiser
from .selectors import Scope
from .sources import audit_chain_status, objectives_and_reports
from .tasks import chain_verification_run_task, evidence_pack_build_task

logger = logging.getLogger(__name__)

# How many complaints the pack carries in full (8D report): an auditor samples, and so does the pack.
SAMPLE_SIZE = 10
PACK_FOLDER = "evidence"
REVIEW_MODELS = {
    MeasurementReview: MEASUREMENT_REVIEW_EDITABLE_FIELDS,
    ManagementReview: MANAGEMENT_REVIEW_EDITABLE_FIELDS,
}


# -- review records ------------------------------------------------------------------------------------


def review_can_change(*, user, model: type[MeasurementReview] | type[ManagementReview]) -> bool:
    return can(user, f"evidence.change_{model._meta.model_name}")


@transaction.atomic
def review_create(*, actor, model: type[MeasurementReview] | type[ManagementReview], data: dict[str, Any]):
    """Record a measurement review or a management review. Precondition: `data` holds only the model's
    editable fields. Managers (and admins) only."""
    require(actor, f"evidence.add_{model._meta.model_name}")
    fields = REVIEW_MODELS[model]
    review = model(recorded_by=actor)
    fields_apply(review, data, fields)
    review.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        instance=review,
        changes={k: [None, v] for k, v in snapshot(review, fields).items()},
    )
    return review


@transaction.atomic
def review_update(*, actor, review: MeasurementReview | ManagementReview, data: dict[str, Any]):
    require(actor, f"evidence.change_{review._meta.model_name}")
    fields = REVIEW_MODELS[type(review)]
    before = snapshot(review, fields)
    fields_apply(review, data, fields)
    review.save()
    changes = diff(before, snapshot(review, fields))
    if changes:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, instance=review, changes=changes)
    return review


def measurement_review_create(*, actor, data: dict[str, Any]) -> MeasurementReview:
    return review_create(actor=actor, model=MeasurementReview, data=data)


def management_review_create(*, actor, data: dict[str, Any]) -> ManagementReview:
    return review_create(actor=actor, model=ManagementReview, data=data)


# -- evidence packs ------------------------------------------------------------------------------------


def evidence_pack_can_request(*, user) -> bool:
    """Auditors and managers: requesting a pack changes no business record, so read-only users may."""
    return user is not None and user.is_authenticated and user.has_perm("evidence.add_evidencepack")


@transaction.atomic
def evidence_pack_request(
    *,
    actor,
    since: datetime.date,
    until: datetime.date,
    language: str,
    segment: Segment | None = None,
    pseudonymise: bool = False,
    sample_size: int = SAMPLE_SIZE,
    seed: int | None = None,
    enqueue: bool = True,
) -> EvidencePack:
    """Record a request for a pack and, after commit, enqueue its build. `actor` None: the command line
    (an operator on the server). The sample's seed is drawn here and kept in the parameters."""
    if actor is not None and not evidence_pack_can_request(user=actor):
        raise ApplicationError(_("You are not allowed to generate evidence packs."))
    if until < since:
        raise ApplicationError(_("The period cannot end before it starts."))
    if language not in dict(settings.LANGUAGES):
        raise ApplicationError(_("Unknown language: %(language)s") % {"language": language})
    if sample_size < 0:
        raise ApplicationError(_("The sample size cannot be negative."))
    parameters = {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "segment": segment.pk if segment else None,
        "segment_name": segment.name if segment else "",
        "pseudonymise": pseudonymise,
        "language": language,
        "sample_size": sample_size,
        "sample_seed": secrets.randbelow(2**31) if seed is None else seed,
    }
    pack = EvidencePack.objects.create(requested_by=actor, parameters=parameters, step=gettext_noop("Waiting to start"))
    audit_record(
        actor=actor, action=AuditEvent.Action.CREATE, instance=pack, changes={"parameters": [None, parameters]}
    )
    if enqueue:
        transaction.on_commit(lambda: evidence_pack_build_task.delay(pack.pk))
    return pack


def _context(pack: EvidencePack) -> PackContext:
    parameters = pack.parameters
    segment = Segment.objects.get(pk=parameters["segment"]) if parameters.get("segment") else None
    scope = Scope(
        since=datetime.date.fromisoformat(parameters["since"]),
        until=datetime.date.fromisoformat(parameters["until"]),
        segment=segment,
    )
    pseudonymiser = Pseudonymiser.for_database() if parameters.get("pseudonymise") else Identity()
    generated_by = pack.requested_by.get_username() if pack.requested_by is not None else "command line"
    return PackContext(
        scope=scope,
        language=parameters["language"],
        pseudonymiser=pseudonymiser,
        sample_size=parameters["sample_size"],
        sample_seed=parameters["sample_seed"],
        generated_at=timezone.localtime().replace(microsecond=0),
        # Pseudonymised too: the application's audit trail keeps who generated the pack (its SHA-256).
        generated_by=pseudonymiser.text(generated_by),
        parameters=parameters,
        software=software_version(),
        chain=audit_chain_status(),
        objectives=objectives_and_reports(scope.since, scope.until),
    )


def evidence_pack_path(pack: EvidencePack) -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / pack.file_path


def evidence_pack_build(*, pack_id: int) -> EvidencePack:
    """Build a queued pack. Idempotent by state: only a QUEUED pack is claimed (a conditional UPDATE), so
    a pack already running, done or failed is not built again. A failure is recorded on the pack
    (status and error), not raised. Not atomic: the progress is written as the build goes."""
    claimed = EvidencePack.objects.filter(pk=pack_id, status=EvidencePack.Status.QUEUED).update(
        status=EvidencePack.Status.RUNNING, started_at=timezone.now(), progress=0, updated_at=timezone.now()
    )
    pack = EvidencePack.objects.select_related("requested_by").get(pk=pack_id)
    if not claimed:
        return pack
    relative = f"{PACK_FOLDER}/pack-{pack.pk}.zip"

    def progress(percent: int, step: str) -> None:
        EvidencePack.objects.filter(pk=pack.pk).update(progress=percent, step=step[:200], updated_at=timezone.now())

    try:
        with translation.override(pack.parameters["language"]):
            sha256, size = pack_write(
                context=_context(pack), target=Path(settings.PRIVATE_MEDIA_ROOT) / relative, progress=progress
            )
    except Exception as error:  # noqa: BLE001 - any failure is the pack's final state, shown on its page
        logger.exception("Evidence pack %s failed", pack.pk)
        EvidencePack.objects.filter(pk=pack.pk).update(
            status=EvidencePack.Status.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        pack.refresh_from_db()
        return pack
    EvidencePack.objects.filter(pk=pack.pk).update(
        status=EvidencePack.Status.DONE,
        progress=100,
        step=gettext_noop("Ready"),
        file_path=relative,
        sha256=sha256,
        size=size,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    pack.refresh_from_db()
    audit_record(
        actor=pack.requested_by,
        action=AuditEvent.Action.EXPORT,
        instance=pack,
        changes={"sha256": [None, sha256], "size": [None, size]},
        comment="generated",
    )
    return pack


def evidence_pack_download(*, actor, pack: EvidencePack) -> Path:
    """The file of a finished pack, for a user who may read packs; the download is audited."""
    if not actor.has_perm("evidence.view_evidencepack"):
        raise ApplicationError(_("You are not allowed to download evidence packs."))
    path = evidence_pack_path(pack)
    if pack.status != EvidencePack.Status.DONE or not pack.file_path or not path.is_file():
        raise ApplicationError(_("This evidence pack has no file to download."))
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        instance=pack,
        changes={"sha256": [None, pack.sha256]},
        comment="downloaded",
    )
    return path


# -- audit chain verification ---------------------------------------------------------------------------

# Who verifies the chain: whoever reads the audit trail (auditors, managers, admins). Starting one is a
# request (it changes no business record), so auditors may.
VERIFY_PERMISSION = "core.view_auditevent"
# A verification still queued or running after this long is taken as lost (its worker died): a new
# request starts another instead of waiting for it. Verification reads about 43,000 entries a second (SQLite, here).
VERIFICATION_STALE_AFTER = datetime.timedelta(minutes=30)


def chain_verification_can_start(*, user) -> bool:
    return user is not None and user.is_authenticated and user.has_perm(VERIFY_PERMISSION)


def chain_verification_latest() -> tuple[ChainVerification | None, ChainVerification | None]:
    """(the last finished verification, the one queued or running now, if any)."""
    finished = (
        ChainVerification.objects.filter(status__in=[ChainVerification.Status.DONE, ChainVerification.Status.FAILED])
        .select_related("requested_by")
        .first()
    )
    active = (
        ChainVerification.objects.filter(
            status__in=[ChainVerification.Status.QUEUED, ChainVerification.Status.RUNNING],
            created_at__gte=timezone.now() - VERIFICATION_STALE_AFTER,
        )
        .select_related("requested_by")
        .first()
    )
    return finished, active


@transaction.atomic
def chain_verification_request(*, actor, enqueue: bool = True) -> ChainVerification:
    """Ask for a verification of the audit chain, run by a task after commit. While one is queued or
    running, that one is returned instead of starting a second. The request is audited."""
    if not chain_verification_can_start(user=actor):
        raise ApplicationError(_("You are not allowed to verify the audit trail."))
    _finished, active = chain_verification_latest()
    if active is not None:
        return active
    verification = ChainVerification.objects.create(requested_by=actor)
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, instance=verification, comment="requested")
    if enqueue:
        transaction.on_commit(lambda: chain_verification_run_task.delay(verification.pk))
    return verification


def chain_verification_scheduled() -> ChainVerification | None:
    """The nightly verification of the whole chain, run in the calling task (no one requested it:
    requested_by stays empty and the page says "the nightly schedule"). It gives each evidence pack
    a recent checkpoint to walk on from, so a pack walks the day's new links, not the whole trail.
    Skipped (None) while another verification is queued or running."""
    with transaction.atomic():
        _finished, active = chain_verification_latest()
        if active is not None:
            return None
        verification = ChainVerification.objects.create(requested_by=None)
    return chain_verification_run(verification_id=verification.pk)


def chain_verification_run(*, verification_id: int) -> ChainVerification:
    """Run a queued verification. Idempotent by state: only a QUEUED one is claimed (a conditional
    UPDATE). Progress is written per batch of links; a failure is recorded, not raised."""
    from core.audit_chain import audit_chain_verify

    claimed = ChainVerification.objects.filter(pk=verification_id, status=ChainVerification.Status.QUEUED).update(
        status=ChainVerification.Status.RUNNING, started_at=timezone.now(), updated_at=timezone.now()
    )
    if not claimed:
        return ChainVerification.objects.get(pk=verification_id)

    def progress(done: int, total: int) -> None:
        percent = min(99, 100 * done // total) if total else 0
        ChainVerification.objects.filter(pk=verification_id).update(progress=percent, updated_at=timezone.now())

    try:
        result = audit_chain_verify(progress=progress)
    except Exception as error:  # noqa: BLE001 - the failure is the verification's result, shown on its page
        logger.exception("Audit chain verification %s failed", verification_id)
        ChainVerification.objects.filter(pk=verification_id).update(
            status=ChainVerification.Status.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        return ChainVerification.objects.get(pk=verification_id)
    ChainVerification.objects.filter(pk=verification_id).update(
        status=ChainVerification.Status.DONE,
        progress=100,
        ok=result.ok,
        sealed=result.sealed,
        unsealed=result.unsealed,
        head_position=result.head.position if result.head else None,
        head_hash=result.head.hash if result.head else "",
        head_sealed_at=result.head.sealed_at if result.head else None,
        broken_entry_id=result.broken_entry_id,
        broken_position=result.broken_position,
        kind=str(result.kind or ""),
        verified_position=result.verified.position if result.verified else None,
        verified_event_id=result.verified.event_id if result.verified else None,
        verified_hash=result.verified.hash if result.verified else "",
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    return ChainVerification.objects.get(pk=verification_id)
