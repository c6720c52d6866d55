"""The workflow of one scheduled run: a short `--when` preflight activity, then the agent run
as one heartbeating activity. Deterministic and sandbox-safe: no I/O, only activity calls.

A Temporal Schedule starts this workflow at each due time with the id
`wakeful/<repository>/<job>-<due time>`, so one due run is one workflow, never two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

WORKFLOW_NAME = "wakeful.ScheduledRun"
PREFLIGHT = "wakeful.preflight"
AGENT_RUN = "wakeful.agent_run"
# Extra time for the preflight of a job whose first run on a worker may clone the repository.
CLONE_SECONDS = 900.0


@dataclass
class JobInput:
    repository: str  # project key (memory.factory.project_key); workers map it to a checkout
    job: str
    prompt: str
    when_check: str | None = None
    model: str | None = None
    permission_mode: str | None = None
    retries: int = 1
    check_timeout: float = 10.0
    max_wall_seconds: float = 1800.0
    heartbeat_seconds: float = 10.0
    # Where a worker without a checkout clones the repository from, and what it checks out
    # (a branch or commit; None: the remote's default branch). Vetted again by the worker.
    clone_url: str | None = None
    clone_ref: str | None = None


@dataclass
class RunInput:
    job: JobInput
    run_id: str  # the workflow id: repository, job and due time


@workflow.defn(name=WORKFLOW_NAME)
class ScheduledRun:
    @workflow.run
    async def run(self, job: JobInput) -> dict[str, Any]:
        run_id = workflow.info().workflow_id
        if job.when_check:
            # A worker without the checkout clones it first (heartbeating), so such jobs get
            # time for that, and a worker that dies meanwhile is noticed by its beats.
            check: dict[str, Any] = await workflow.execute_activity(
                PREFLIGHT,
                RunInput(job, run_id),
                start_to_close_timeout=timedelta(
                    seconds=job.check_timeout + 5 + (CLONE_SECONDS if job.clone_url else 0)
                ),
                heartbeat_timeout=(
                    timedelta(seconds=3 * job.heartbeat_seconds) if job.clone_url else None
                ),
                retry_policy=RetryPolicy(maximum_attempts=3),
            )
            if not check.get("passed"):
                return {"state": "skipped", "reason": f"--when check: {check.get('detail')}"}
        result: dict[str, Any] = await workflow.execute_activity(
            AGENT_RUN,
            RunInput(job, run_id),
            start_to_close_timeout=timedelta(seconds=job.max_wall_seconds + 60),
            heartbeat_timeout=timedelta(seconds=3 * job.heartbeat_seconds),
            retry_policy=RetryPolicy(
                maximum_attempts=1 + max(0, job.retries),
                initial_interval=timedelta(seconds=1),
                non_retryable_error_types=["AgentFailed"],
            ),
        )
        return result
