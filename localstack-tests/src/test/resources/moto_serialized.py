"""moto's server, handling one request at a time.

moto checks a DynamoDB condition and then writes, without a lock, on a threaded server: two racing
conditional writes can both succeed, which DynamoDB never allows. Serialising the application makes
every call atomic, as the real services' per-item writes are. Arguments as moto_server: -H host -p port.

It also installs Berth's data plane (package berth_dataplane, next to this file): containers, builds and
load-balancer traffic behind the API calls, for resources tagged berth:dataplane=docker. The data plane
changes moto's state under the same lock.
"""
import argparse
import io
import logging
import os
import threading

import berth_dataplane

from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

parser = argparse.ArgumentParser()
parser.add_argument("-H", "--host", default="127.0.0.1")
parser.add_argument("-p", "--port", type=int, default=5000)
args = parser.parse_args()
os.environ.setdefault("MOTO_PORT", str(args.port))

app = DomainDispatcherApplication(create_backend_app)
lock = threading.Lock()
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
dataplane = berth_dataplane.install(lock, args.host, args.port)


def serialized(environ, start_response):
    # The data plane's own endpoints (/_berth/...) answer without the lock: they read their own state.
    handler = dataplane.route(environ.get("PATH_INFO", ""))
    if handler is not None:
        return handler(environ, start_response)
    # Read the body before taking the lock: a client that stalls mid-request (e.g. a thread interrupted between
    # headers and body) then holds only its own request, not every other one.
    length = environ.get("CONTENT_LENGTH")
    if length and length.isdigit():
        environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read(int(length)))
    with lock:
        # Consume the response inside the lock: moto may build it lazily.
        return list(app(environ, start_response))


dataplane.server_app = serialized
run_simple(args.host, args.port, serialized, threaded=True)
