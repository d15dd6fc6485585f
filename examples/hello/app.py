"""A small web app for the Berth demo: a page, a JSON endpoint, and a counter kept in memory."""
import html
import json
import os
import socket
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STARTED = time.time()
visits = 0


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        global visits
        visits += 1
        if self.path.startswith("/api"):
            body = json.dumps({"greeting": os.environ.get("GREETING", "Hello"), "host": socket.gethostname(),
                               "visits": visits, "uptimeSeconds": round(time.time() - STARTED, 1)}).encode()
            kind = "application/json"
        else:
            greeting = html.escape(os.environ.get("GREETING", "Hello"))
            body = (f"<!doctype html><title>Berth demo</title><h1>{greeting}</h1>"
                    f"<p>Served by container <code>{html.escape(socket.gethostname())}</code> over HTTPS through Berth's router.</p>"
                    f"<p>Visits: {visits}. Try <a href='/api'>/api</a>.</p>").encode()
            kind = "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        print("%s %s" % (self.address_string(), fmt % args), flush=True)


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8000"))
    print(f"listening on :{port}", flush=True)
    ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()
