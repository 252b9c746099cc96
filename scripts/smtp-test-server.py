#!/usr/bin/env python3
"""A real SMTP server for the mail tests: aiosmtpd on 127.0.0.1:PORT, keeping every message it
accepts in the Maildir FOLDER. It stops when its standard input closes, so it never outlives the
test that started it.

    python3 scripts/smtp-test-server.py PORT FOLDER
"""
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

controller = Controller(Mailbox(sys.argv[2]), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
