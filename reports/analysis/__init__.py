"""The analysis report (顾客满意度分析报告): a PDF and an XLSX of its tables for a period, a scope and a
language, built by Celery on demand or on a schedule, kept with its history and the manager's
conclusions and actions (management review input, ISO 9001 9.3.2 c)."""
