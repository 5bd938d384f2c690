"""The audit log: who read or exported coaching content, and when."""
