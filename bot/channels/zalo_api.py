"""A thin async client of the Zalo Bot API (httpx; no SDK is worth depending on).

Usage:
    api = ZaloApi(token, "https://bot-api.zaloplatforms.com")
    me = await api.get_me()
    for update in await api.get_updates(30):  # [] when the long poll ends empty (HTTP 408)
        ...
    await api.send_message(chat_id, "Xin chào")
    await api.close()

Every call is `POST {base}/bot{token}/{method}` with a JSON body; a call succeeds only when the HTTP status
is 2xx and the envelope says `ok: true`. The token is in the URL, so neither URLs nor httpx's own
messages ever reach an exception raised here (httpx logs URLs at INFO: the app keeps it at WARNING).
"""

from __future__ import annotations

from typing import Any

import httpx

DEFAULT_BASE_URL = "https://bot-api.zaloplatforms.com"
NOTHING_NEW = 408  # an empty long poll: not a failure


class ZaloApiError(Exception):
    """A failed call: the HTTP status (0 when no answer came), Zalo's error code and description."""

    def __init__(self, method: str, status: int, description: str, error_code: int | None = None) -> None:
        self.method = method
        self.status = status
        self.error_code = error_code if error_code is not None else status
        self.description = description
        super().__init__(f"{method}: {status or 'no answer'} {description}".strip())


def api_root(base_url: str) -> str:
    """The API's root from ZALO_API_BASE_URL, which may be given with or without the trailing "/bot"."""
    return (base_url.strip().rstrip("/") or DEFAULT_BASE_URL).removesuffix("/bot")


def error_code(value: Any) -> int | None:
    """The envelope's error_code as a number, whether Zalo sent it as one (408) or as a string ("408")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isascii() and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


class ZaloApi:
    """The calls nqbot makes; `client` may be given (tests), otherwise one is made and closed here."""

    def __init__(
        self, token: str, base_url: str = DEFAULT_BASE_URL, *, client: httpx.AsyncClient | None = None
    ) -> None:
        self._token = token
        self._root = api_root(base_url)
        self._client = client or httpx.AsyncClient(timeout=httpx.Timeout(15.0))
        self._own_client = client is None

    @property
    def bot_id(self) -> str:
        """The bot's own id, the part of the token before its ':' (the token's secret part never leaves here)."""
        return self._token.partition(":")[0][:24]

    async def close(self) -> None:
        if self._own_client:
            await self._client.aclose()

    async def call(self, method: str, payload: dict[str, Any] | None = None, *, wait: float | None = None) -> Any:
        """One call; returns the envelope's `result` or raises ZaloApiError (never with the token in it)."""
        url = f"{self._root}/bot{self._token}/{method}"
        try:
            if wait is None:
                response = await self._client.post(url, json=payload or {})
            else:  # a long poll: wait longer than Zalo holds it
                response = await self._client.post(url, json=payload or {}, timeout=wait)
        except httpx.HTTPError as exc:
            detail = str(exc).replace(self._token, "***")
            raise ZaloApiError(method, 0, f"{type(exc).__name__} {detail}".strip()) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        envelope = body if isinstance(body, dict) else {}
        if response.is_success and envelope.get("ok") is True:
            return envelope.get("result")
        code = envelope.get("error_code")
        description = str(envelope.get("description") or response.reason_phrase or "not a Bot API answer")
        description = description.replace(self._token, "***")
        raise ZaloApiError(method, response.status_code, description, error_code(code))

    async def get_me(self) -> dict[str, Any]:
        result = await self.call("getMe")
        return result if isinstance(result, dict) else {}

    async def get_updates(self, seconds: int = 30) -> list[dict[str, Any]]:
        """Long poll: the update that came (Zalo gives one at a time, a list is accepted too), or []."""
        try:
            result = await self.call("getUpdates", {"timeout": str(seconds)}, wait=seconds + 10)
        except ZaloApiError as exc:
            if NOTHING_NEW in (exc.status, exc.error_code):
                return []
            raise
        if isinstance(result, list):
            return [item for item in result if isinstance(item, dict)]
        return [result] if isinstance(result, dict) and result else []

    async def send_message(self, chat_id: str, text: str) -> dict[str, Any]:
        """Plain text (no parse_mode: people's own answers are echoed back), 1–2,000 characters."""
        result = await self.call("sendMessage", {"chat_id": chat_id, "text": text})
        return result if isinstance(result, dict) else {}

    async def set_webhook(self, url: str, secret_token: str) -> None:
        await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> None:
        await self.call("deleteWebhook")

    async def get_webhook_info(self) -> dict[str, Any] | None:
        """The webhook set now, or None when there is none (Zalo answers 404)."""
        try:
            result = await self.call("getWebhookInfo")
        except ZaloApiError as exc:
            if exc.status == 404 or exc.error_code == 404:
                return None
            raise
        return result if isinstance(result, dict) and result.get("url") else None
