"""REST API v1 under ``/api/v1``: JSON only, described by a generated OpenAPI 3.1 document.

flask-smorest (apispec + marshmallow) builds ``/api/v1/openapi.json`` from the views and their
schemas, and validates request bodies and query strings with the same schemas. The API shares
the app, the database session and the one authorisation function with the web, but has its own
request path (:mod:`samverka.api.access`): bearer tokens instead of the cookie session, no
CSRF, and problem+json errors (:mod:`samverka.api.problems`) instead of HTML pages.
"""
