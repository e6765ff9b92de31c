from django.urls import path

from . import auth, views

app_name = "portal"

urlpatterns = [
    # Pages of a signed-in client (portal.views).
    path("", views.dashboard, name="dashboard"),
    path("request/", views.request_service, name="request_service"),
    path("profile/", views.profile, name="profile"),
    path("profile/edit/", views.profile_edit, name="profile_edit"),
    # Signing in and out, passwords, invitations (portal.auth).
    path("signin/", auth.PortalLoginView.as_view(), name="login"),
    path("signout/", auth.PortalLogoutView.as_view(), name="logout"),
    path("password/", auth.PortalPasswordChangeView.as_view(), name="password_change"),
    path("password-reset/", auth.PortalPasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth.PortalPasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth.PortalPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth.PortalPasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "invitation/<uidb64>/<token>/",
        auth.AcceptInvitationView.as_view(),
        name="accept_invitation",
    ),
]
