"""Forms of the account pages. Validation rules live in services; forms show them per field.

Django 5.2 adds aria-invalid and aria-describedby (ids <field id>_helptext and <field id>_error)
to the widgets; templates/includes/field.html renders elements with those ids.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError
from django.template import loader
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..mail import queue_email
from ..models import NodeSettings
from . import services, throttle
from .models import User
from .models.user import BIO_MAX_LENGTH


def _password_help() -> str:
    return " ".join(str(text) for text in password_validators_help_texts())


class AccountErrorMixin:
    def add_account_error(self, exc: services.AccountError) -> None:
        field = exc.field if exc.field in self.fields else None
        self.add_error(field, exc.message)


class SignupForm(AccountErrorMixin, forms.Form):
    """The sign-up form; which fields it has depends on the node's registration mode."""

    username = forms.CharField(
        label=_("Username"),
        max_length=30,
        help_text=_(
            "Your address in the network. Use 1 to 30 lower-case letters, digits or underscores; "
            "dots and dashes only between them. You cannot change it later."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}),
    )
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=150,
        required=False,
        help_text=_("The name other people see, for example your full name."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("For password resets and messages about your account. Not shown to others."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        help_text=_("Type the same password again, to catch typing mistakes."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    reason = forms.CharField(
        label=_("Why do you want to join?"),
        max_length=2000,
        help_text=_("The administrators read this before they approve your account."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    invite_code = forms.CharField(
        label=_("Invitation code"),
        max_length=64,
        help_text=_("This node is open by invitation only. The code is in the invitation you received."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )

    def __init__(self, *args, mode: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.mode = mode
        self.fields["password1"].help_text = _password_help()
        if mode != NodeSettings.Registration.APPROVAL:
            del self.fields["reason"]
        if mode != NodeSettings.Registration.INVITE:
            del self.fields["invite_code"]

    def _check(self, check, *args, **kwargs):
        try:
            return check(*args, **kwargs)
        except services.AccountError as exc:
            raise ValidationError(exc.message) from None

    def clean_username(self):
        return self._check(services.check_username, self.cleaned_data["username"])

    def clean_email(self):
        return self._check(services.check_email, self.cleaned_data["email"])

    def clean_invite_code(self):
        return self._check(services.find_usable_invite, self.cleaned_data["invite_code"]).code

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1:
            candidate = User(
                username=cleaned.get("username") or self.data.get("username", ""),
                email=cleaned.get("email") or "",
                first_name=cleaned.get("display_name") or "",
            )
            try:
                validate_password(password1, candidate)
            except ValidationError as exc:
                self.add_error("password1", exc)  # one message per failed rule
            if password2 and password1 != password2:
                self.add_error("password2", _("The two passwords differ. Type the same password twice."))
        return cleaned

    def save(self) -> User:
        """Create the account. Raises services.AccountError (use add_account_error)."""
        data = self.cleaned_data
        return services.sign_up(
            username=data["username"],
            email=data["email"],
            password=data["password1"],
            display_name=data.get("display_name", ""),
            reason=data.get("reason", ""),
            invite_code=data.get("invite_code", ""),
            mode=self.mode,
        )


class LoginForm(auth_forms.AuthenticationForm):
    """Log in, with failed attempts rate-limited per name and per address."""

    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": _("The username or password is not correct."),
        "pending": _(
            "Your account is waiting for approval by the administrators. You will get an e-mail "
            "when it has been approved."
        ),
        "rejected": _("Your sign-up was not approved. Contact the administrators of this node if you have questions."),
        "inactive": _("This account has been deactivated. Contact the administrators of this node."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocapitalize": "none", "spellcheck": "false"})
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.locked_seconds = 0

    def clean_username(self):
        return services.normalise_username(self.cleaned_data.get("username"))

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password:
            return self.cleaned_data
        ip = throttle.client_ip(self.request) if self.request else None
        self.locked_seconds = throttle.lockout_seconds(username, ip)
        if self.locked_seconds:
            minutes = throttle.lockout_minutes(self.locked_seconds)
            raise ValidationError(
                ngettext(
                    "Too many failed login attempts. Wait %(minutes)d minute and try again.",
                    "Too many failed login attempts. Wait %(minutes)d minutes and try again.",
                    minutes,
                )
                % {"minutes": minutes},
                code="locked",
            )
        # Accounts that cannot log in get their own message, but only with the right password:
        # otherwise the answer would tell anyone which names have accounts.
        inactive = User.objects.filter(username=username, is_active=False).first()
        if inactive is not None:
            if inactive.check_password(password):
                code = {User.Approval.PENDING: "pending", User.Approval.REJECTED: "rejected"}.get(
                    inactive.approval, "inactive"
                )
                raise ValidationError(self.error_messages[code], code=code)
            throttle.record_failure(username, ip)
            raise self.get_invalid_login_error()
        self.user_cache = authenticate(self.request, username=username, password=password)
        if self.user_cache is None:
            throttle.record_failure(username, ip)
            raise self.get_invalid_login_error()
        self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Queues the reset mail (sent by the worker) with links on the node's public address."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("The address of your account. We send a link to set a new password."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def save(self, domain_override=None, use_https=False, extra_email_context=None, **kwargs):
        # Never the Host header of the request: the links must point at WEERBAAR_URL.
        context = {
            "node": NodeSettings.current(),
            "base_url": settings.WEERBAAR_URL,
            **(extra_email_context or {}),
        }
        return super().save(
            domain_override=settings.WEERBAAR_DOMAIN,
            use_https=settings.WEERBAAR_SCHEME == "https",
            extra_email_context=context,
            **kwargs,
        )

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        html_body = loader.render_to_string(html_email_template_name, context) if html_email_template_name else ""
        queue_email(to_email, subject, body, html_body)


class SetPasswordForm(auth_forms.SetPasswordForm):
    """Django's form with our help text; used on the page the reset link opens."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = _password_help()
        self.fields["new_password2"].label = _("New password again")


class ProfileForm(AccountErrorMixin, forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=150,
        required=False,
        help_text=_("The name other people see. Leave empty to show your username."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    bio = forms.CharField(
        label=_("About me"),
        max_length=BIO_MAX_LENGTH,
        required=False,
        help_text=_("Plain text, at most 2000 characters. Shown on your public profile."),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("For password resets and messages about your account. Not shown to others."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        kwargs.setdefault("initial", {"display_name": user.first_name, "bio": user.bio, "email": user.email})
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_email(self):
        try:
            return services.check_email(self.cleaned_data["email"], exclude=self.user)
        except services.AccountError as exc:
            raise ValidationError(exc.message) from None

    def save(self) -> User:
        data = self.cleaned_data
        return services.update_profile(self.user, display_name=data["display_name"], bio=data["bio"], email=data["email"])
