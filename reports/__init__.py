"""Read-only figures: dashboards and analysis reports. Reports only read; they never write."""
