#!/usr/bin/python3
"""A webhook receiver for tests, on loopback (Python's http.server, one thread a request).

    webhook_receiver.py LOG [--port N] [--control FILE]

Prints the port it listens on (N, or one the system picked) as its first line
of stdout, then serves until killed. Each request is appended to LOG as one
JSON line, {"method", "path", "headers": {lower-case name: value}, "body"},
before it is answered, so a client that got an answer finds its request there.

How it answers is chosen by the path, or by the control file when one is
given and holds a mode (a test turns a receiver down and up by writing it):

    /ok (or any other path)  200
    /fail                    500
    /status/NNN              NNN (a 3xx says Location: /ok)
    /hang                    never: reads the request, answers nothing, holds the connection
    /slow/MS                 200 after MS milliseconds

Control file modes: "ok", "fail", "hang", "down" (the connection is closed
without an answer: what a receiver that crashed mid-request does).
"""
import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("log")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--control")
    args = parser.parse_args()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def mode(self):
            if args.control:
                try:
                    with open(args.control) as f:
                        mode = f.read().strip()
                    if mode:
                        return mode
                except FileNotFoundError:
                    pass
            return self.path.lstrip("/")

        def answer(self, status, headers=()):
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8", "replace")
            entry = {"method": self.command, "path": self.path,
                     "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
            with lock, open(args.log, "a") as f:
                f.write(json.dumps(entry) + "\n")
            mode = self.mode()
            if mode == "hang":
                while True:
                    time.sleep(3600)
            if mode == "down":
                self.close_connection = True
                return
            if mode == "fail":
                self.answer(500)
            elif mode.startswith("status/"):
                status = int(mode.split("/")[1])
                self.answer(status, [("Location", "/ok")] if 300 <= status < 400 else [])
            elif mode.startswith("slow/"):
                time.sleep(int(mode.split("/")[1]) / 1000)
                self.answer(200)
            else:
                self.answer(200)

        do_POST = do_GET = do_PUT = handle_any

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
