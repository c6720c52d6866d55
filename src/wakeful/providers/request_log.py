"""Append every request body as sent, with the usage it returned, to a JSONL file.

Users read it to debug cost; benchmarks read it to recompute cache reuse independently.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

from wakeful.core.usage import Usage


class RequestLog:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(
        self,
        provider: str,
        request: dict[str, Any],
        usage: Usage,
        error: str | None = None,
        reply: str | None = None,
    ) -> None:
        """One line: the request, its usage, and (where the provider gives it) the raw reply."""
        if self.path is None:
            return
        record: dict[str, Any] = {
            "time": time.time(),
            "provider": provider,
            "request": request,
            "usage": usage.to_dict(),
        }
        if reply is not None:
            record["reply"] = reply
        if error:
            record["error"] = error
        line = json.dumps(record, ensure_ascii=False, default=str)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
