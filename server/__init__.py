"""Cadence: offline-first classroom observation and coaching for K-12 mathematics."""
