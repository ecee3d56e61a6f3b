"""Every write about complaints. Split by sub-domain; import from here."""

from .actions import (
    corrective_action_add,
    corrective_action_checks_remind,
    corrective_action_complete,
    corrective_action_verify,
    root_cause_record,
)
from .attachments import attachment_check, complaint_attachment_add
from .closing import rating_asked_elsewhere_register
from .common import sla_schedule_load
from .escalation import complaint_escalations_run
from .intake import complaint_open, complaint_open_from_visit_issue, complaint_reference_next
from .satisfaction import complaint_satisfaction_record
from .status_link import complaint_by_status_token, complaint_receipt_acknowledge, complaint_status_link_issue
from .transitions import (
    complaint_assign,
    complaint_bulk_assign,
    complaint_close_unanswered,
    complaint_note_add,
    complaint_pause,
    complaint_resume,
    complaint_transition,
)
from .web_form import complaint_submit_web_form, web_form_rate_limited

__all__ = [
    "rating_asked_elsewhere_register",
    "complaint_satisfaction_record",
    "complaint_submit_web_form",
    "web_form_rate_limited",
    "attachment_check",
    "complaint_attachment_add",
    "complaint_assign",
    "complaint_bulk_assign",
    "complaint_by_status_token",
    "complaint_close_unanswered",
    "complaint_escalations_run",
    "complaint_note_add",
    "complaint_open",
    "complaint_open_from_visit_issue",
    "complaint_pause",
    "complaint_reference_next",
    "complaint_resume",
    "complaint_status_link_issue",
    "complaint_receipt_acknowledge",
    "complaint_transition",
    "corrective_action_add",
    "corrective_action_checks_remind",
    "corrective_action_complete",
    "corrective_action_verify",
    "root_cause_record",
    "sla_schedule_load",
]
