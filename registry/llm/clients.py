"""Model backends: one call in, one reply out, with the limits a build needs.

- :class:`OpenAIClient`: any OpenAI-compatible chat-completions endpoint (vLLM, llama.cpp's
  server, Ollama, TGI, hosted APIs) through the real ``openai`` client. The key is read from
  the environment variable the recipe names, when the client is made, and goes nowhere else
  (not into errors, the cache or the manifest). Retries are Phantom's own (the client's are
  off), so every kind of failure is retried the same way: 429, 5xx, timeouts, dropped
  connections and bodies that are not a chat completion, with exponential backoff from
  ``retry_backoff`` seconds (capped at 30 s); a ``Retry-After`` header is honoured up to that
  cap. Other errors (401, 404, a bad request) fail at once: retrying cannot fix them.
- :class:`TransformersClient`: a local ``transformers`` causal LM folder, in process, one
  call at a time, seeded with ``torch.manual_seed`` per request (greedy when temperature
  is 0).

:func:`make_client` builds either from a recipe's :class:`~registry.recipes.LlmModel`.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from registry.errors import GeneratorError

if TYPE_CHECKING:
    from registry.recipes import LlmModel

MAX_BACKOFF = 30.0


@dataclass(frozen=True)
class Reply:
    """What a model said, and what it cost."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str | None = None

    def as_record(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "finish_reason": self.finish_reason,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Reply:
        return cls(
            text=record["text"],
            prompt_tokens=int(record.get("prompt_tokens") or 0),
            completion_tokens=int(record.get("completion_tokens") or 0),
            finish_reason=record.get("finish_reason"),
        )


class ChatClient(Protocol):
    concurrency: int

    def complete(self, request: dict[str, Any]) -> Reply:
        """Answer one request: ``model``, ``messages``, ``seed``, params, ``response_format``."""
        ...


class OpenAIClient:
    """Chat completions from an OpenAI-compatible endpoint (see the module docstring)."""

    def __init__(self, spec: LlmModel, *, alias: str) -> None:
        import openai

        self.alias = alias
        self.concurrency = spec.concurrency
        self.base_url = _base_url(spec, alias)
        self.max_retries = spec.max_retries
        self.backoff = spec.retry_backoff
        key = "EMPTY"  # local servers take any key; the client refuses none
        if spec.api_key_env:
            key = os.environ.get(spec.api_key_env, "")
            if not key:
                raise GeneratorError(
                    f"generator.models.{alias}.api_key_env: the environment variable "
                    f"{spec.api_key_env} is not set; export it before building"
                )
        self._client = openai.OpenAI(
            base_url=self.base_url, api_key=key, max_retries=0, timeout=spec.timeout
        )

    def complete(self, request: dict[str, Any]) -> Reply:
        import openai

        retryable = (
            openai.RateLimitError,
            openai.InternalServerError,
            openai.APIConnectionError,  # timeouts and dropped connections included
            openai.APIResponseValidationError,
            ValueError,  # a body that is not JSON
            _Malformed,
        )
        body = {k: v for k, v in request.items() if k not in {"model", "messages"}}
        for attempt in range(self.max_retries + 1):
            try:
                completion = self._client.chat.completions.create(
                    model=request["model"], messages=request["messages"], **body
                )
                return _reply(completion)
            except retryable as exc:
                if attempt >= self.max_retries:
                    raise GeneratorError(
                        f"generator.models.{self.alias}: {self.base_url} failed after "
                        f"{attempt + 1} attempts: {_describe(exc)}"
                    ) from exc
                time.sleep(_delay(exc, self.backoff, attempt))
            except openai.APIStatusError as exc:
                raise GeneratorError(
                    f"generator.models.{self.alias}: {self.base_url} refused the request "
                    f"({_describe(exc)}); check the model name, key and params"
                ) from exc
        raise AssertionError("unreachable")  # pragma: no cover


def _base_url(spec: LlmModel, alias: str) -> str:
    """The recipe's ``base_url``, or the URL in the variable its ``base_url_env`` names."""
    if spec.base_url:
        return spec.base_url
    url = os.environ.get(str(spec.base_url_env), "")
    if not url:
        raise GeneratorError(
            f"generator.models.{alias}.base_url_env: the environment variable "
            f"{spec.base_url_env} is not set; export the endpoint's URL (e.g. "
            "http://127.0.0.1:8000/v1) before building"
        )
    return url


class _Malformed(Exception):
    """A 200 answer that is not a chat completion."""


def _reply(completion: Any) -> Reply:
    choices = getattr(completion, "choices", None)
    if not choices or getattr(choices[0], "message", None) is None:
        raise _Malformed("the answer has no choices[0].message")
    text = choices[0].message.content
    if not isinstance(text, str):
        raise _Malformed("the answer's message has no text content")
    usage = getattr(completion, "usage", None)
    return Reply(
        text=text,
        prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        finish_reason=getattr(choices[0], "finish_reason", None),
    )


def _describe(exc: BaseException) -> str:
    status = getattr(exc, "status_code", None)
    name = type(exc).__name__
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else name
    if isinstance(exc, ValueError):
        return f"a malformed answer ({text[:120]})"
    return f"HTTP {status}: {text[:160]}" if status else f"{name}: {text[:160]}"


def _delay(exc: BaseException, backoff: float, attempt: int) -> float:
    delay = min(MAX_BACKOFF, backoff * 2**attempt)
    response = getattr(exc, "response", None)
    header = getattr(response, "headers", {}).get("retry-after") if response is not None else None
    try:
        return min(MAX_BACKOFF, max(delay, float(header))) if header else delay
    except ValueError:
        return delay


class TransformersClient:
    """A local causal LM folder (``AutoModelForCausalLM`` + its tokenizer), in process."""

    concurrency = 1

    def __init__(self, spec: LlmModel, *, alias: str, folder: Path) -> None:
        self.alias = alias
        self.folder = folder
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any] | None = None

    def _load(self) -> tuple[Any, Any]:
        if self._loaded is None:
            from transformers import AutoModelForCausalLM, AutoTokenizer

            if not (self.folder / "config.json").is_file():
                raise GeneratorError(
                    f"generator.models.{self.alias}.path: {self.folder} holds no transformers "
                    "model (no config.json)"
                )
            tokenizer = AutoTokenizer.from_pretrained(self.folder, local_files_only=True)
            model = AutoModelForCausalLM.from_pretrained(self.folder, local_files_only=True)
            self._loaded = (tokenizer, model.eval())
        return self._loaded

    def complete(self, request: dict[str, Any]) -> Reply:
        import torch

        with self._lock:
            tokenizer, model = self._load()
            prompt = _prompt_text(tokenizer, request["messages"])
            inputs = tokenizer(prompt, return_tensors="pt")
            temperature = float(request.get("temperature", 1.0))
            options: dict[str, Any] = {
                "max_new_tokens": int(request.get("max_tokens", 32)),
                "do_sample": temperature > 0,
                "pad_token_id": tokenizer.pad_token_id or tokenizer.eos_token_id or 0,
            }
            if temperature > 0:
                options |= {"temperature": temperature, "top_p": float(request.get("top_p", 1))}
            torch.manual_seed(int(request["seed"]))
            with torch.no_grad():
                output = model.generate(**inputs, **options)
            new = output[0, inputs["input_ids"].shape[1] :]
            text = tokenizer.decode(new, skip_special_tokens=True)
            return Reply(text, int(inputs["input_ids"].shape[1]), int(new.shape[0]), "length")


def _prompt_text(tokenizer: Any, messages: list[dict[str, str]]) -> str:
    """The model's chat template when it has one, else the messages one after another."""
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return "\n\n".join(m["content"] for m in messages) + "\n\n"


def make_client(spec: LlmModel, *, alias: str, folder: Path | None = None) -> ChatClient:
    """The backend ``spec`` names; ``folder`` is a transformers model's resolved path."""
    if spec.provider == "transformers":
        assert folder is not None, "the generator resolves the folder at fit time"
        return TransformersClient(spec, alias=alias, folder=folder)
    return OpenAIClient(spec, alias=alias)


__all__ = ["ChatClient", "OpenAIClient", "Reply", "TransformersClient", "make_client"]
