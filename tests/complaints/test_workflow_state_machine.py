"""Random sequences of workflow steps (legal or not, from fresh or stale pages) keep the invariants:
only legal transitions persist, every persisted transition has its audit row, closed_at iff closed."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from complaints import services
from complaints.models import Action, Complaint, ComplaintEvent, State
from complaints.workflow import target_of
from core.exceptions import ApplicationError
from core.models import AuditEvent
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


class ComplaintWorkflow(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.savepoint = transaction.savepoint()

    @initialize()
    def open(self):
        self.user = UserFactory(role="staff")
        self.complaint = services.complaint_open(
            actor=self.user, customer=CustomerFactory(), channel="hotline", subject="s", description="d"
        )
        self.expected_state = State.RECEIVED
        self.steps = 0

    @rule(
        action=st.sampled_from(Action.values),
        stale=st.booleans(),
        text=st.sampled_from(["", "A reason."]),
        close_reason=st.sampled_from(["", "accepted", "no_answer"]),
    )
    def take_step(self, action, stale, text, close_reason):
        # A stale page: the complaint as it was loaded before the last step.
        complaint = (
            self.stale_copy if stale and hasattr(self, "stale_copy") else Complaint.objects.get(pk=self.complaint.pk)
        )
        self.stale_copy = Complaint.objects.get(pk=self.complaint.pk)
        try:
            services.complaint_transition(
                actor=self.user,
                complaint=complaint,
                action=action,
                comment=text,
                resolution=text,
                reason=text,
                close_reason=close_reason,
            )
        except ApplicationError:
            return
        target = target_of(action, self.expected_state)
        assert target is not None, f"{action} from {self.expected_state} must not persist"
        self.expected_state = target
        self.steps += 1

    @invariant()
    def only_legal_transitions_persist(self):
        if hasattr(self, "complaint"):
            assert Complaint.objects.get(pk=self.complaint.pk).state == self.expected_state

    @invariant()
    def every_transition_has_an_audit_row_and_an_event(self):
        if hasattr(self, "complaint"):
            audited = AuditEvent.objects.for_object(self.complaint).filter(action="transition").count()
            events = ComplaintEvent.objects.filter(complaint=self.complaint, kind="transition").count()
            assert audited == events == self.steps

    @invariant()
    def closed_at_iff_closed(self):
        if hasattr(self, "complaint"):
            row = Complaint.objects.get(pk=self.complaint.pk)
            assert (row.closed_at is not None) == (row.state == State.CLOSED)
            assert (row.resolved_at is not None) == (row.state in (State.RESOLVED, State.CLOSED))

    def teardown(self):
        transaction.savepoint_rollback(self.savepoint)


def test_workflow_state_machine(db):
    ComplaintWorkflow.TestCase.settings = settings(
        max_examples=25, stateful_step_count=15, deadline=None, suppress_health_check=list(HealthCheck)
    )
    ComplaintWorkflow.TestCase().runTest()
