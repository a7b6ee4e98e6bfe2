"""Per-update plumbing: database session, user, i18n, throttling, unhandled-update logging."""
