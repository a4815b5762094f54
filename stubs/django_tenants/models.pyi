from typing import ClassVar

from django.db import models
from django.http import HttpRequest

class TenantMixin(models.Model):
    auto_drop_schema: ClassVar[bool]
    auto_create_schema: ClassVar[bool]
    clone_mode: ClassVar[str]
    schema_name = models.CharField(max_length=63, unique=True)
    # The host the current request came in on; set by the routing middleware, never stored.
    domain_url: str | None
    domain_subfolder: str | None

    def activate(self) -> None: ...
    @classmethod
    def deactivate(cls) -> None: ...
    def create_schema(
        self, check_if_exists: bool = False, sync_schema: bool = True, verbosity: int = 1
    ) -> bool: ...
    def get_primary_domain(self) -> DomainMixin | None: ...
    def reverse(self, request: HttpRequest, view_name: str) -> str: ...
    def get_tenant_type(self) -> str: ...
    def get_base_schema(self) -> str | bool: ...

class DomainMixin(models.Model):
    domain = models.CharField(max_length=253, unique=True)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="domains")
    is_primary = models.BooleanField(default=True)
