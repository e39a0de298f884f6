"""An ASGI app served by uvicorn that stops as docs/sigterm.md asks.

On SIGTERM it keeps serving for DRAIN_SECONDS, and every response says `Connection: close`, so
each kept-alive client opens a new connection (to a pod that is not going away) instead of
reusing one this process is about to close. Then uvicorn shuts down as usual: it stops
accepting, closes the idle connections, waits for the requests in flight, and the process exits.

    DRAIN_SECONDS=5 PORT=8080 python3 app.py
"""

import os
import signal
import threading

import uvicorn

DRAIN_SECONDS = float(os.environ.get("DRAIN_SECONDS", "5"))
draining = threading.Event()


async def hello(scope, receive, send):
    """The app itself: any ASGI app (FastAPI, Starlette, Django) goes here."""
    body = b"ok\n"
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain"), (b"content-length", b"%d" % len(body))]})
    await send({"type": "http.response.body", "body": body})


def announce_close(app):
    """ASGI middleware: once draining, every response says `Connection: close`."""

    async def wrapped(scope, receive, send):
        async def send_announcing(message):
            if message["type"] == "http.response.start" and draining.is_set():
                message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
            await send(message)

        await app(scope, receive, send_announcing if scope["type"] == "http" else send)

    return wrapped


class DrainingServer(uvicorn.Server):
    """uvicorn, told to exit DRAIN_SECONDS after SIGTERM rather than at once."""

    def handle_exit(self, sig, frame):
        if sig != signal.SIGTERM or draining.is_set():
            return super().handle_exit(sig, frame)  # Ctrl-C, or a second SIGTERM: now
        draining.set()
        threading.Timer(DRAIN_SECONDS, super().handle_exit, (sig, frame)).start()


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8080"))
    DrainingServer(uvicorn.Config(announce_close(hello), host="0.0.0.0", port=port, lifespan="off")).run()
