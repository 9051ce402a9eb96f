"""The register of areas (områden): a municipality's districts, villages and catchments with
their borders, versioned when the borders change.

One register for the core and the plugins: reporting rounds pick their areas from it, the
situation picture groups its figures by it, and plugins (INTOX, extremism mapping) read it
through :mod:`samverka.toolkit`. Areas are names and borders of places, no personal data,
so the tenants that share a consortium with the owner may read them; only the owner writes.
"""
