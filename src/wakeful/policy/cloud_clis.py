"""The cloud and platform command-line tools, listed once: the classifier's handler table
(`programs`) and the examples (`program_examples`) both take them from here. Data only, and it
imports nothing, so any policy module can use it without an import cycle."""

from __future__ import annotations

# Cloud CLIs whose examples are written per program (their subcommands differ).
CLOUD_CLIS_WITH_OWN_EXAMPLES: tuple[str, ...] = ("aws", "gcloud", "az", "gsutil")

# Platform CLIs whose everyday dangerous form is `NAME deploy`.
PLATFORM_CLIS: tuple[str, ...] = (
    "doctl",
    "flyctl",
    "fly",
    "heroku",
    "vercel",
    "netlify",
    "firebase",
    "oci",
    "hcloud",
    "linode-cli",
    "wrangler",
    "serverless",
    "sls",
    "cdk",
    "sam",
    "eb",
)

CLOUD_CLIS: tuple[str, ...] = CLOUD_CLIS_WITH_OWN_EXAMPLES + PLATFORM_CLIS

# Those whose action is the last word before the options (`gcloud compute instances list`).
VERB_LAST_CLIS: frozenset[str] = frozenset(
    {
        "gcloud",
        "az",
        "doctl",
        "flyctl",
        "heroku",
        "vercel",
        "netlify",
        "firebase",
        "gsutil",
        "oci",
        "linode-cli",
        "hcloud",
    }
)

# Those that deploy or change remote resources when run with no subcommand at all.
DEPLOY_BY_DEFAULT: frozenset[str] = frozenset(
    {
        "vercel",
        "netlify",
        "firebase",
        "heroku",
        "flyctl",
        "fly",
        "wrangler",
        "serverless",
        "sls",
        "cdk",
        "sam",
        "eb",
    }
)
