"""Model providers behind one normalised request/event/usage contract."""

from wakeful.providers.base import Provider
from wakeful.providers.registry import PROVIDER_NAMES, resolve_provider

__all__ = ["PROVIDER_NAMES", "Provider", "resolve_provider"]
