"""Account pages: sign-up, login, password reset and profiles."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from ..models import NodeSettings
from . import services, throttle
from .forms import LoginForm, PasswordResetForm, ProfileForm, SetPasswordForm, SignupForm
from .models import User


@sensitive_post_parameters("password1", "password2")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    mode = NodeSettings.current().registration_mode
    if request.method == "POST":
        form = SignupForm(request.POST, mode=mode)
        if form.is_valid():
            try:
                user = form.save()
            except services.AccountError as exc:
                form.add_account_error(exc)
            else:
                if mode == NodeSettings.Registration.APPROVAL:
                    return redirect("accounts:signup-pending")
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(
                    request,
                    _("Welcome, %(name)s! Your account has been created and you are logged in.")
                    % {"name": user.first_name or user.username},
                )
                return redirect("home")
    else:
        initial = {}
        if mode == NodeSettings.Registration.INVITE and request.GET.get("invite"):
            initial["invite_code"] = request.GET["invite"].strip()[:64]
        form = SignupForm(mode=mode, initial=initial)
    return render(
        request,
        "accounts/signup.html",
        {"form": form, "mode": mode, "Registration": NodeSettings.Registration, "domain": settings.WEERBAAR_DOMAIN},
    )


@require_http_methods(["GET"])
def signup_pending(request):
    return render(request, "accounts/signup_pending.html")


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        throttle.clear_failures(form.get_user().username)
        return super().form_valid(form)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.locked_seconds:
            response.status_code = 429
            response["Retry-After"] = str(form.locked_seconds)
        return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default); shows a message on the page it returns to."""

    def post(self, request, *args, **kwargs):
        was_logged_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_logged_in:
            messages.info(request, _("You have been logged out."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")

    def form_valid(self, form):
        # Whoever can read the account's e-mail may log in again at once.
        throttle.clear_failures(form.user.username)
        return super().form_valid(form)


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


@require_http_methods(["GET"])
def profile(request, username: str):
    profile_user = (
        User.objects.filter(username=username, is_active=True, approval=User.Approval.APPROVED)
        .select_related("actor")
        .first()
    )
    if profile_user is None:
        raise Http404(_("There is no public profile with this name."))
    return render(
        request,
        "accounts/profile.html",
        {
            "profile_user": profile_user,
            "handle": f"@{profile_user.username}@{settings.WEERBAAR_DOMAIN}",
            "is_owner": request.user.is_authenticated and request.user.pk == profile_user.pk,
        },
    )


@login_required
@csrf_protect
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, user=user)
        if form.is_valid():
            try:
                form.save()
            except services.AccountError as exc:
                form.add_account_error(exc)
            else:
                messages.success(request, _("Your profile has been saved."))
                return redirect(reverse("accounts:profile", args=[user.username]))
    else:
        form = ProfileForm(user=user)
    return render(request, "accounts/profile_edit.html", {"form": form})
