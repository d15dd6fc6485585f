"""A minimal web app: GET / answers HTML, GET /api/hello answers JSON. Standard library only."""
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(os.environ.get("PORT", "8000"))


class App(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/api/hello"):
            body, kind = json.dumps({"message": "Hello from Berth"}).encode(), "application/json"
        elif self.path in ("/", "/index.html"):
            body, kind = b"<!doctype html><title>Berth web app</title><h1>Hello from a Python web app on Berth</h1>", "text/html"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind + "; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    ThreadingHTTPServer(("0.0.0.0", PORT), App).serve_forever()
