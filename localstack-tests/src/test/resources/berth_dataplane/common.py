"""What the data plane's parts share: the server lock, moto's backends, events, logs and Docker."""
import json
import threading
import time

import docker

ACCOUNT = "123456789012"
REGION = "us-east-1"
MARK_KEY = "berth:dataplane"
MARK_VALUE = "docker"


class Context:
    """The lock moto's server holds per request, where the server listens, the server's WSGI application (to serve
    it on more addresses, e.g. for containers), the data plane's own HTTP endpoints, and a Docker client."""

    def __init__(self, lock, server_host, server_port):
        self.lock = lock
        self.server_host = server_host
        self.server_port = server_port
        self.server_app = None  # set by the launcher before it serves
        self._routes = {}
        self._docker = None
        self._docker_lock = threading.Lock()

    def add_route(self, prefix, wsgi_handler):
        """Serves requests whose path starts with prefix (which must start with /_berth/) with wsgi_handler,
        without the server lock. Tests read the data plane's state this way (e.g. where a listener serves)."""
        if not prefix.startswith("/_berth/"):
            raise ValueError("data plane routes live under /_berth/, not " + prefix)
        self._routes[prefix] = wsgi_handler

    def route(self, path):
        """The handler of a /_berth/ path, or None for moto's own."""
        if not path.startswith("/_berth/"):
            return None
        for prefix, handler in self._routes.items():
            if path.startswith(prefix):
                return handler
        return None

    def docker(self):
        """The local Docker engine (DOCKER_HOST or the default socket), connected on first use."""
        with self._docker_lock:
            if self._docker is None:
                self._docker = docker.from_env(timeout=300)
            return self._docker


def json_response(start_response, status, body):
    """A WSGI JSON response for the data plane's endpoints."""
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def marked(tags):
    """Whether tags (a list of {key|Key, value|Value} or a dict) carry berth:dataplane=docker."""
    if isinstance(tags, dict):
        return tags.get(MARK_KEY) == MARK_VALUE
    for tag in tags or []:
        key = tag.get("key", tag.get("Key"))
        value = tag.get("value", tag.get("Value"))
        if key == MARK_KEY and value == MARK_VALUE:
            return True
    return False


def backend(service, account=ACCOUNT, region=REGION):
    """moto's backend of a service ("ecs", "logs", "events", ...) for the account and region."""
    from moto.backends import get_backend

    return get_backend(service)[account][region]


def put_event(source, detail_type, detail, resources=(), account=ACCOUNT, region=REGION):
    """Sends an AWS service event to moto's default event bus, as the service would. Call holding the lock."""
    backend("events", account, region).put_events([{
        "Source": source,
        "DetailType": detail_type,
        "Detail": json.dumps(detail),
        "Resources": list(resources),
    }])


def put_log_lines(group, stream, lines, account=ACCOUNT, region=REGION):
    """Appends lines to a CloudWatch Logs stream, creating the stream (not the group) as awslogs does.

    Call holding the lock. A missing group drops the lines, as the awslogs driver fails without one.
    """
    if not lines:
        return
    logs = backend("logs", account, region)
    if group not in logs.groups:
        return
    if stream not in logs.groups[group].streams:
        logs.create_log_stream(group, stream)
    now = int(time.time() * 1000)
    logs.put_log_events(group, stream, [{"timestamp": now, "message": line} for line in lines])
