"""Berth activity sidecar.

Runs beside a pod's container in the same ECS task (awsvpc: one network namespace), and every
BERTH_INTERVAL_SECONDS (default 30) publishes to CloudWatch the number of ESTABLISHED TCP
connections whose local port is one of the pod's ports. WebSockets and other long streams send
no ALB requests, so this metric is what keeps such pods from being reaped.

Environment:
  BERTH_METRIC_NAMESPACE  CloudWatch namespace (default Berth/Pods)
  BERTH_POD_ID            value of the PodId dimension (required)
  BERTH_PORTS             comma-separated pod ports; empty = every local port
  BERTH_INTERVAL_SECONDS  publish period (default 30)
  BERTH_PROC_NET          directory holding tcp/tcp6 (default /proc/net; for tests)

Metric: EstablishedConnections (Count), dimension PodId=<BERTH_POD_ID>.
`python3 activity.py --once --dry-run` prints the count once and publishes nothing.

Readiness (`python3 activity.py --await-ports`, the task's non-essential `ready` container): waits until every
port in BERTH_PORTS accepts a TCP connection on 127.0.0.1 (the task's network namespace) and exits 0, or after
BERTH_READINESS_SECONDS (default 300) prints one line naming the ports that never answered and exits 3. The
container's exit changes the task, and so sends an "ECS Task State Change" event: that is how Berth learns that a
pod is ready, or that it never will be.
"""
import os
import socket
import sys
import time

ESTABLISHED = "01"
METRIC_NAME = "EstablishedConnections"


def parse_ports(text):
    ports = set()
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 0 < int(part) < 65536:
            raise ValueError("BERTH_PORTS has '%s'; give TCP ports 1-65535, comma-separated" % part)
        ports.add(int(part))
    return ports


def count_established(proc_net, ports):
    """Counts ESTABLISHED sockets in proc_net/tcp and tcp6 whose local port is in ports (all if empty)."""
    count = 0
    for name in ("tcp", "tcp6"):
        path = os.path.join(proc_net, name)
        try:
            with open(path) as table:
                next(table, None)  # header line
                for line in table:
                    fields = line.split()
                    if len(fields) < 4 or fields[3] != ESTABLISHED:
                        continue
                    local_port = int(fields[1].rsplit(":", 1)[1], 16)
                    if not ports or local_port in ports:
                        count += 1
        except FileNotFoundError:
            continue  # no IPv6 in this namespace
    return count


NOT_READY_EXIT = 3


def accepts(port, host="127.0.0.1"):
    """Whether something accepts a TCP connection on host:port now."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def await_ports(ports, timeout_seconds, interval=0.2):
    """Waits until every port accepts a connection; returns the ports that still did not at the deadline."""
    deadline = time.monotonic() + timeout_seconds
    waiting = sorted(ports)
    while True:
        waiting = [port for port in waiting if not accepts(port)]
        if not waiting or time.monotonic() >= deadline:
            return waiting
        time.sleep(interval)


def parse_seconds(text):
    text = (text or "").strip() or "300"
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1
    if seconds <= 0:
        raise ValueError("BERTH_READINESS_SECONDS has '%s'; give a positive number of seconds" % text)
    return seconds


def readiness(env):
    """The --await-ports mode: 0 when every port answers, NOT_READY_EXIT (one line naming the others) if not in time."""
    ports = parse_ports(env.get("BERTH_PORTS", ""))
    seconds = parse_seconds(env.get("BERTH_READINESS_SECONDS"))
    never = await_ports(ports, seconds)
    shown = ("%g" % seconds)
    if never:
        names = ", ".join(str(port) for port in never)
        print("%s %s did not accept a connection within %s s" % ("port" if len(never) == 1 else "ports", names, shown),
              flush=True)
        return NOT_READY_EXIT
    print("ready: %s" % (", ".join(str(port) for port in sorted(ports)) or "no ports"), flush=True)
    return 0


def main(argv):
    if "--await-ports" in argv:
        try:
            return readiness(os.environ)
        except ValueError as error:
            print(error, flush=True)
            return 2
    once = "--once" in argv
    dry_run = "--dry-run" in argv
    namespace = os.environ.get("BERTH_METRIC_NAMESPACE") or "Berth/Pods"
    pod_id = os.environ.get("BERTH_POD_ID", "")
    ports = parse_ports(os.environ.get("BERTH_PORTS", ""))
    interval = int(os.environ.get("BERTH_INTERVAL_SECONDS") or "30")
    proc_net = os.environ.get("BERTH_PROC_NET") or "/proc/net"
    if not pod_id and not dry_run:
        print("BERTH_POD_ID is not set; the task definition must pass the pod id", file=sys.stderr)
        return 2

    cloudwatch = None
    if not dry_run:
        import boto3  # only needed when publishing

        cloudwatch = boto3.client("cloudwatch")

    while True:
        count = count_established(proc_net, ports)
        if dry_run:
            print(count, flush=True)
        else:
            try:
                cloudwatch.put_metric_data(
                    Namespace=namespace,
                    MetricData=[{
                        "MetricName": METRIC_NAME,
                        "Dimensions": [{"Name": "PodId", "Value": pod_id}],
                        "Value": count,
                        "Unit": "Count",
                    }],
                )
            except Exception as error:  # keep publishing; one failed call must not stop the sidecar
                print("put_metric_data failed: %s" % error, file=sys.stderr, flush=True)
        if once:
            return 0
        time.sleep(interval)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
