"""Complaint handling (ISO 10002): intake with a unique reference (staff form, visit issues, the API
and the public web form), the workflow with SLA due dates and escalation, corrective actions and the
8D report, and the customer's satisfaction rating."""
