"""Chat completions through the `openai` SDK: OpenAI itself or any compatible server.

Structured output is a forced function (tool) call, which OpenAI-compatible local
servers (vLLM, llama.cpp, Ollama) support too; a server that ignores `tool_choice` and
answers with a JSON object in the message text is accepted as well.
"""

from __future__ import annotations

import json
from typing import Any

import openai
from django.conf import settings

from integrations.base import chat_sdk_retries, sdk_error, sdk_http_client, vendor_timeout
from integrations.errors import PermanentError, VendorReplyError
from integrations.llm import ChatEngine


class OpenAIChatEngine(ChatEngine):
    name = "openai"
    label = "OpenAI"
    key_setting = "OPENAI_API_KEY"

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        model: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ):
        api_key = api_key if api_key is not None else settings.OPENAI_API_KEY
        base_url = base_url if base_url is not None else settings.OPENAI_BASE_URL
        if not api_key:
            if not base_url:
                raise PermanentError(
                    "The OpenAI engine is not configured: set OPENAI_API_KEY, or "
                    "OPENAI_BASE_URL for a local OpenAI-compatible server."
                )
            # Local servers usually take any key; the SDK insists on one being present.
            api_key = "unused"
        self.model = model or settings.OPENAI_CHAT_MODEL
        # The SDK retries 429/5xx/timeouts itself, honouring Retry-After.
        self.client = openai.OpenAI(
            api_key=api_key,
            base_url=base_url,
            timeout=vendor_timeout(timeout),
            max_retries=chat_sdk_retries(max_retries),
            http_client=sdk_http_client(openai),
        )

    def _create(self, **kwargs: Any):
        try:
            completion = self.client.chat.completions.create(model=self.model, **kwargs)
        except openai.OpenAIError as exc:
            mapped = sdk_error(exc, sdk=openai, vendor=self.label, key_setting=self.key_setting)
            if mapped is None:
                raise
            raise mapped from exc
        # A proxy's HTML error page arrives as 200 text: the SDK hands back a plain str.
        if not hasattr(completion, "choices"):
            raise VendorReplyError(f"{self.label} sent a reply that is not a chat completion.")
        if not completion.choices:
            raise VendorReplyError(f"{self.label} sent a reply without choices.")
        choice = completion.choices[0]
        if getattr(choice.message, "refusal", None):
            raise VendorReplyError(f"{self.label} declined to answer: {choice.message.refusal}")
        if choice.finish_reason == "content_filter":
            raise VendorReplyError(f"{self.label} withheld the reply (content filter).")
        return choice

    @staticmethod
    def _messages(system: str, prompt: str) -> list[dict[str, str]]:
        return [{"role": "system", "content": system}, {"role": "user", "content": prompt}]

    def complete(self, *, system: str, prompt: str, max_tokens: int = 2048) -> str:
        choice = self._create(
            messages=self._messages(system, prompt), max_completion_tokens=max_tokens
        )
        text = (choice.message.content or "").strip()
        if not text:
            raise VendorReplyError(f"{self.label} sent an empty reply.")
        return text

    def complete_json(
        self,
        *,
        system: str,
        prompt: str,
        schema: dict[str, Any],
        tool_name: str,
        max_tokens: int = 4096,
    ) -> dict[str, Any]:
        choice = self._create(
            messages=self._messages(system, prompt),
            max_completion_tokens=max_tokens,
            tools=[
                {
                    "type": "function",
                    "function": {
                        "name": tool_name,
                        "description": "Submit the answer in the required structure.",
                        "parameters": schema,
                    },
                }
            ],
            tool_choice={"type": "function", "function": {"name": tool_name}},
        )
        if choice.finish_reason == "length":
            raise VendorReplyError(f"{self.label}'s reply was cut off (too long for max_tokens).")
        calls = [
            call
            for call in (choice.message.tool_calls or [])
            if getattr(call, "type", "function") == "function" and call.function.name == tool_name
        ]
        if calls:
            raw = calls[0].function.arguments
        elif choice.message.content:
            raw = choice.message.content
        else:
            raise VendorReplyError(f"{self.label} did not call the {tool_name} function.")
        try:
            value = json.loads(raw)
        except (TypeError, ValueError) as exc:
            raise VendorReplyError(
                f"{self.label} sent arguments that are not JSON ({exc})."
            ) from exc
        if not isinstance(value, dict):
            raise VendorReplyError(f"{self.label}'s {tool_name} arguments are not an object.")
        return value
