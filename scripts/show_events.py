"""Print a `wakeful -p --output-format stream-json` run as a short, readable trace."""

import json
import sys

for line in sys.stdin:
    e = json.loads(line)
    kind = e["type"]
    if kind == "tool_start":
        print(f"  tool call   {e['tool']}({json.dumps(e['input'])})")
    elif kind == "tool_end":
        print(f"  tool result {e['summary']}")
    elif kind == "permission":
        print(f"  policy      {e['tool']}: {e['tier']} -> {e['decision']}")
    elif kind == "result":
        u = e["usage"]
        print(f"  answer      {e['result']!r}")
        print(
            f"  usage       input {u['input']}, output {u['output']}, "
            f"from cache {u['cache_read']}; session {e['session_id']}"
        )
