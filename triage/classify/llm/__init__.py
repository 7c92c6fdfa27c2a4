"""The LLM backend: OpenAI-compatible client, versioned prompts, schema validation, budget, cache."""
