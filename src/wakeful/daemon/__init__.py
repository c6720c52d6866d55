"""Always-on mode: a tick loop whose preflight decides without a model whether to wake an agent.

The daemon keeps jobs in SQLite, checks time, shell conditions and file changes
deterministically, and only then starts a headless agent as a child process, so an idle daemon
costs no model calls and a crash loses nothing.
"""
