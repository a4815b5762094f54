"""Media on object storage (MEDIA_STORAGE=s3, tenants/storage.py) through the real flows: the
back office's branding and exports, an organization's logo, against a real S3-compatible server on
loopback (moto's server mode, tests/s3_server.py), each test on a bucket of its own."""

from __future__ import annotations

import time
import urllib.parse
from datetime import timedelta

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import tenant_context

from engagement.backoffice.models import ExportJob
from engagement.backoffice.services_exports import export_download_token, export_jobs_purge
from engagement.errors import EngagementError
from engagement.organizations.models import Organization
from engagement.organizations.services import organization_update
from tenants.audit.models import AuditEvent
from tenants.models import Tenant
from tests.engagement.factories import ExportJobFactory, MembershipFactory, OrganizationFactory
from tests.engagement.pictures import picture

pytestmark = pytest.mark.django_db

BRANDING = "/gestion/reglages/apparence/"
CSV = "\ufeffMission\r\nDistribution\r\n".encode()


def _branding_data(tenant: Tenant, **changes: object) -> dict[str, object]:
    return {
        "name": tenant.name,
        "tagline": tenant.tagline,
        "primary_color": tenant.primary_color,
        "accent_color": tenant.accent_color,
        **changes,
    }


def _upload_logo(client, tenant: Tenant) -> Tenant:  # type: ignore[no-untyped-def]
    upload = SimpleUploadedFile("logo.png", picture("PNG", size=(800, 400)), "image/png")
    response = client.post(BRANDING, _branding_data(tenant, logo=upload))
    assert response.status_code == 302
    return Tenant.objects.get(pk=tenant.pk)


# --- branding: uploaded through the back office, served by the app -------------------------------


def test_a_logo_uploaded_in_the_back_office_is_an_object_named_for_its_tenant(
    s3_media, paris, montreal, backoffice_admin, client_for
):
    tenant = _upload_logo(backoffice_admin(paris), paris)

    # The Tenant row (public schema) owns its branding: `public/branding/<slug>/`.
    assert s3_media.keys() == [f"public/{tenant.logo.name}"]
    assert tenant.logo.name.startswith("branding/paris/logo-")
    head = s3_media.head(f"public/{tenant.logo.name}")
    assert (head["ContentType"], head["CacheControl"]) == (
        "image/png",
        "public, max-age=31536000, immutable",
    )
    served = client_for(paris).get("/branding/logo")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == s3_media.get(f"public/{tenant.logo.name}")
    # Montréal has no logo: its URL is a 404, never Paris's object.
    assert client_for(montreal).get("/branding/logo").status_code == 404
    assert s3_media.keys("public/branding/montreal/") == []
    assert s3_media.keys(f"{montreal.schema_name}/") == []


def test_a_logo_whose_object_is_gone_is_a_404_and_the_pages_still_render(
    s3_media, paris, backoffice_admin, client_for
):
    tenant = _upload_logo(backoffice_admin(paris), paris)
    s3_media.delete(f"public/{tenant.logo.name}")

    assert client_for(paris).get("/branding/logo").status_code == 404
    home = client_for(paris).get("/")
    assert home.status_code == 200


def test_with_a_cdn_the_logo_url_sends_to_it(
    s3_media, paris, backoffice_admin, client_for, settings
):
    tenant = _upload_logo(backoffice_admin(paris), paris)
    settings.S3_PUBLIC_BASE_URL = "https://media.entraide.test"

    response = client_for(paris).get("/branding/logo")

    assert response.status_code == 302
    assert response["Location"] == f"https://media.entraide.test/public/{tenant.logo.name}"


# --- an organization's logo: under the tenant's schema -------------------------------------------


def test_an_organization_logo_is_under_its_tenant_schema_and_served_to_whom_may_see_it(
    s3_media, paris, montreal, client_for
):
    with tenant_context(paris):
        organization = OrganizationFactory(verification_status=Organization.Verification.VERIFIED)
        editor = MembershipFactory(organization=organization).user
        organization = organization_update(
            organization=organization, actor=editor, logo=picture("PNG", size=(300, 300))
        )
        url = organization.logo_url

    assert s3_media.keys() == [f"t_paris/{organization.logo.name}"]
    assert organization.logo.name.startswith("organizations/")
    served = client_for(paris).get(url)
    assert (served.status_code, served["Content-Type"]) == (200, "image/png")
    # The same path on Montréal's host: its organization of that id does not exist.
    assert client_for(montreal).get(url).status_code == 404

    s3_media.delete(f"t_paris/{organization.logo.name}")
    assert client_for(paris).get(url).status_code == 404


# --- exports: private objects, handed out through signed URLs ------------------------------------


def _done_job(tenant: Tenant, user, *, expires_in: timedelta = timedelta(hours=24)) -> ExportJob:  # type: ignore[no-untyped-def]
    with tenant_context(tenant):
        return ExportJobFactory(
            requested_by=user,
            status=ExportJob.Status.DONE,
            progress=100,
            rows=1,
            finished_at=timezone.now(),
            expires_at=timezone.now() + expires_in,
            content=CSV,
        )


def _link(tenant: Tenant, job: ExportJob) -> str:
    with tenant_context(tenant):
        return f"/gestion/exports/telechargement/{export_download_token(job=job)}/"


def test_an_export_is_a_private_object_downloaded_through_a_signed_url(
    s3_media, paris, backoffice_admin
):
    client = backoffice_admin(paris)
    job = _done_job(paris, client.user)
    key = f"t_paris/{job.file.name}"
    assert s3_media.keys() == [key]
    assert s3_media.head(key)["CacheControl"] == "private, no-store"

    response = client.get(_link(paris, job))

    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    signed = response["Location"]
    assert signed.startswith(f"{s3_media.server.endpoint_url}/{s3_media.name}/{key}?")
    assert "X-Amz-Signature=" in signed
    fetched = requests.get(signed, timeout=5)
    assert fetched.status_code == 200
    assert fetched.content == CSV
    assert fetched.headers["Content-Disposition"] == (
        f'attachment; filename="{job.download_name()}"'
    )
    assert fetched.headers["Content-Type"] == "text/csv; charset=utf-8"
    with tenant_context(paris):
        assert AuditEvent.objects.filter(action="export.downloaded", target_id=job.pk).count() == 1

    # The bucket is private: the object's plain address is refused.
    assert requests.get(signed.split("?")[0], timeout=5).status_code == 403
    # A signed URL altered to name another object, or to live longer, is refused.
    other = signed.replace(f"/{key}?", f"/t_montreal/{job.file.name}?")
    assert requests.get(other, timeout=5).status_code == 403
    longer = signed.replace("X-Amz-Expires=3600", "X-Amz-Expires=86400")
    assert longer != signed
    assert requests.get(longer, timeout=5).status_code == 403


def test_the_signed_url_lives_no_longer_than_the_export(s3_media, paris, backoffice_admin):
    client = backoffice_admin(paris)
    job = _done_job(paris, client.user, expires_in=timedelta(seconds=2))

    signed = client.get(_link(paris, job))["Location"]

    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(signed).query))
    assert 1 <= int(query["X-Amz-Expires"]) <= 2
    time.sleep(int(query["X-Amz-Expires"]) + 1.1)
    expired = requests.get(signed, timeout=5)
    assert expired.status_code == 403
    assert b"Request has expired" in expired.content


def test_another_tenant_gets_nothing_of_an_export(
    s3_media, paris, montreal, backoffice_admin, client_for
):
    paris_admin = backoffice_admin(paris)
    montreal_admin = backoffice_admin(montreal)
    job = _done_job(paris, paris_admin.user)
    link = _link(paris, job)

    # Paris's link on Montréal's host, by Montréal's admin: a 404, no signed URL.
    refused = montreal_admin.get(link)
    assert refused.status_code == 404
    assert "Location" not in refused
    assert montreal_admin.get(f"/gestion/exports/{job.pk}/").status_code == 404
    # Montréal's own export is under its own schema, never Paris's.
    twin = _done_job(montreal, montreal_admin.user)
    assert s3_media.keys(f"{montreal.schema_name}/") == [f"t_montreal/{twin.file.name}"]
    assert s3_media.keys("t_paris/") == [f"t_paris/{job.file.name}"]
    signed = montreal_admin.get(_link(montreal, twin))["Location"]
    assert "/t_montreal/" in signed
    assert "/t_paris/" not in signed


def test_an_export_whose_object_is_gone_is_a_410_not_a_500(s3_media, paris, backoffice_admin):
    client = backoffice_admin(paris)
    job = _done_job(paris, client.user)
    s3_media.delete(f"t_paris/{job.file.name}")

    response = client.get(_link(paris, job))

    assert response.status_code == 410
    with tenant_context(paris):
        assert not AuditEvent.objects.filter(action="export.downloaded").exists()


def test_the_purge_deletes_the_object(s3_media, paris, backoffice_admin):
    job = _done_job(paris, backoffice_admin(paris).user)
    with tenant_context(paris):
        ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        assert export_jobs_purge() == 1
    assert s3_media.keys() == []


# --- a bucket that is gone: readable failures, never a 500 ---------------------------------------


def test_an_upload_to_a_missing_bucket_is_a_field_error_and_nothing_changes(
    s3_media, settings, paris, backoffice_admin
):
    client = backoffice_admin(paris)
    settings.MEDIA_S3 = s3_media.options(bucket_name="entraide-nowhere")
    upload = SimpleUploadedFile("logo.png", picture("PNG", size=(800, 400)), "image/png")

    response = client.post(BRANDING, _branding_data(paris, logo=upload))

    assert response.status_code == 400
    assert "Le fichier n&#x27;a pas pu être enregistré pour le moment" in response.content.decode()
    assert not Tenant.objects.get(pk=paris.pk).logo


def test_an_organization_logo_to_a_missing_bucket_is_a_400_on_logo(s3_media, settings, paris):
    settings.MEDIA_S3 = s3_media.options(bucket_name="entraide-nowhere")
    with tenant_context(paris):
        organization = OrganizationFactory()
        editor = MembershipFactory(organization=organization).user
        with pytest.raises(EngagementError) as error:
            organization_update(organization=organization, actor=editor, logo=picture("PNG"))
        assert list(error.value.fields) == ["logo"]
        assert not Organization.objects.get(pk=organization.pk).logo
