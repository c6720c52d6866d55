"""Test and benchmark doubles that speak real wire protocols on loopback.

Importing this package imports nothing heavy; import the server modules directly:
`from wakeful.testing.loopback_anthropic import AnthropicLoopback` and
`from wakeful.testing.loopback_openai import OpenAILoopback`.
"""
