"""Error codes of the accounts app (API `code` field, refusal pages, logs)."""

from enum import StrEnum


class AccountsErrorCode(StrEnum):
    # Sign-in refused (pages rendered by accounts.sso.refusal).
    SAML_INVALID_RESPONSE = "saml_invalid_response"
    SAML_REPLAYED = "saml_replayed"
    SAML_IDP_INITIATED = "saml_idp_initiated"
    SAML_SESSION_MISSING = "saml_session_missing"
    STATE_MISMATCH = "state_mismatch"
    OIDC_ISSUER_MISMATCH = "oidc_issuer_mismatch"
    PROVIDER_ERROR = "provider_error"
    PROVIDER_NOT_ALLOWED = "provider_not_allowed"
    EMAIL_MISSING = "email_missing"
    EMAIL_DOMAIN_NOT_ALLOWED = "email_domain_not_allowed"
    SSO_REQUIRED = "sso_required"
    RATE_LIMITED = "rate_limited"

    # Configuration and account services.
    FORBIDDEN = "forbidden"
    INVALID = "invalid"
    SSO_NOT_ENTITLED = "sso_not_entitled"
    SSO_CONNECTION_MISSING = "sso_connection_missing"
    MFA_REQUIRED = "mfa_required"
    METADATA_INVALID = "metadata_invalid"
    DISCOVERY_INVALID = "discovery_invalid"
    LAST_TENANT_ADMIN = "last_tenant_admin"
    CONFIRMATION_MISMATCH = "confirmation_mismatch"

    # People and roles (accounts.roles, accounts.invitations).
    TENANT_ADMIN_LIMIT_REACHED = "tenant_admin_limit_reached"
    SELF_CHANGE_UNCONFIRMED = "self_change_unconfirmed"
    EMAIL_TAKEN = "email_taken"
    INVITATION_NOT_PENDING = "invitation_not_pending"
    ACCOUNT_SUSPENDED = "account_suspended"

    # API tokens (accounts.api_tokens): refused tokens answer 401, a read-only token writing 403.
    TOKEN_INVALID = "token_invalid"
    TOKEN_EXPIRED = "token_expired"
    TOKEN_REVOKED = "token_revoked"
    TOKEN_OWNER_NOT_ADMIN = "token_owner_not_admin"
    TOKEN_READ_ONLY = "token_read_only"
    TOKEN_LIMIT_REACHED = "token_limit_reached"


class AccountsError(Exception):
    """A rule of the accounts services was not met (the message is user-facing, translated)."""

    def __init__(self, message: str, *, code: AccountsErrorCode, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
