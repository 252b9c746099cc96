#!/usr/bin/env python3
"""A real SMTP server for the mail tests: aiosmtpd on 127.0.0.1:PORT, keeping every message it
accepts in the Maildir FOLDER. It stops when its standard input closes, so it never outlives the
test that started it.

    python3 scripts/smtp-test-server.py PORT FOLDER [--starttls CERT KEY | --tls CERT KEY] [--auth USER:PASSWORD]

--starttls offers STARTTLS and refuses mail until the client has used it; --tls speaks TLS from
the first byte; --auth requires AUTH with these credentials before it accepts mail.
"""
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult

port, folder, options = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
settings = {}
while options:
    option = options.pop(0)
    if option in ("--starttls", "--tls"):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(options.pop(0), options.pop(0))
        if option == "--starttls":
            settings.update(tls_context=context, require_starttls=True)
        else:
            settings.update(ssl_context=context)
    elif option == "--auth":
        user, password = options.pop(0).split(":", 1)

        def authenticate(server, session, envelope, mechanism, data):
            good = mechanism in ("PLAIN", "LOGIN") and data.login == user.encode() and data.password == password.encode()
            return AuthResult(success=good, handled=False)

        # A connection with TLS from the first byte is encrypted, though aiosmtpd only counts STARTTLS.
        settings.update(authenticator=authenticate, auth_required=True, auth_require_tls="ssl_context" not in settings)
    else:
        sys.exit("unknown option " + option)

controller = Controller(Mailbox(folder), hostname="127.0.0.1", port=port, **settings)
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
