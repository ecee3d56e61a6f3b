"""Every write of the surveys app, one module per sub-domain:

- plans: measurement plans;           - questionnaires: questionnaires and their versions;
- campaigns: create, send, close;     - sending: batched e-mail delivery (invitations, reminders);
- responses: the customer's answers through personal and open links;
- closed_loop: low scores alert owners, the complaint survey rates the complaint.

Managers' writes take an `actor` and are audited. Callers import from this package
(`from surveys import services`); the names below are its public surface.
"""

from .campaigns import (
    campaign_close,
    campaign_close_if_full,
    campaign_create,
    campaign_open_link_set,
    campaign_send,
    campaigns_close_due,
    version_weights_freeze,
)
from .closed_loop import (
    complaint_rating_from_index,
    complaint_survey_running,
    response_alert,
    response_complaint_rating,
    response_is_about_a_complaint,
    response_needs_alert,
)
from .common import (
    audit_created,
    require_manager,
)
from .dimensions import (
    DIMENSION_EDITABLE_FIELDS,
    dimension_active_set,
    dimension_create,
    dimension_update,
)
from .page_settings import PAGE_SETTINGS_EDITABLE_FIELDS, survey_page_settings_update
from .plans import (
    PLAN_VALUE_FIELDS,
    plan_create,
    plan_update,
)
from .questionnaires import (
    question_add,
    question_delete,
    question_move,
    question_update,
    questionnaire_import,
    questionnaire_version_derive,
    version_update,
)
from .responses import (
    ANSWERING_FIELDS,
    CAMPAIGN_CACHE_SECONDS,
    QUESTIONS_CACHE_SECONDS,
    AlreadyAnswered,
    LinkUnusable,
    answering_caches_clear,
    campaign_for_answering,
    campaign_for_open_token,
    invitation_autosave,
    invitation_for_token,
    invitation_open,
    invitation_opt_out,
    open_client_hash,
    open_response_submit,
    response_submit,
    version_questions,
)
from .sending import (
    EVENT_LINK_DAYS,
    EVENT_QUIET_DAYS,
    SEND_BATCH_SIZE,
    campaign_send_batches,
    campaigns_sending_resume,
    event_invitations_send,
    invitation_mail_failed,
    invitation_reminders_due,
    invitation_reminders_send,
)

__all__ = [
    "ANSWERING_FIELDS",
    "AlreadyAnswered",
    "CAMPAIGN_CACHE_SECONDS",
    "DIMENSION_EDITABLE_FIELDS",
    "PAGE_SETTINGS_EDITABLE_FIELDS",
    "response_is_about_a_complaint",
    "EVENT_LINK_DAYS",
    "EVENT_QUIET_DAYS",
    "LinkUnusable",
    "PLAN_VALUE_FIELDS",
    "QUESTIONS_CACHE_SECONDS",
    "SEND_BATCH_SIZE",
    "campaigns_sending_resume",
    "answering_caches_clear",
    "audit_created",
    "campaign_close",
    "campaign_close_if_full",
    "campaign_create",
    "campaign_for_answering",
    "campaign_for_open_token",
    "campaign_open_link_set",
    "campaign_send",
    "campaign_send_batches",
    "campaigns_close_due",
    "complaint_rating_from_index",
    "dimension_active_set",
    "dimension_create",
    "dimension_update",
    "complaint_survey_running",
    "event_invitations_send",
    "invitation_autosave",
    "invitation_for_token",
    "invitation_open",
    "invitation_opt_out",
    "invitation_reminders_due",
    "invitation_mail_failed",
    "invitation_reminders_send",
    "open_client_hash",
    "open_response_submit",
    "plan_create",
    "plan_update",
    "question_add",
    "question_delete",
    "question_move",
    "question_update",
    "questionnaire_import",
    "questionnaire_version_derive",
    "require_manager",
    "response_alert",
    "response_complaint_rating",
    "response_needs_alert",
    "response_submit",
    "survey_page_settings_update",
    "version_questions",
    "version_update",
    "version_weights_freeze",
]
