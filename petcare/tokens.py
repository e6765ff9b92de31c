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


def was_valid_before(generator: EpochTokenGenerator, user, token: str) -> bool:
    """Whether the token was a good link of this login before its epoch last
    moved: only then may a refusal say why (the client was made inactive),
    so a made-up link tells nobody anything."""
    current = user.auth_epoch
    try:
        for epoch in range(current):
            user.auth_epoch = epoch
            if generator.check_token(user, token):
                return True
        return False
    finally:
        user.auth_epoch = current
