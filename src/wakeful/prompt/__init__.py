"""The prefix contract: ordered segments, cache breakpoints, fingerprints, cache ledger."""

from wakeful.prompt.prefix import Prefix, build_prefix

__all__ = ["Prefix", "build_prefix"]
