"""Back office: the tenant's legal and accessibility pages (/gestion/pages-legales/).

Tenant admins only. Each save publishes a new version (tenants/legal/services.py); the list
shows the current version of each document, the history every version, each kept as it was.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from engagement.backoffice.access import backoffice_page
from engagement.backoffice.forms_legal import LegalVersionForm
from engagement.backoffice.rendering import backoffice_render
from tenants.legal.defaults import VersionContent, legal_default_content, text_languages_of
from tenants.legal.models import KINDS_BY_SLUG, PAGE_SLUGS, LegalDocument, LegalVersion
from tenants.legal.selectors import (
    legal_version_current,
    legal_version_get,
    legal_versions_current,
    legal_versions_of,
)
from tenants.legal.services import legal_version_publish
from tenants.legal.views import page_context
from tenants.routing import request_tenant

HISTORY_PAGE_SIZE = 50


def _kind_or_404(slug: str) -> str:
    kind = KINDS_BY_SLUG.get(slug)
    if kind is None:
        raise Http404
    return kind


def _document(kind: str) -> dict[str, str]:
    return {
        "kind": kind,
        "slug": PAGE_SLUGS[kind],
        "label": str(LegalDocument.Kind(kind).label),
        "public_url": reverse(f"legal:{kind}"),
    }


@require_GET
@backoffice_page(admins_only=True)
def legal_index(request: HttpRequest) -> HttpResponse:
    """The five documents, each with its current version."""
    current = legal_versions_current()
    documents = [
        {**_document(kind), "version": current.get(kind)} for kind in LegalDocument.Kind.values
    ]
    return backoffice_render(request, "backoffice/legal/index.html", {"documents": documents})


def _initial_content(
    request: HttpRequest, kind: str, current: LegalVersion | None, languages: list[str]
) -> VersionContent:
    """What the form starts from: the current version, with the default text in each language
    it lacks (a language the tenant has offered since)."""
    tenant = request_tenant(request)
    assert tenant is not None
    default = legal_default_content(tenant=tenant, kind=kind, languages=languages)
    if current is None:
        return default
    content = VersionContent.of(current)
    return VersionContent(
        bodies={code: content.bodies.get(code) or default.bodies[code] for code in languages},
        conformance_level=content.conformance_level,
        audit_date=content.audit_date,
        conformance_rate=content.conformance_rate,
        non_accessible={
            code: content.non_accessible.get(code) or default.non_accessible.get(code, "")
            for code in languages
        },
        remedies={
            code: content.remedies.get(code) or default.remedies.get(code, "") for code in languages
        },
        contact_email=content.contact_email,
        contact_url=content.contact_url,
    )


@require_http_methods(["GET", "POST"])
@backoffice_page(admins_only=True)
def legal_edit(request: HttpRequest, legal_document: str) -> HttpResponse:
    """Edit a document: saving publishes its next version."""
    kind = _kind_or_404(legal_document)
    tenant = request_tenant(request)
    assert tenant is not None
    languages = text_languages_of(tenant)
    current = legal_version_current(kind=kind)
    status = 200
    if request.method == "POST":
        form = LegalVersionForm(request.POST, kind=kind, languages=languages)
        if form.is_valid():
            try:
                version = legal_version_publish(
                    kind=kind, content=form.content(), actor=request.user
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(
                    request,
                    _("%(document)s: version %(number)s is published.")
                    % {"document": LegalDocument.Kind(kind).label, "number": version.number},
                )
                return HttpResponseRedirect(reverse("backoffice:legal"))
        status = 400
    else:
        form = LegalVersionForm(
            kind=kind,
            languages=languages,
            initial=LegalVersionForm.initial_from(
                _initial_content(request, kind, current, languages), languages=languages
            ),
        )
    context = {"document": _document(kind), "current": current, "form": form}
    return backoffice_render(request, "backoffice/legal/edit.html", context, status=status)


@require_GET
@backoffice_page(admins_only=True)
def legal_history(request: HttpRequest, legal_document: str) -> HttpResponse:
    """Every version of a document, the latest first."""
    kind = _kind_or_404(legal_document)
    page = Paginator(legal_versions_of(kind=kind), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"document": _document(kind), "page": page}
    return backoffice_render(request, "backoffice/legal/history.html", context)


@require_GET
@backoffice_page(admins_only=True)
def legal_version(request: HttpRequest, legal_document: str, number: int) -> HttpResponse:
    """One version as it was published."""
    kind = _kind_or_404(legal_document)
    try:
        version = legal_version_get(kind=kind, number=number)
    except LegalVersion.DoesNotExist:
        raise Http404 from None
    context = {"document": _document(kind), **page_context(version, get_language())}
    return backoffice_render(request, "backoffice/legal/version.html", context)
