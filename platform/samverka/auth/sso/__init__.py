"""Per-tenant single sign-on with OpenID Connect (Authorization Code flow, PKCE, Authlib)."""
