"""wakeful: an always-on, model-agnostic agent harness."""

__version__ = "0.1.0"
