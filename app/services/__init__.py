"""Use cases. Each takes a Session and leaves commit/rollback to its caller (web request or task)."""
