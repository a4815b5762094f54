"""allauth's e-mail confirmation key, bound to the tenant (tenants.signing kind
`email_confirmation`).

allauth's own EmailConfirmationHMAC signs the EmailAddress pk with the site-wide key, so a key
from one tenant confirmed the address with the same pk in another. This one is minted by
AccountAdapter.send_confirmation_mail and read back by accounts.views.ConfirmEmailView (which
replaces allauth's view at the same path and URL name).
"""

from __future__ import annotations

from allauth.account.models import EmailAddress, EmailConfirmationHMAC

from tenants.signing import InvalidToken, tenant_dumps, tenant_loads

KIND = "email_confirmation"


class TenantEmailConfirmationHMAC(EmailConfirmationHMAC):
    @property
    def key(self) -> str:
        return tenant_dumps(KIND, self.email_address.pk)

    @classmethod
    def from_key(cls, key: str) -> TenantEmailConfirmationHMAC | None:
        try:
            pk = tenant_loads(KIND, key)
        except InvalidToken:
            return None
        if not isinstance(pk, int):
            return None
        address = EmailAddress.objects.filter(pk=pk, verified=False).first()
        return cls(address) if address is not None else None
