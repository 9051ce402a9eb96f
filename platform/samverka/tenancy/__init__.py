"""Operating tenancy: creating organisations and consortia, their memberships of
consortia, and the invitations a tenant accepts to join one (the consent step). The rows
are in :mod:`samverka.tenants`; these services also audit and grant, so they sit above the
audit log and authorisation."""
