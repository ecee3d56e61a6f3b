"""Complaint handling (ISO 10002). This first slice: intake with a unique reference, from the
staff form and from an issue raised during a follow-up visit. The workflow, SLA, escalation and
corrective actions come with the complaint handling issue."""
