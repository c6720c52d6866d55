"""Coordination: the assembled runtime, sub-agents (fork or fresh), caps and mailbox."""
