"""moto's server, handling one request at a time.

moto checks a DynamoDB condition and then writes, without a lock, on a threaded server: two racing
conditional writes can both succeed, which DynamoDB never allows. Serialising the application makes
every call atomic, as the real services' per-item writes are. Arguments as moto_server: -H host -p port.
"""
import argparse
import os
import threading

from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

parser = argparse.ArgumentParser()
parser.add_argument("-H", "--host", default="127.0.0.1")
parser.add_argument("-p", "--port", type=int, default=5000)
args = parser.parse_args()
os.environ.setdefault("MOTO_PORT", str(args.port))

app = DomainDispatcherApplication(create_backend_app)
lock = threading.Lock()


def serialized(environ, start_response):
    with lock:
        # Consume the response inside the lock: moto may build it lazily.
        return list(app(environ, start_response))


run_simple(args.host, args.port, serialized, threaded=True)
