"""The drills' settings: production's, with the outbox sweeper's delays shortened.

Everything else is csm.settings.production with the environment the drill stack gives it (Redis as
broker and cache, PostgreSQL, SMTP). In production the sweeper re-enqueues a message whose task was
lost a minute after it was due; the drills wait for that recovery, so they would last minutes. The
sweep itself still runs from beat's one-minute schedule (csm/celery.py), so recovery is still
measured through the real path, only sooner.
"""

from csm.settings.production import *  # noqa: F403

MAIL_OUTBOX_SWEEP_AFTER_SECONDS = 10
# A campaign whose sending task was lost is resumed after 10 s without progress (production: 5 min).
SURVEY_SEND_RESUME_AFTER_SECONDS = 10
# An analysis report running with no progress for 15 s lost its worker (production: 15 minutes); the
# every-minute recovery job then queues it again (drills/report_kill.py).
ANALYSIS_REPORT_STALE_AFTER_SECONDS = 15
