"""The parts of ``kind: llm`` that are not the generator itself, one job per module.

- :mod:`.templates`: prompts as sandboxed Jinja, checked against the earlier columns;
- :mod:`.clients`: model backends (OpenAI-compatible endpoints, a local transformers folder)
  with concurrency limits, retries with backoff and timeouts;
- :mod:`.cache`: every response stored by the hash of its request, so rebuilds and resumed
  builds make no repeated calls;
- :mod:`.schema`: structured output (JSON schema) checked, parsed and flattened into columns;
- :mod:`.verifiers`: deterministic checks (regex, JSON schema, exact sympy arithmetic);
- :mod:`.dedup`: exact and MinHash near-duplicate detection;
- :mod:`.report`: what the batches counted (calls, tokens, rejections, judge scores), put
  together across shards.

Nothing here imports the generator table or the pipeline; heavy libraries (openai,
transformers, sympy, datasketch) load inside the functions that use them.
"""
