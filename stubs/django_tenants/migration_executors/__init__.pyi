from collections.abc import Iterable
from typing import Any

class MigrationExecutor:
    codename: str | None
    args: tuple[str, ...]
    options: dict[str, Any]
    def __init__(self, args: tuple[str, ...], options: dict[str, Any]) -> None: ...
    def run_migrations(self, tenants: Iterable[str] | None = None) -> None: ...

def get_executor(codename: str | None = None) -> type[MigrationExecutor]: ...
