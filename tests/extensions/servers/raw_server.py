"""A raw JSON-RPC 2.0 MCP server on stdio, written by hand (no SDK), for the tests.

python raw_server.py [--marker FILE]. Tools: `add` (read-only), `garbage` (answers with a
line that is not JSON, then nothing), `wrong_id` (answers a different request id).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

if "--marker" in sys.argv:
    Path(sys.argv[sys.argv.index("--marker") + 1]).write_text("raw server started\n")

TOOLS = [
    {
        "name": "add",
        "description": "Add two numbers.",
        "inputSchema": {
            "type": "object",
            "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
            "required": ["a", "b"],
        },
        "annotations": {"readOnlyHint": True},
    },
    {
        "name": "garbage",
        "description": "Answers with garbage.",
        "inputSchema": {"type": "object"},
        "annotations": {"readOnlyHint": True},
    },
    {
        "name": "wrong_id",
        "description": "Answers another request.",
        "inputSchema": {"type": "object"},
        "annotations": {"readOnlyHint": True},
    },
]


def send(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    msg = json.loads(line)
    if "id" not in msg:
        continue  # notifications
    rid, method = msg["id"], msg.get("method")
    if method == "initialize":
        send(
            {
                "jsonrpc": "2.0",
                "id": rid,
                "result": {
                    "protocolVersion": msg["params"]["protocolVersion"],
                    "capabilities": {"tools": {}},
                    "serverInfo": {"name": "raw", "version": "0"},
                },
            }
        )
    elif method == "tools/list":
        send({"jsonrpc": "2.0", "id": rid, "result": {"tools": TOOLS}})
    elif method == "tools/call":
        name = msg["params"]["name"]
        args = msg["params"].get("arguments") or {}
        if name == "add":
            total = args["a"] + args["b"]
            send(
                {
                    "jsonrpc": "2.0",
                    "id": rid,
                    "result": {"content": [{"type": "text", "text": f"sum={total}"}]},
                }
            )
        elif name == "garbage":
            sys.stdout.write("this is not json {{{\n")
            sys.stdout.flush()
        elif name == "wrong_id":
            send({"jsonrpc": "2.0", "id": 99999, "result": {"content": []}})
    elif method == "ping":
        send({"jsonrpc": "2.0", "id": rid, "result": {}})
    else:
        send({"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": "no method"}})
