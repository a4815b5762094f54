"""Errors of the directory's services. SCIM renders them as its own error messages
(RFC 7644 §3.12: `status`, `scimType`, `detail`); the back office shows `.detail`."""

from __future__ import annotations

from enum import StrEnum


class DirectoryErrorCode(StrEnum):
    # 400: the input itself is wrong (SCIM scimType invalidValue).
    INVALID_VALUE = "invalidValue"
    # 400: a PATCH names an attribute we do not have (SCIM scimType invalidPath).
    INVALID_PATH = "invalidPath"
    # 400: a filter we cannot read (SCIM scimType invalidFilter).
    INVALID_FILTER = "invalidFilter"
    # 409: a userName, e-mail, externalId or group name already taken (SCIM scimType uniqueness).
    UNIQUENESS = "uniqueness"
    # 409: the tenant would be left without an active admin.
    LAST_ADMIN = "lastAdmin"
    # 403: only tenant admins manage the directory's token.
    FORBIDDEN = "forbidden"


_STATUS = {
    DirectoryErrorCode.UNIQUENESS: 409,
    DirectoryErrorCode.LAST_ADMIN: 409,
    DirectoryErrorCode.FORBIDDEN: 403,
}

# The codes that are SCIM scimType values (the others are ours, sent without a scimType).
SCIM_TYPES = frozenset(
    {
        DirectoryErrorCode.INVALID_VALUE,
        DirectoryErrorCode.INVALID_PATH,
        DirectoryErrorCode.INVALID_FILTER,
        DirectoryErrorCode.UNIQUENESS,
    }
)


class DirectoryError(Exception):
    """A refused directory operation. Nothing was written when it is raised."""

    def __init__(self, detail: str, *, code: DirectoryErrorCode) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code
        self.status = _STATUS.get(code, 400)

    @property
    def scim_type(self) -> str | None:
        return str(self.code) if self.code in SCIM_TYPES else None
