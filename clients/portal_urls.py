from django.urls import path

from . import portal_auth, portal_views

app_name = "portal"

urlpatterns = [
    # Pages of a signed-in client (portal_views).
    path("", portal_views.dashboard, name="dashboard"),
    path("request/", portal_views.request_service, name="request_service"),
    path("profile/", portal_views.profile, name="profile"),
    path("profile/edit/", portal_views.profile_edit, name="profile_edit"),
    # Signing in and out, passwords, invitations (portal_auth).
    path("signin/", portal_auth.PortalLoginView.as_view(), name="login"),
    path("signout/", portal_auth.PortalLogoutView.as_view(), name="logout"),
    path("password/", portal_auth.PortalPasswordChangeView.as_view(), name="password_change"),
    path("password-reset/", portal_auth.PortalPasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        portal_auth.PortalPasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        portal_auth.PortalPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        portal_auth.PortalPasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "invitation/<uidb64>/<token>/",
        portal_auth.AcceptInvitationView.as_view(),
        name="accept_invitation",
    ),
]
