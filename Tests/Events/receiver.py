#!/usr/bin/env python3
"""A webhook receiver for the event tests: records every POST (headers, body, the status it
answered) as JSON lines, and answers 500 to the next N posts when told so.
Usage: receiver.py PORT LOGFILE
Control: POST /control {"fail": N, "status": 500}  (the next N posts to /hook get `status`; -1 = all;
"path" chooses another path)."""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, LOG = int(sys.argv[1]), sys.argv[2]
lock = threading.Lock()
state = {"fail": 0, "status": 500, "path": "/hook"}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/control":
            with lock:
                state.update({"path": "/hook"}, **json.loads(body))
            self.send_response(204)
            self.end_headers()
            return
        with lock:
            status = 200
            if state["fail"] != 0 and self.path == state["path"]:
                status = state["status"]
                if state["fail"] > 0:
                    state["fail"] -= 1
            with open(LOG, "a") as log:
                log.write(json.dumps({"path": self.path, "status": status, "body": body.decode(),
                                      "headers": {k.lower(): v for k, v in self.headers.items()}}) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
