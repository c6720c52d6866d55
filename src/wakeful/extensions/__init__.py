"""Extensions a user brings along: MCP servers, hooks, skills, custom agents, slash commands.

Read from Claude Code's layout (`.mcp.json`, `.claude/...`) and wakeful's own paths; anything
in the project that would start a process (MCP servers, hooks) is loaded only in a trusted
workspace.
"""
