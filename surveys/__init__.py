"""Satisfaction surveys (ISO 9001 9.1.2): measurement plans, questionnaires, campaigns sent by
e-mail or through an open link, scoring, and the closed loop to complaints and follow-up visits."""
