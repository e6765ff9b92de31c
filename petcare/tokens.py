"""One-time links: password reset and portal invitation.

Both hash the login's auth epoch along with Django's usual inputs (password
hash, last sign-in, timestamp), so Make Inactive and Re-Activate void every
link issued before them, and setting a password voids the link used.
"""

from django.contrib.auth.tokens import PasswordResetTokenGenerator


class EpochTokenGenerator(PasswordResetTokenGenerator):
    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}:{user.auth_epoch}"


class InvitationTokenGenerator(EpochTokenGenerator):
    key_salt = "petcare.tokens.InvitationTokenGenerator"


password_reset_token = EpochTokenGenerator()
invitation_token = InvitationTokenGenerator()
