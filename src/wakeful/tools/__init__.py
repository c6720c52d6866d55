"""Tools the agent can call; each declares what it would touch before it runs."""
