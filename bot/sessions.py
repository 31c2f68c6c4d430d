"""Flask's signed-cookie session, skipped where no person is logged in.

The platforms' webhooks (LINE, Twilio) never carry our session cookie; opening
and signing a session for each of their requests is work on the hot path
(issue 16) for nothing. They get Flask's null session instead.
"""

from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface

STATELESS_PREFIXES = ("/line/webhook", "/twilio/")


class SessionInterface(SecureCookieSessionInterface):
    def open_session(self, app, request):
        if request.path.startswith(STATELESS_PREFIXES):
            return self.make_null_session(app)
        return super().open_session(app, request)
