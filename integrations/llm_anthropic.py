"""Claude through the `anthropic` SDK (Messages API); structured output via forced tool use."""

from __future__ import annotations

from typing import Any

import anthropic
from django.conf import settings

from integrations.base import chat_sdk_retries, sdk_error, sdk_http_client, vendor_timeout
from integrations.errors import PermanentError, VendorReplyError
from integrations.llm import ChatEngine


class AnthropicChatEngine(ChatEngine):
    name = "anthropic"
    label = "Anthropic"
    key_setting = "ANTHROPIC_API_KEY"

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        model: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ):
        api_key = api_key if api_key is not None else settings.ANTHROPIC_API_KEY
        if not api_key:
            raise PermanentError("Claude is not configured: set ANTHROPIC_API_KEY.")
        self.model = model or settings.ANTHROPIC_MODEL
        # The SDK retries 429/5xx/timeouts itself with backoff, honouring Retry-After;
        # what is left after that becomes a TransientError for the job to retry later.
        self.client = anthropic.Anthropic(
            api_key=api_key,
            base_url=base_url if base_url is not None else settings.ANTHROPIC_BASE_URL,
            timeout=vendor_timeout(timeout),
            max_retries=chat_sdk_retries(max_retries),
            http_client=sdk_http_client(anthropic),
        )

    def _create(self, **kwargs: Any):
        try:
            message = self.client.messages.create(model=self.model, **kwargs)
        except anthropic.AnthropicError as exc:
            mapped = sdk_error(exc, sdk=anthropic, vendor=self.label, key_setting=self.key_setting)
            if mapped is None:
                raise
            raise mapped from exc
        # A proxy's HTML error page arrives as 200 text: the SDK hands back a plain str.
        if not isinstance(getattr(message, "content", None), list):
            raise VendorReplyError(f"{self.label} sent a reply that is not a message.")
        return message

    def _check_stop(self, message, *, structured: bool) -> None:
        if message.stop_reason == "refusal":
            raise VendorReplyError(f"{self.label} declined to answer this request.")
        if message.stop_reason == "max_tokens" and structured:
            raise VendorReplyError(f"{self.label}'s reply was cut off (too long for max_tokens).")

    def complete(self, *, system: str, prompt: str, max_tokens: int = 2048) -> str:
        message = self._create(
            system=system,
            max_tokens=max_tokens,
            messages=[{"role": "user", "content": prompt}],
        )
        self._check_stop(message, structured=False)
        text = "".join(
            block.text for block in message.content if getattr(block, "type", "") == "text"
        ).strip()
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
        message = self._create(
            system=system,
            max_tokens=max_tokens,
            messages=[{"role": "user", "content": prompt}],
            tools=[
                {
                    "name": tool_name,
                    "description": "Submit the answer in the required structure.",
                    "input_schema": schema,
                }
            ],
            tool_choice={"type": "tool", "name": tool_name},
        )
        self._check_stop(message, structured=True)
        for block in message.content:
            if getattr(block, "type", "") == "tool_use" and block.name == tool_name:
                if not isinstance(block.input, dict):
                    raise VendorReplyError(f"{self.label}'s {tool_name} input is not an object.")
                return block.input
        raise VendorReplyError(f"{self.label} did not call the {tool_name} tool.")
