"""Programmes: an organisation's trainings, their trainers."""
