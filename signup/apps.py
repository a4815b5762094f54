from django.apps import AppConfig


class SignupConfig(AppConfig):
    """Self-serve sign-up on the base domain: a verified e-mail and a completed checkout become a
    provisioned tenant whose first admin lands signed in on it."""

    name = "signup"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from billing.checkout_handlers import register_signup_checkout_handler
        from signup.services import signup_checkout_completed

        register_signup_checkout_handler(signup_checkout_completed)
