"""Types every layer shares: messages, usage, events, errors, config, paths."""
