"""The ALB data plane: each listener of a load balancer tagged berth:dataplane=docker serves for real on loopback.

A listener serves on 127.0.0.1:<ephemeral port> (``GET /_berth/elbv2/listeners`` says which), HTTPS ones with the
listener's default certificate from moto's ACM. Each request is routed as an ALB routes it: rules by ascending
priority (host-header, path-pattern, http-request-method and http-header conditions), then the default actions;
forward (round robin over the target group's registered targets, Id = IP), fixed-response and redirect. The
request goes to the target over HTTP/1.1 with X-Forwarded-For/-Proto/-Port; bodies and responses stream through;
an Upgrade (WebSocket) answered with 101 becomes a raw two-way tunnel. 502 when the target refuses or resets, 503
when the target group has no targets, as ALB answers. Every request adds 1 to ``AWS/ApplicationELB``
``RequestCount`` in moto's CloudWatch (per load balancer, and per target group when forwarded).

moto's state is read under ``context.lock`` once per request and copied; the lock is never held while proxying.
Not done: health checks (every registered target receives traffic), HTTP/2 and gRPC, Lambda targets, stickiness,
authenticate actions, query-string and source-ip conditions (a rule with one never matches), SNI over several
certificates (the default certificate serves every name), deregistration delay, access logs.
"""
import datetime
import itertools
import logging
import os
import random
import re
import select
import socket
import socketserver
import ssl
import tempfile
import threading
import time

from . import common

LOG = logging.getLogger("berth.dataplane.elbv2")
IDLE_TIMEOUT = 60  # seconds, ALB's default idle timeout
MAX_HEADER_LINE = 65536
MAX_HEADERS = 200
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te",
              "trailer", "upgrade", "transfer-encoding"}
REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 400: "Bad Request", 404: "Not Found",
           502: "Bad Gateway", 503: "Service Unavailable"}
SUPPORTED_CONDITIONS = {"host-header", "path-pattern", "http-request-method", "http-header"}


def install(context):
    plane = AlbDataPlane(context)
    from moto.elbv2.models import ELBv2Backend

    create_listener = ELBv2Backend.create_listener
    delete_listener = ELBv2Backend.delete_listener
    delete_load_balancer = ELBv2Backend.delete_load_balancer

    # moto calls these while its server holds the lock.
    def create_listener_serving(self, *args, **kwargs):
        listener = create_listener(self, *args, **kwargs)
        if _marked(self, listener.load_balancer_arn):
            plane.serve(self, listener)
        return listener

    def delete_listener_stopping(self, listener_arn):
        listener = delete_listener(self, listener_arn)
        plane.stop(listener_arn)
        return listener

    def delete_load_balancer_stopping(self, arn):
        balancer = self.load_balancers.get(arn)
        delete_load_balancer(self, arn)
        for listener_arn in list(balancer.listeners) if balancer else []:
            plane.stop(listener_arn)

    ELBv2Backend.create_listener = create_listener_serving
    ELBv2Backend.delete_listener = delete_listener_stopping
    ELBv2Backend.delete_load_balancer = delete_load_balancer_stopping
    context.add_route("/_berth/elbv2/listeners", plane.listeners_endpoint)


def _marked(backend, load_balancer_arn):
    return common.marked(backend.tagging_service.get_tag_dict_for_resource(load_balancer_arn))


def _elbv2():
    return common.backend("elbv2")


class BadRequest(Exception):
    pass


class AlbDataPlane:
    """The served listeners, by listener ARN."""

    def __init__(self, context):
        self.context = context
        self._servers = {}
        self._servers_lock = threading.Lock()
        self._round_robin = {}

    # -- serving and stopping; called holding context.lock ------------------------------------------------------

    def serve(self, backend, listener):
        with self._servers_lock:
            if listener.arn in self._servers:
                return
            tls = None
            if listener.protocol == "HTTPS":
                try:
                    tls = _tls_context(backend, listener)
                except Exception as error:  # the API call stands, as on AWS; the listener just does not serve
                    LOG.error("listener %s not served: no usable certificate %s (%s); import the certificate and its "
                              "private key into ACM and give its ARN in Certificates", listener.arn,
                              listener.certificate, error)
                    return
            server = ListenerServer(self, listener.arn, listener.load_balancer_arn, listener.protocol,
                                    int(listener.port), tls)
            self._servers[listener.arn] = server
        server.start()
        LOG.info("listener %s (%s %s) serves on 127.0.0.1:%d", listener.arn, listener.protocol, listener.port,
                 server.local_port)

    def stop(self, listener_arn):
        with self._servers_lock:
            server = self._servers.pop(listener_arn, None)
        if server is not None:
            # Inline, so that the port is closed when DeleteListener returns: this waits for the accept loop only
            # (one poll interval), never for a connection, which may itself be waiting for moto's lock.
            server.stop()
            LOG.info("listener %s stopped", listener_arn)

    def _reconcile(self):
        """Serves marked listeners tagged after their creation; stops those deleted behind our back."""
        with self.context.lock:
            backend = _elbv2()
            live = {}
            for balancer in backend.load_balancers.values():
                if _marked(backend, balancer.arn):
                    live.update(balancer.listeners)
            for listener in live.values():
                if listener.arn not in self._servers:
                    self.serve(backend, listener)
        for arn in [arn for arn in list(self._servers) if arn not in live]:
            self.stop(arn)

    def listeners_endpoint(self, environ, start_response):
        self._reconcile()
        with self._servers_lock:
            body = [{"listenerArn": s.listener_arn, "loadBalancerArn": s.load_balancer_arn, "protocol": s.protocol,
                     "port": s.port, "localPort": s.local_port} for s in self._servers.values()]
        return common.json_response(start_response, "200 OK", body)

    # -- routing: one read of moto's state per request ----------------------------------------------------------

    def route(self, listener_arn, host, path, method, headers):
        """What the listener does with a request: ("fixed", status, content_type, body), ("redirect", config),
        ("forward", target or None, target_group_dimension), or ("gone",) when the listener no longer exists."""
        with self.context.lock:
            backend = _elbv2()
            listener = None
            for balancer in backend.load_balancers.values():
                listener = balancer.listeners.get(listener_arn)
                if listener is not None:
                    break
            if listener is None:
                return ("gone",)
            rules = sorted((r for r in listener.rules.values() if not r.is_default), key=lambda r: int(r.priority))
            actions = listener.default_actions
            for rule in rules:
                if all(_condition_matches(c, host, path, method, headers) for c in rule.conditions):
                    actions = rule.actions
                    break
            action = _terminal(actions)
            if action is None:
                return ("fixed", 503, "text/html", _error_page(503))
            data = action.data
            if action.type == "fixed-response":
                config = data.get("FixedResponseConfig", {})
                return ("fixed", int(config.get("StatusCode", 200)), config.get("ContentType", "text/plain"),
                        (config.get("MessageBody") or "").encode())
            if action.type == "redirect":
                return ("redirect", dict(data.get("RedirectConfig", {})))
            if action.type != "forward":
                return ("fixed", 502, "text/html", _error_page(502))
            group_arn = _pick_target_group(data)
            group = backend.target_groups.get(group_arn)
            if group is None or group.target_type == "lambda":
                # Lambda targets are not invoked here: the waker is exercised through its handler's own tests.
                return ("fixed", 502, "text/html", _error_page(502))
            targets = sorted((t["Id"], int(t.get("Port") or group.port)) for t in group.targets.values())
            if not targets:
                return ("forward", None, _dimension(group_arn, "targetgroup/"))
            turn = self._round_robin.setdefault(group_arn, itertools.count())
            return ("forward", targets[next(turn) % len(targets)], _dimension(group_arn, "targetgroup/"))

    def count_request(self, load_balancer_arn, target_group):
        """RequestCount, as ALB publishes it: per load balancer, and per target group when forwarded."""
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)  # moto keeps naive UTC
        balancer = {"Name": "LoadBalancer", "Value": _dimension(load_balancer_arn, "app/")}
        data = [{"MetricName": "RequestCount", "Value": 1.0, "Unit": "Count", "Timestamp": now, "Dimensions": [balancer]}]
        if target_group is not None:
            data.append({"MetricName": "RequestCount", "Value": 1.0, "Unit": "Count", "Timestamp": now,
                         "Dimensions": [{"Name": "TargetGroup", "Value": target_group}, balancer]})
        with self.context.lock:
            common.backend("cloudwatch").put_metric_data("AWS/ApplicationELB", data)


def _dimension(arn, marker):
    at = arn.find(marker)
    return arn if at < 0 else arn[at:]


def _terminal(actions):
    ordered = sorted(actions, key=lambda a: int(a.data.get("Order") or 0))
    for action in ordered:
        if action.type in ("forward", "fixed-response", "redirect"):
            return action
    return ordered[-1] if ordered else None


def _pick_target_group(data):
    if data.get("TargetGroupArn"):
        return data["TargetGroupArn"]
    groups = data.get("ForwardConfig", {}).get("TargetGroups", [])
    weights = [int(g.get("Weight", 1)) for g in groups]
    if not groups or sum(weights) == 0:
        return None
    return random.choices(groups, weights)[0]["TargetGroupArn"]


def _wildcard(pattern, flags=0):
    return re.compile(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."), flags | re.DOTALL)


def _values(condition, config_key):
    return (condition.get(config_key) or {}).get("Values") or condition.get("Values") or []


def _condition_matches(condition, host, path, method, headers):
    field = condition.get("Field")
    if field == "host-header":
        return any(_wildcard(v, re.IGNORECASE).fullmatch(host) for v in _values(condition, "HostHeaderConfig"))
    if field == "path-pattern":
        return any(_wildcard(v).fullmatch(path) for v in _values(condition, "PathPatternConfig"))
    if field == "http-request-method":
        return method in _values(condition, "HttpRequestMethodConfig")
    if field == "http-header":
        config = condition.get("HttpHeaderConfig") or {}
        present = [value for name, value in headers if name.lower() == str(config.get("HttpHeaderName", "")).lower()]
        return any(_wildcard(v, re.IGNORECASE).fullmatch(p) for v in config.get("Values") or [] for p in present)
    LOG.warning("condition %s is not emulated; the rule does not match", field)
    return False


def _tls_context(backend, listener):
    """A server TLS context on the listener's default certificate, read from moto's ACM (call holding the lock)."""
    if not listener.certificate:
        raise ValueError("HTTPS listener " + listener.arn + " has no certificate; pass Certificates=[{CertificateArn}]")
    from moto.acm.models import AWS_ROOT_CA

    bundle = common.backend("acm", backend.account_id, backend.region_name).get_certificate(listener.certificate)
    chain = bundle.chain.replace(AWS_ROOT_CA, b"").strip()  # moto appends its own root to every chain
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.minimum_version = ssl.TLSVersion.TLSv1_2
    tls.set_alpn_protocols(["http/1.1"])
    with tempfile.TemporaryDirectory() as directory:
        cert_file, key_file = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
        with open(cert_file, "wb") as out:
            out.write(bundle.cert.strip() + b"\n" + (chain + b"\n" if chain else b""))
        with open(key_file, "wb") as out:
            out.write(bundle.key)
        tls.load_cert_chain(cert_file, key_file)
    return tls


def _error_page(status):
    line = f"{status} {REASONS[status]}"
    return (f"<html>\r\n<head><title>{line}</title></head>\r\n<body>\r\n<center><h1>{line}</h1></center>\r\n"
            f"</body>\r\n</html>\r\n").encode()


class ListenerServer(socketserver.ThreadingTCPServer):
    """One listener on 127.0.0.1:<ephemeral port>, a thread per connection."""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, plane, listener_arn, load_balancer_arn, protocol, port, tls):
        super().__init__(("127.0.0.1", 0), ConnectionHandler)
        self.plane = plane
        self.listener_arn = listener_arn
        self.load_balancer_arn = load_balancer_arn
        self.protocol = protocol
        self.port = port
        self.tls = tls
        self.local_port = self.server_address[1]
        self._connections = set()
        self._connections_lock = threading.Lock()

    def start(self):
        threading.Thread(target=self.serve_forever, args=(0.1,), name="elbv2-" + str(self.local_port), daemon=True).start()

    def stop(self):
        self.shutdown()
        self.server_close()
        with self._connections_lock:
            open_connections = list(self._connections)
        for connection in open_connections:  # a deleted listener drops its connections
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def track(self, connection, opened):
        with self._connections_lock:
            (self._connections.add if opened else self._connections.discard)(connection)


class ConnectionHandler(socketserver.StreamRequestHandler):
    """One client connection: requests in turn (keep-alive), each routed by its own Host header."""
    timeout = IDLE_TIMEOUT

    def setup(self):
        if self.server.tls is not None:  # the handshake itself happens in handle, where its failure is handled
            self.request.settimeout(IDLE_TIMEOUT)
            self.request = self.server.tls.wrap_socket(self.request, server_side=True, do_handshake_on_connect=False)
        self.server.track(self.request, True)
        super().setup()
        self.upstream = None  # (target, socket, reader): reused while requests go to the same target

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass  # the client is gone: nothing left to flush to
        finally:
            self._close_upstream()
            self.server.track(self.request, False)

    def handle(self):
        try:
            if self.server.tls is not None:
                self.request.do_handshake()
            while self._one_request():
                pass
        except (OSError, BadRequest, ValueError) as error:  # a peer went away, failed TLS or broke HTTP mid-body
            LOG.debug("connection from %s ended: %s", self.client_address, error)

    def _one_request(self):
        """Serves one request; returns whether the connection stays open."""
        try:
            head = _read_head(self.rfile)
        except BadRequest as bad:
            self._answer(400, "text/html", _error_page(400), keep_alive=False)
            LOG.debug("bad request from %s: %s", self.client_address, bad)
            return False
        if head is None:
            return False
        start, headers = head
        parts = start.split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            self._answer(400, "text/html", _error_page(400), keep_alive=False)
            return False
        method, target, version = parts
        host = (_header(headers, "host") or "").strip()
        if not host and version == "HTTP/1.1":
            self._answer(400, "text/html", _error_page(400), keep_alive=False)
            return False
        hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        path, _, query = target.partition("?")
        keep_alive = _keep_alive(version, headers)
        decision = self.server.plane.route(self.server.listener_arn, hostname.lower(), path, method, headers)
        kind = decision[0]
        if kind == "gone":
            return False
        if kind == "forward":
            _, target_address, group = decision
            self.server.plane.count_request(self.server.load_balancer_arn, group)
            if target_address is None:
                _drain_body(self.rfile, headers)
                return self._answer(503, "text/html", _error_page(503), keep_alive)
            return self._forward(target_address, method, target, headers, keep_alive)
        self.server.plane.count_request(self.server.load_balancer_arn, None)
        _drain_body(self.rfile, headers)
        if kind == "fixed":
            _, status, content_type, body = decision
            return self._answer(status, content_type, body if method != "HEAD" else b"", keep_alive,
                                length=len(body))
        location, status = _redirect_location(decision[1], self.server.protocol, self.server.port, hostname, path,
                                              query)
        return self._answer(status, None, b"", keep_alive, extra=[("Location", location)])

    def _answer(self, status, content_type, body, keep_alive, extra=(), length=None):
        lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}", "Server: awselb/2.0",
                 "Date: " + time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()),
                 f"Content-Length: {len(body) if length is None else length}",
                 "Connection: " + ("keep-alive" if keep_alive else "close")]
        if content_type:
            lines.append("Content-Type: " + content_type)
        lines += [f"{name}: {value}" for name, value in extra]
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        return keep_alive

    def _forward(self, address, method, target, headers, keep_alive):
        upgrade = _header(headers, "upgrade") is not None and "upgrade" in _tokens(headers, "connection")
        try:
            sock, reader = self._connect(address)
        except OSError as refused:
            LOG.debug("target %s:%d refused: %s", address[0], address[1], refused)
            _drain_body(self.rfile, headers)
            return self._answer(502, "text/html", _error_page(502), keep_alive)
        forwarded = [(n, v) for n, v in headers if n.lower() not in HOP_BY_HOP and not n.lower().startswith("x-forwarded-")]
        client_ip = self.client_address[0]
        prior = _header(headers, "x-forwarded-for")
        forwarded += [("X-Forwarded-For", f"{prior}, {client_ip}" if prior else client_ip),
                      ("X-Forwarded-Proto", self.server.protocol.lower()),
                      ("X-Forwarded-Port", str(self.server.port))]
        if _header(headers, "x-amzn-trace-id") is None:
            forwarded.append(("X-Amzn-Trace-Id", f"Root=1-{int(time.time()):08x}-{random.getrandbits(96):024x}"))
        chunked = "chunked" in _tokens(headers, "transfer-encoding")
        if chunked:  # chunked framing wins over a Content-Length (RFC 9112 6.3): pass one framing only
            forwarded = [(n, v) for n, v in forwarded if n.lower() != "content-length"]
            forwarded.append(("Transfer-Encoding", "chunked"))
        if upgrade:
            forwarded += [("Connection", "Upgrade"), ("Upgrade", _header(headers, "upgrade"))]
        else:
            forwarded.append(("Connection", "keep-alive"))
        try:
            sock.sendall(_head_bytes(f"{method} {target} HTTP/1.1", forwarded))
            _relay_body(self.rfile, sock.sendall, headers, chunked)
            while True:
                head = _read_head(reader)
                if head is None:
                    raise ConnectionResetError("target closed before answering")
                status_line, response_headers = head
                status = int(status_line.split(" ", 2)[1])
                if status == 101 and upgrade:
                    self.wfile.write(_head_bytes(status_line, response_headers))
                    self._tunnel(sock, reader)
                    return False
                if 100 <= status < 200:  # interim (100 Continue): pass on, the final answer follows
                    self.wfile.write(_head_bytes(status_line, response_headers))
                    continue
                break
        except (OSError, BadRequest, ValueError, IndexError) as failed:
            LOG.debug("target %s:%d failed: %s", address[0], address[1], failed)
            self._close_upstream()
            return self._answer(502, "text/html", _error_page(502), keep_alive)
        return self._relay_response(method, status_line, response_headers, reader, keep_alive)

    def _relay_response(self, method, status_line, headers, reader, keep_alive):
        status = int(status_line.split(" ", 2)[1])
        chunked = "chunked" in _tokens(headers, "transfer-encoding")
        length = _header(headers, "content-length")
        no_body = method == "HEAD" or status in (204, 304)
        until_close = not no_body and not chunked and length is None
        keep_alive = keep_alive and not until_close
        upstream_reusable = "close" not in _tokens(headers, "connection") and not until_close
        out = [(n, v) for n, v in headers if n.lower() not in HOP_BY_HOP]
        if chunked and not no_body:
            out.append(("Transfer-Encoding", "chunked"))
        out.append(("Connection", "keep-alive" if keep_alive else "close"))
        self.wfile.write(_head_bytes(_http11(status_line), out))
        if not no_body:
            if until_close:
                while True:
                    data = reader.read1(65536)
                    if not data:
                        break
                    self.wfile.write(data)
            else:
                _relay_body(reader, self.wfile.write, headers, chunked)
        if not upstream_reusable:
            self._close_upstream()
        return keep_alive

    def _connect(self, address):
        if self.upstream is not None and self.upstream[0] == address and not _closed(self.upstream[1]):
            return self.upstream[1], self.upstream[2]
        self._close_upstream()
        sock = socket.create_connection(address, timeout=10)
        sock.settimeout(IDLE_TIMEOUT)
        self.upstream = (address, sock, sock.makefile("rb"))
        return sock, self.upstream[2]

    def _close_upstream(self):
        if self.upstream is not None:
            try:
                self.upstream[1].close()
            except OSError:
                pass
            self.upstream = None

    def _tunnel(self, sock, reader):
        """Bytes both ways until either side closes, or both are idle for the idle timeout."""
        client = self.request
        # First what the head readers already buffered, then straight from the sockets.
        for source_reader, source, sink in ((self.rfile, client, sock), (reader, sock, client)):
            buffered = _buffered(source_reader, source)
            if buffered:
                sink.sendall(buffered)
        while True:
            ready = [s for s in (client, sock) if isinstance(s, ssl.SSLSocket) and s.pending()]
            ready = ready or select.select([client, sock], [], [], IDLE_TIMEOUT)[0]
            if not ready:
                return
            for source, sink in ((client, sock), (sock, client)):
                if source in ready:
                    data = source.recv(65536)
                    if not data:
                        return
                    sink.sendall(data)


def _buffered(reader, sock):
    """What a reader holds or can read at once, without blocking (b"" for nothing, or at the end of the stream:
    the tunnel's next read from the socket tells which)."""
    data = b""
    timeout = sock.gettimeout()
    sock.settimeout(0)
    try:
        while True:
            try:
                more = reader.read1(65536)
            except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                more = None
            if not more:
                return data
            data += more
    finally:
        sock.settimeout(timeout)


def _closed(sock):
    """Whether an idle upstream connection was closed by the target (readable with nothing to read)."""
    try:
        readable = select.select([sock], [], [], 0)[0]
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def _read_head(reader):
    """The start line and headers [(name, value)] of a message, or None at a clean end of stream."""
    line = reader.readline(MAX_HEADER_LINE + 1)
    while line in (b"\r\n", b"\n"):  # tolerate blank lines between messages
        line = reader.readline(MAX_HEADER_LINE + 1)
    if not line:
        return None
    if len(line) > MAX_HEADER_LINE or not line.endswith(b"\n"):
        raise BadRequest("start line too long or cut")
    start = line.decode("latin-1").rstrip("\r\n")
    headers = []
    while True:
        line = reader.readline(MAX_HEADER_LINE + 1)
        if not line.endswith(b"\n") or len(headers) > MAX_HEADERS:
            raise BadRequest("header too long, cut or too many")
        if line in (b"\r\n", b"\n"):
            return start, headers
        name, colon, value = line.decode("latin-1").partition(":")
        if not colon or not name or name != name.strip():
            raise BadRequest("malformed header line " + repr(line[:80]))
        headers.append((name, value.strip()))


def _head_bytes(start, headers):
    return (start + "\r\n" + "".join(f"{n}: {v}\r\n" for n, v in headers) + "\r\n").encode("latin-1")


def _http11(status_line):
    return "HTTP/1.1 " + status_line.split(" ", 1)[1] if status_line.startswith("HTTP/1.0 ") else status_line


def _header(headers, name):
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _tokens(headers, name):
    return {t.strip().lower() for key, value in headers if key.lower() == name for t in value.split(",")}


def _keep_alive(version, headers):
    connection = _tokens(headers, "connection")
    if "close" in connection:
        return False
    return version == "HTTP/1.1" or "keep-alive" in connection


def _relay_body(reader, write, headers, chunked):
    """Copies a message body framed by chunked encoding (verbatim, chunk by chunk) or Content-Length."""
    if chunked:
        while True:
            size_line = reader.readline(MAX_HEADER_LINE + 1)
            if not size_line.endswith(b"\n"):
                raise BadRequest("chunk size line cut")
            write(size_line)
            size = int(size_line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                while True:  # trailers, up to the empty line
                    trailer = reader.readline(MAX_HEADER_LINE + 1)
                    if not trailer.endswith(b"\n"):
                        raise BadRequest("trailer cut")
                    write(trailer)
                    if trailer in (b"\r\n", b"\n"):
                        return
            _copy(reader, write, size + 2)  # the data and its CRLF
        return
    length = _header(headers, "content-length")
    if length:
        if not length.isdigit():
            raise BadRequest("Content-Length " + length)
        _copy(reader, write, int(length))


def _drain_body(reader, headers):
    _relay_body(reader, lambda data: None, headers, "chunked" in _tokens(headers, "transfer-encoding"))


def _copy(reader, write, count):
    while count > 0:
        data = reader.read1(min(count, 65536))
        if not data:
            raise ConnectionResetError("stream ended inside a body")
        write(data)
        count -= len(data)


def _redirect_location(config, protocol, port, host, path, query):
    """ALB's redirect: each part defaults to the request's (#{protocol}, #{host}, #{port}, /#{path}, #{query})."""
    values = {"protocol": protocol.lower(), "host": host, "port": str(port), "path": path.lstrip("/"), "query": query}

    def fill(key, default):
        text = config.get(key) or default
        for name, value in values.items():
            text = text.replace("#{" + name + "}", value)
        return text

    scheme = fill("Protocol", "#{protocol}").lower()
    target_port = fill("Port", "#{port}")
    target_query = fill("Query", "#{query}")
    default_port = {"http": "80", "https": "443"}.get(scheme)
    location = f"{scheme}://{fill('Host', '#{host}')}" + ("" if target_port == default_port else ":" + target_port)
    location += fill("Path", "/#{path}") + ("?" + target_query if target_query else "")
    status = 301 if config.get("StatusCode", "HTTP_301") == "HTTP_301" else 302
    return location, status
