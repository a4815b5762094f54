"""tenants/storage.py: a whole tenant's files on disk and in a bucket (usage, archive, drop,
restore), the system checks of the media settings, manage.py media_to_s3, and the missing-file
cases of the views that serve stored files, on both backends. The bucket is a real S3-compatible
server on loopback (moto's server mode, tests/s3_server.py)."""

from __future__ import annotations

import tarfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from tenants import storage
from tenants.models import Tenant
from tests.engagement.pictures import picture

pytestmark = pytest.mark.django_db


def _ids(messages) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(message.id for message in messages if message.id.startswith("tenants.E"))


# --- a whole tenant's files in the bucket --------------------------------------------------------


def test_a_tenants_files_are_measured_archived_dropped_and_restored_by_prefix(s3_media, tmp_path):
    # t_rouen and t_rouen_bis share the first characters: the prefix ends with a slash.
    s3_media.put("t_rouen/organizations/a.png", b"a" * 10)
    s3_media.put("t_rouen/exports/b.csv", b"b" * 5)
    s3_media.put("t_rouen_bis/organizations/c.png", b"c" * 7)
    s3_media.put("public/branding/rouen/logo.png", b"l")

    assert storage.tenant_media_bytes("t_rouen") == 15
    archive = storage.tenant_media_export("t_rouen", tmp_path / "rouen-media")
    assert archive == tmp_path / "rouen-media.tar.gz"
    with tarfile.open(archive, "r:gz") as bundle:
        assert sorted(bundle.getnames()) == ["exports/b.csv", "organizations/a.png"]
        assert bundle.extractfile("organizations/a.png").read() == b"a" * 10  # type: ignore[union-attr]

    storage.tenant_media_drop("t_rouen")
    assert s3_media.keys() == ["public/branding/rouen/logo.png", "t_rouen_bis/organizations/c.png"]

    storage.tenant_media_restore("t_caen", archive)
    assert s3_media.keys("t_caen/") == ["t_caen/exports/b.csv", "t_caen/organizations/a.png"]
    assert s3_media.get("t_caen/organizations/a.png") == b"a" * 10
    assert storage.tenant_media_export("t_nobody", tmp_path / "nobody") is None

    storage.platform_folder_drop("branding/rouen")
    assert "public/branding/rouen/logo.png" not in s3_media.keys()


def test_a_restore_refuses_names_outside_the_schema(s3_media, tmp_path):
    archive = tmp_path / "evil.tar.gz"
    payload = tmp_path / "payload"
    payload.write_bytes(b"x")
    with tarfile.open(archive, "w:gz") as bundle:
        bundle.add(payload, arcname="../t_paris/organizations/x.png")

    with pytest.raises(tarfile.OutsideDestinationError):
        storage.tenant_media_restore("t_caen", archive)
    assert s3_media.keys() == []


def test_the_local_backend_keeps_its_layout(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    (tmp_path / "t_rouen" / "organizations").mkdir(parents=True)
    (tmp_path / "t_rouen" / "organizations" / "a.png").write_bytes(b"a" * 10)
    (tmp_path / "t_rouen_bis").mkdir()
    (tmp_path / "t_rouen_bis" / "c.png").write_bytes(b"c")

    assert storage.tenant_media_bytes("t_rouen") == 10
    archive = storage.tenant_media_export("t_rouen", tmp_path / "out" / "rouen-media")
    assert archive is not None
    storage.tenant_media_drop("t_rouen")
    assert not (tmp_path / "t_rouen").exists()
    assert (tmp_path / "t_rouen_bis" / "c.png").exists()
    storage.tenant_media_restore("t_caen", archive)
    assert (tmp_path / "t_caen" / "organizations" / "a.png").read_bytes() == b"a" * 10


# --- system checks -------------------------------------------------------------------------------


def test_local_storage_needs_nothing_more(settings):
    settings.MEDIA_STORAGE = "local"
    assert _ids(run_checks()) == []


def test_s3_without_a_bucket_or_with_half_the_keys_is_a_startup_error(settings):
    settings.MEDIA_STORAGE = "s3"
    settings.MEDIA_S3 = {"access_key": "AKIA", "addressing_style": "sideways"}
    assert _ids(run_checks()) == ["tenants.E002", "tenants.E002", "tenants.E002"]
    settings.MEDIA_STORAGE = "ftp"
    assert _ids(run_checks()) == ["tenants.E001"]


def test_a_missing_bucket_is_a_deploy_check_error_naming_it(s3_media, settings):
    assert _ids(run_checks(include_deployment_checks=True, tags=["media_storage"])) == []

    settings.MEDIA_S3 = s3_media.options(bucket_name="entraide-nowhere")
    messages = run_checks(include_deployment_checks=True, tags=["media_storage"])

    assert _ids(messages) == ["tenants.E003"]
    assert "'entraide-nowhere' does not exist" in messages[0].msg


def test_a_missing_bucket_is_a_404_on_the_logo_not_a_500(s3_media, settings, paris, client_for):
    tenant = Tenant.objects.get(pk=paris.pk)
    tenant.logo.save("logo.png", ContentFile(picture("PNG")), save=True)
    settings.MEDIA_S3 = s3_media.options(bucket_name="entraide-nowhere")

    assert client_for(paris).get("/branding/logo").status_code == 404
    assert client_for(paris).get("/").status_code == 200


# --- a stored file that is gone: 404, on disk and in the bucket ----------------------------------


@pytest.fixture(params=["local", "s3"])
def media(request):  # type: ignore[no-untyped-def]
    return request.getfixturevalue("s3_media") if request.param == "s3" else None


@pytest.mark.parametrize("field", ["logo", "social_image"])
def test_a_branding_file_that_is_gone_is_a_404(media, paris, client_for, field):
    path = {"logo": "/branding/logo", "social_image": "/branding/social-image"}[field]
    tenant = Tenant.objects.get(pk=paris.pk)
    getattr(tenant, field).save("picture.jpg", ContentFile(picture("JPEG")), save=True)
    assert client_for(paris).get(path).status_code == 200

    file = getattr(tenant, field)
    file.storage.delete(file.name)

    assert client_for(paris).get(path).status_code == 404
    assert client_for(paris).get("/").status_code == 200


# --- manage.py media_to_s3 -----------------------------------------------------------------------


def test_media_to_s3_copies_the_local_layout_once(s3_media, tmp_path):
    (tmp_path / "t_paris" / "organizations").mkdir(parents=True)
    (tmp_path / "t_paris" / "organizations" / "a.png").write_bytes(picture("PNG"))
    (tmp_path / "platform" / "branding" / "paris").mkdir(parents=True)
    (tmp_path / "platform" / "branding" / "paris" / "logo.png").write_bytes(b"logo")
    (tmp_path / "stray.txt").write_text("no schema")

    out = StringIO()
    call_command("media_to_s3", media_root=str(tmp_path), dry_run=True, stdout=out)
    assert out.getvalue().startswith("would copy 2 files")
    assert s3_media.keys() == []

    out = StringIO()
    call_command("media_to_s3", media_root=str(tmp_path), stdout=out)
    assert out.getvalue().startswith("copied 2 files")
    assert s3_media.keys() == ["public/branding/paris/logo.png", "t_paris/organizations/a.png"]
    assert s3_media.head("t_paris/organizations/a.png")["ContentType"] == "image/png"

    out = StringIO()
    call_command("media_to_s3", media_root=str(tmp_path), stdout=out)
    assert out.getvalue().strip() == "copied 0 files (0 bytes), 2 already there"


def test_media_to_s3_refuses_without_s3_or_a_bucket(s3_media, settings, tmp_path):
    settings.MEDIA_S3 = s3_media.options(bucket_name="entraide-nowhere")
    with pytest.raises(CommandError, match="does not exist"):
        call_command("media_to_s3", media_root=str(tmp_path))
    settings.MEDIA_STORAGE = "local"
    with pytest.raises(CommandError, match="MEDIA_STORAGE is not 's3'"):
        call_command("media_to_s3", media_root=str(tmp_path))
    assert Path(tmp_path).is_dir()
