"""Satisfaction surveys. Models, campaigns and scoring arrive with the satisfaction surveys issue."""
