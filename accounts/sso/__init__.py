"""Sign-in through outside identity providers: company SAML / OpenID Connect, and Facebook.

Each tenant's providers are allauth SocialApp rows in the tenant's own schema, written only by
accounts.services (secrets encrypted) and read back through `connections.app_hydrate` (secrets
decrypted in memory, strict SAML settings forced). The stricter SAML and OIDC views here replace
allauth's where allauth is lenient (replay, IdP-initiated login, issuer, ID token signature).
"""
