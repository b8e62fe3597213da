"""`make lessons` starts JupyterLab with a kernel websocket that sends each message at once."""

import importlib
import re
from pathlib import Path

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

from vae_lessons.lab_server import SERVER_OPTION, NoDelayConnection

ROOT = Path(__file__).resolve().parent.parent


def test_the_connection_switches_nagle_off_before_connecting(monkeypatch):
    calls = []
    monkeypatch.setattr(ZMQChannelsWebsocketConnection, "connect", lambda self: calls.append("connect"))

    class Handler:
        def set_nodelay(self, value):
            calls.append(("nodelay", value))

    connection = NoDelayConnection.__new__(NoDelayConnection)  # no kernel needed for this
    connection._trait_values["websocket_handler"] = Handler()
    connection.connect()
    assert calls == [("nodelay", True), "connect"]


def test_make_lessons_names_the_connection_class():
    options = re.search(r"^LAB_OPTIONS \?= (.+)$", (ROOT / "Makefile").read_text(), re.M).group(1)
    assert options.strip() == SERVER_OPTION
    module, name = SERVER_OPTION.split("=", 1)[1].rsplit(".", 1)
    assert getattr(importlib.import_module(module), name) is NoDelayConnection
