"""Risk policy: shell parsing, tiers, rules, reviewer, decision, sandbox, audit."""
