"""The agent loop: turns, tool dispatch, budgets, retries, transcripts."""
