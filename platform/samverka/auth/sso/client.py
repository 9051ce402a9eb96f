"""Authlib's Flask OpenID Connect client, built per request from the tenant's stored settings.

Not registered once at start-up: a provider changed by an administrator takes effect on the
next login in every web process, without a restart. What is worth keeping between requests,
the provider's discovery document and its signing keys, is cached per process for
:data:`METADATA_TTL` seconds, keyed by issuer (Authlib fetches the keys again by itself when a
token names a key it does not know, so key rotation needs no restart either).

The flow's state, nonce and PKCE verifier live in the signed session cookie (Authlib's
default without a cache), so any web process can finish a flow another one started. The
client's name carries the tenant's slug, and Authlib files the state under that name: a
state from tenant A's flow is unknown to tenant B's callback.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import FlaskOAuth2App
from authlib.integrations.flask_client.integration import FlaskIntegration
from joserfc.errors import JoseError

from samverka.auth.sso.models import IdentityProvider

METADATA_TTL = 300.0
HTTP_TIMEOUT = 10.0
# What may go wrong talking to a provider or checking its answer; each refuses the login.
FLOW_ERRORS = (AuthlibBaseError, JoseError, requests.RequestException, ValueError, KeyError)

_metadata: dict[str, tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()


class ProviderMismatch(AuthlibBaseError):
    """The discovery document names another issuer than the one configured."""


def client_name(tenant_slug: str) -> str:
    return f"sso_{tenant_slug}"


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def build_client(provider: IdentityProvider, tenant_slug: str) -> FlaskOAuth2App:
    name = client_name(tenant_slug)
    return FlaskOAuth2App(
        FlaskIntegration(name),
        name=name,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        server_metadata_url=discovery_url(provider.issuer),
        client_kwargs={
            "scope": provider.scopes,
            "code_challenge_method": "S256",
            "default_timeout": HTTP_TIMEOUT,
        },
        **_cached(provider.issuer),
    )


def claims_options(provider: IdentityProvider) -> dict[str, Any]:
    """What the ID token must say besides a valid signature, expiry and nonce.

    Authlib checks ``aud`` only indirectly (a foreign audience needs an ``azp``, which must
    be our client): a token for another client with ``azp`` set to ours would pass. So the
    audience must contain our client ID, and the issuer must be the configured one.
    """
    return {
        "iss": {"essential": True, "value": provider.issuer},
        "aud": {"essential": True, "value": provider.client_id},
    }


def load_metadata(client: FlaskOAuth2App, provider: IdentityProvider) -> dict[str, Any]:
    """Discovery (cached), refusing a document that speaks for another issuer: Authlib checks
    the ID token's ``iss`` against the document, so the document must match the settings."""
    metadata = client.load_server_metadata()
    if metadata.get("issuer") != provider.issuer:
        forget(provider.issuer)
        raise ProviderMismatch(description="discovery names another issuer")
    return metadata


def remember(client: FlaskOAuth2App, provider: IdentityProvider) -> None:
    """Keep what the client fetched (discovery, keys) for the next requests."""
    metadata = dict(client.server_metadata)
    if metadata.get("issuer") == provider.issuer and "_loaded_at" in metadata:
        with _lock:
            _metadata[provider.issuer] = (float(metadata["_loaded_at"]), metadata)


def forget(issuer: str | None = None) -> None:
    with _lock:
        if issuer is None:
            _metadata.clear()
        else:
            _metadata.pop(issuer, None)


def _cached(issuer: str) -> dict[str, Any]:
    with _lock:
        entry = _metadata.get(issuer)
    if entry is None or time.time() - entry[0] > METADATA_TTL:
        return {}
    return dict(entry[1])
