from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.storage import bucket_check, is_s3, local_media_to_bucket


class Command(BaseCommand):
    help = (
        "Copy the uploaded files kept on local disk (MEDIA_ROOT: <schema>/… and platform/…) to "
        "the media bucket (MEDIA_STORAGE=s3, S3_*): <schema>/… and public/…. Files already there "
        "with the same size are skipped, so it can be run before and after the switch."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--media-root", default=str(settings.MEDIA_ROOT))
        parser.add_argument("--dry-run", action="store_true", help="Count, copy nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not is_s3():
            raise CommandError("MEDIA_STORAGE is not 's3': set it and the S3_* variables first.")
        media_root = Path(options["media_root"])
        if not media_root.is_dir():
            raise CommandError(f"{media_root} is not a folder.")
        problem = bucket_check()
        if problem is not None:
            raise CommandError(f"The media bucket cannot be used: {problem}.")
        try:
            copied, skipped, size = local_media_to_bucket(
                media_root=media_root, dry_run=options["dry_run"]
            )
        except (ClientError, BotoCoreError) as error:
            raise CommandError(f"Copy failed: {error}") from None
        verb = "would copy" if options["dry_run"] else "copied"
        self.stdout.write(f"{verb} {copied} files ({size} bytes), {skipped} already there")
