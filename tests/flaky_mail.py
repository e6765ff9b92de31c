"""An email backend that fails like a mail server that is down: the first
``FlakyBackend.failures`` messages raise SMTPServerDisconnected, then it
delivers into Django's outbox (django.core.mail.outbox) like the locmem
backend."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend


class FlakyBackend(EmailBackend):
    failures = 0
    attempts = 0

    def send_messages(self, messages):
        FlakyBackend.attempts += 1
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)
