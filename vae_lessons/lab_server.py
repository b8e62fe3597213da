"""JupyterLab without the 40 ms stall: the kernel websocket with Nagle's algorithm switched off.

jupyter_server leaves Nagle's algorithm on for the kernel websocket. After a slider move the
kernel first reports "busy", a small frame the browser acknowledges only after its delayed-ACK
timer (40 ms on Linux); the widget's new image waits behind that acknowledgement. Measured in the
page: about half of all slider moves took 45-50 ms instead of 15-20 ms. `make lessons` starts
JupyterLab with this class:

    jupyter lab --ServerApp.kernel_websocket_connection_class=vae_lessons.lab_server.NoDelayConnection
"""

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

SERVER_OPTION = "--ServerApp.kernel_websocket_connection_class=vae_lessons.lab_server.NoDelayConnection"


class NoDelayConnection(ZMQChannelsWebsocketConnection):
    """The default kernel connection, sending each message at once (TCP_NODELAY)."""

    def connect(self):
        self.websocket_handler.set_nodelay(True)
        return super().connect()
