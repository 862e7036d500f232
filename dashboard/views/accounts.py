"""Getting in without an administrator: resetting a forgotten password by email, and
accepting an owner's invitation (with a new account or the one the person is logged in with).
"""

import logging
from urllib.parse import urlencode

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from campaigns import invitations
from campaigns.models import Membership
from core.errors import DomainError
from dashboard import forms
from dashboard.views.common import apply_errors

logger = logging.getLogger(__name__)

# One reset email per account per minute: the form answers the same either way, so asking
# again and again cannot fill someone's inbox.
RESET_EMAIL_INTERVAL = 60
# The invited person logs in with the account just made; axes' backend only counts failures.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


class _ThrottledPasswordResetForm(PasswordResetForm):
    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        user_id = context["user"].pk
        key = f"password-reset:{user_id}"
        try:
            first = cache.add(key, 1, timeout=RESET_EMAIL_INTERVAL)
        except Exception:  # a cache outage must not keep anyone from their account
            logger.warning("password reset throttle unavailable", exc_info=True)
            first = True
        if not first:
            logger.info("password reset email to user %s skipped: one went out just now", user_id)
            return
        super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class _BadRequestOnErrors:
    """A form sent back with errors answers 400, as the dashboard's other forms do."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class PasswordReset(_BadRequestOnErrors, auth_views.PasswordResetView):
    """Asks for an email and says the same whether or not an account has it (Django's view);
    the email, in the language of the request, links to the installation's SITE_URL."""

    form_class = _ThrottledPasswordResetForm
    template_name = "dashboard/password_reset.html"
    subject_template_name = "dashboard/email/password_reset_subject.txt"
    email_template_name = "dashboard/email/password_reset_body.txt"
    success_url = reverse_lazy("dashboard:password-reset-done")

    @property
    def extra_email_context(self):
        return {
            "site_url": settings.SITE_URL,
            "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        }


class PasswordResetDone(auth_views.PasswordResetDoneView):
    template_name = "dashboard/password_reset_done.html"


class PasswordResetConfirm(_BadRequestOnErrors, auth_views.PasswordResetConfirmView):
    """The emailed link: choose a new password (checked by AUTH_PASSWORD_VALIDATORS). Setting
    it also lifts a lock left by wrong passwords (django-axes), and logs out other sessions
    (Django's session hash follows the password). A used, expired or forged link is a 400."""

    template_name = "dashboard/password_reset_confirm.html"
    success_url = reverse_lazy("dashboard:password-reset-complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())
        logger.info("password reset for user %s; login lock lifted", form.user.pk)
        return response

    def render_to_response(self, context, **kwargs):
        if not self.validlink:
            kwargs.setdefault("status", 400)
        return super().render_to_response(context, **kwargs)


class PasswordResetComplete(auth_views.PasswordResetCompleteView):
    template_name = "dashboard/password_reset_complete.html"


@require_http_methods(["GET", "POST"])
def invitation(request, token: str):
    """The link in an invitation email. No login needed: a person without an account chooses
    a username and password here; one who is logged in joins with that account. A forged link
    is a 400, an expired, revoked or used one a 410, each with a page that says so."""
    try:
        invitation = invitations.invitation_for_token(token)
    except DomainError as error:
        return render(
            request, "dashboard/invitation.html", {"error": error.message}, status=error.status
        )
    organisation = invitation.organisation
    logged_in = request.user.is_authenticated
    form = None if logged_in else forms.AcceptInvitationForm(request.POST or None)
    context = {
        "invitation": invitation,
        "organisation": organisation,
        "form": form,
        "inviter": invitation.invited_by,
        "already": logged_in
        and Membership.objects.filter(organisation=organisation, user=request.user).exists(),
        "login_url": f"{reverse('dashboard:login')}?{urlencode({'next': request.path})}",
    }
    if request.method == "POST" and (logged_in or form.is_valid()):
        try:
            if logged_in:
                membership = invitations.invitation_accept(token=token, user=request.user)
            else:
                membership = invitations.invitation_accept(
                    token=token,
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                )
                login(request, membership.user, backend=MODEL_BACKEND)
        except DomainError as error:
            context["error"] = error.message
            return render(request, "dashboard/invitation.html", context, status=error.status)
        except ValidationError as error:
            if form is None:
                context["error"] = " ".join(error.messages)
                return render(request, "dashboard/invitation.html", context, status=400)
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Welcome to %(organisation)s. Your role: %(role)s.")
                % {"organisation": organisation.name, "role": membership.get_role_display()},
            )
            return redirect("dashboard:home")
    status = 400 if form is not None and form.errors else 200
    return render(request, "dashboard/invitation.html", context, status=status)
