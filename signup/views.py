"""Sign-up pages on the base domain.

- `/signup/`: the form (kind, name, address, country, language, e-mail, terms; plan and
  period from the query string, as /pricing/ links them). Honeypot: the same answer, nothing made.
- `/signup/slug-check/?slug=…&name=…`: JSON, the live address check (and a proposal from the name).
- `/signup/sent/`: "check your e-mail".
- `/signup/verify/<token>/`: the e-mail link; then on to `/signup/<id>/checkout/` (Stripe).
- `/signup/<id>/progress/`: the progress page (htmx polling each second; a meta refresh without
  JavaScript); `/signup/<id>/go/`: the single-use hand-off to the new instance.
Pages of one sign-up answer only to the browser that filled in the form or opened the e-mail
link (its session lists the sign-up); any other gets a 404.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from signup import limits, selectors, services
from signup.forms import SignupForm
from signup.models import SignupRequest
from signup.slugs import slug_propose
from tenants.public_language import language_alternates, with_site_language

SESSION_KEY = "signup_requests"
POLL_SECONDS = 1


def _remember(request: HttpRequest, signup: SignupRequest) -> None:
    known = list(request.session.get(SESSION_KEY, []))
    if str(signup.public_id) not in known:
        request.session[SESSION_KEY] = (known + [str(signup.public_id)])[-10:]


def _own_signup(request: HttpRequest, public_id: uuid.UUID) -> SignupRequest:
    if str(public_id) not in request.session.get(SESSION_KEY, []):
        raise Http404
    signup = selectors.signup_get(public_id)
    if signup is None:
        raise Http404
    return signup


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "signup/rate_limited.html", status=429)


def _form_context(request: HttpRequest, form: SignupForm) -> dict[str, object]:
    # The language switch keeps what /pricing/ asked for (kind, plan, period).
    kept = {
        key: request.GET[key][:40] for key in ("kind", "plan", "interval") if key in request.GET
    }
    return {
        "form": form,
        "domain": settings.BASE_DOMAIN,
        "site_alternates": language_alternates(request, **kept),
    }


@require_http_methods(["GET", "POST"])
@with_site_language
def signup_form(request: HttpRequest) -> HttpResponse:
    domain = settings.BASE_DOMAIN
    if request.method == "POST":
        form = SignupForm(request.POST, domain=domain)
        if form.is_bot:
            return redirect("signup:sent")
        if not limits.signup_ip_allowed(request):
            return _too_many(request)
        if form.is_valid():
            data = form.cleaned_data
            if not limits.signup_email_allowed(request, email=data["email"]):
                return _too_many(request)
            try:
                signup = services.signup_create(
                    data=services.SignupInput(
                        kind=data["kind"],
                        name=data["name"],
                        slug=data["slug"],
                        country=data["country"],
                        language=data["language"],
                        email=data["email"],
                        plan_code=data["plan"],
                        interval=data["interval"],
                    )
                )
            except services.SignupError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                _remember(request, signup)
                return redirect("signup:sent")
        return render(request, "signup/form.html", _form_context(request, form), status=400)
    kind = request.GET.get("kind", "city")
    form = SignupForm(
        initial={
            "kind": kind if kind in {"city", "company"} else "city",
            "plan": request.GET.get("plan", "")[:40],
            "interval": request.GET.get("interval", "month")[:8],
            "language": (request.LANGUAGE_CODE or "fr")[:5],
            "country": "FR",
        },
        domain=domain,
    )
    return render(request, "signup/form.html", _form_context(request, form))


@require_GET
def slug_check(request: HttpRequest) -> JsonResponse:
    if not limits.slug_check_allowed(request):
        return JsonResponse({"available": False, "message": _("Too many checks.")}, status=429)
    slug = request.GET.get("slug", "")[:80]
    if not slug and request.GET.get("name"):
        slug = slug_propose(request.GET["name"][:120])
    message = services.slug_check(slug) if slug else _("Choose an address.")
    return JsonResponse(
        {
            "slug": slug,
            "host": f"{slug}.{settings.BASE_DOMAIN}" if slug else "",
            "available": message is None,
            "message": message or _("This address is available."),
        }
    )


@require_GET
def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "signup/sent.html")


@require_GET
def signup_verify(request: HttpRequest, token: str) -> HttpResponse:
    try:
        signup = services.signup_verify(token=token)
    except services.SignupLinkInvalid:
        return render(request, "signup/link_invalid.html", status=400)
    _remember(request, signup)
    if signup.status in {SignupRequest.Status.VERIFIED, SignupRequest.Status.CHECKOUT}:
        return redirect("signup:checkout", public_id=signup.public_id)
    return render(request, "signup/link_used.html", {"signup": signup})


@require_GET
def signup_checkout(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    signup = _own_signup(request, public_id)
    if signup.status not in {
        SignupRequest.Status.EMAIL_SENT,
        SignupRequest.Status.VERIFIED,
        SignupRequest.Status.CHECKOUT,
    }:
        return redirect("signup:progress", public_id=signup.public_id)
    try:
        url = services.signup_checkout_url(signup=signup, locale=request.LANGUAGE_CODE or "auto")
    except services.SignupError as error:
        return render(request, "signup/checkout_error.html", {"message": error.message}, status=400)
    return redirect(url, permanent=False)


def _progress_context(signup: SignupRequest) -> dict[str, object]:
    steps = [
        (SignupRequest.Status.PAID, _("Payment confirmed, queued")),
        (SignupRequest.Status.CREATING, _("Creating your instance")),
        (SignupRequest.Status.CONFIGURING, _("Configuring it")),
        (SignupRequest.Status.READY, _("Ready")),
    ]
    order: list[str] = [str(status) for status, _label in steps]
    current = order.index(signup.status) if signup.status in order else -1
    return {
        "signup": signup,
        "steps": [
            {
                "label": label,
                "done": index < current or signup.status == "ready",
                "now": index == current,
            }
            for index, (_status, label) in enumerate(steps)
        ],
        "poll_seconds": POLL_SECONDS,
        "waiting": signup.status
        in {
            SignupRequest.Status.VERIFIED,
            SignupRequest.Status.CHECKOUT,
            SignupRequest.Status.PAID,
            SignupRequest.Status.CREATING,
            SignupRequest.Status.CONFIGURING,
        },
        "go_url": reverse("signup:go", args=[signup.public_id]),
        "host": f"{signup.slug}.{settings.BASE_DOMAIN}",
    }


@require_GET
def signup_progress(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    signup = _own_signup(request, public_id)
    context = _progress_context(signup)
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        response = render(request, "signup/_progress.html", context)
        if signup.status == SignupRequest.Status.READY and signup.handoff_used_at is None:
            response["HX-Redirect"] = str(context["go_url"])
    elif signup.status == SignupRequest.Status.READY and signup.handoff_used_at is None:
        # Ready before the page was ever shown (a fast worker): straight on to the instance.
        return redirect(str(context["go_url"]))
    else:
        response = render(request, "signup/progress.html", context)
    patch_vary_headers(response, ["HX-Request"])
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def signup_go(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    signup = _own_signup(request, public_id)
    url = services.signup_handoff_url(signup=signup)
    if url is None:
        if signup.status != SignupRequest.Status.READY:
            return redirect("signup:progress", public_id=signup.public_id)
        return render(request, "signup/handoff_used.html", {"signup": signup})
    return redirect(url)
