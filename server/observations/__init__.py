"""Observations: scoring a lesson on a tablet, notes, tallies, sharing with the teacher."""
