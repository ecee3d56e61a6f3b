"""The complaint's vocabularies: kinds, channels, root causes, states and workflow actions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    COMPLIMENT = "compliment", _("Compliment")
    SUGGESTION = "suggestion", _("Suggestion")


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("Customer hotline")
    LETTER = "letter", _("Letter")
    VISIT = "visit", _("Visit")
    EMAIL = "email", _("E-mail")
    WEB_FORM = "web_form", _("Web form")
    API = "api", _("API")
    EXHIBITION = "exhibition", _("Exhibition or event")
    OTHER = "other", _("Other")


class RootCause(models.TextChoices):
    """The 6M of the fishbone diagram, plus other."""

    MAN = "man", _("People (skills, training)")
    MACHINE = "machine", _("Machine or equipment")
    MATERIAL = "material", _("Material or supplier")
    METHOD = "method", _("Method or process")
    MEASUREMENT = "measurement", _("Measurement or inspection")
    ENVIRONMENT = "environment", _("Environment")
    OTHER = "other", _("Other")


class State(models.TextChoices):
    """ISO 10002:2018 8.x: receipt, acknowledgement, assessment, investigation, response, closing."""

    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ASSESSED = "assessed", _("Assessed")
    INVESTIGATING = "investigating", _("Investigating")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REJECTED = "rejected", _("Rejected")


# States in which the complaint is still being worked on (the SLA clock runs, escalation applies).
OPEN_STATES = (State.RECEIVED, State.ACKNOWLEDGED, State.ASSESSED, State.INVESTIGATING)
# States reached once the complaint has been acknowledged (acknowledged_at must be set).
ACKNOWLEDGED_STATES = (State.ACKNOWLEDGED, State.ASSESSED, State.INVESTIGATING, State.RESOLVED, State.CLOSED)
FINAL_STATES = (State.CLOSED, State.WITHDRAWN, State.REJECTED)

# Roles whose members complaints and corrective actions are assigned to, and those of them the
# queue's "Assigned to" filter offers.
WORKER_ROLES = ("staff", "manager", "admin")
QUEUE_ROLES = ("staff", "manager")


class Action(models.TextChoices):
    """Workflow steps; the table of which step leads from where to where is complaints.workflow."""

    ACKNOWLEDGE = "acknowledge", _("Acknowledge")
    ASSESS = "assess", _("Assess")
    INVESTIGATE = "investigate", _("Start investigation")
    RESOLVE = "resolve", _("Resolve")
    CLOSE = "close", _("Close")
    REOPEN = "reopen", _("Reopen")
    WITHDRAW = "withdraw", _("Customer withdraws")
    REJECT = "reject", _("Reject")


class CloseReason(models.TextChoices):
    ACCEPTED = "accepted", _("Customer accepted the resolution")
    NO_ANSWER = "no_answer", _("No answer from the customer within the set time")
