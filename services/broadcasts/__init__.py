"""Broadcasts from the admin group: composing a message and its audience (`drafts`), starting,
pausing, resuming and cancelling it (`control`), and sending it to every recipient exactly once
through the one sender's bulk lane, across restarts and processes (`delivery`)."""
