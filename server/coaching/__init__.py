"""Coaching cycles: a teacher-coach pair's goal, weekly check-ins and commitments."""
