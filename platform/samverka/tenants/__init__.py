"""Consortia, tenants (organisations) and memberships."""
