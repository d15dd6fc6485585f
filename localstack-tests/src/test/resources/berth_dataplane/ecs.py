"""ECS's data plane: the containers of tasks in marked clusters, run on the local Docker engine as Fargate would.

For a cluster tagged ``berth:dataplane=docker``, RunTask still records the task in moto and then, on a thread per
task, does what Fargate does behind it:

- a holder container (``berth/busybox:latest``, like Fargate's pause container) owns the task's network namespace;
  every container of the task definition joins it (``network_mode=container:<holder>``), as in ``awsvpc`` mode, and
  the namespace's address on the Docker bridge is the task's ``privateIPv4Address``;
- each container runs its image with the definition's entry point, command and environment, the RunTask container
  overrides (command, environment) merged over them, and the task's memory and CPU as limits; nothing is pulled: a
  missing image stops the task with ``CannotPullContainerError`` (stopCode ``TaskFailedToStart``), and a program that
  cannot start gives the container the reason ``CannotStartContainerError: <docker's message>``;
- the task goes PROVISIONING → PENDING → RUNNING (every container started) → DEACTIVATING → STOPPED, with
  ``version`` incremented on every change and an "ECS Task State Change" event sent to EventBridge for each change
  of the task or of a running container (while a task stops, its container records change with its STOPPED event);
- an essential container's exit stops the others (stopCode ``EssentialContainerExited``); a non-essential one's exit
  only changes its container record; StopTask stops the containers (stopCode ``UserInitiated``);
- ``awslogs`` output goes to CloudWatch Logs (``<prefix>/<container>/<task id>``) while the container runs;
- containers of task definitions with a task role get ``AWS_ENDPOINT_URL`` (moto, served on the bridge gateway) and
  fake credentials in place of the role's.

Containers carry the label ``dev.berth.dataplane=ecs`` and are removed when their task stops. Leftovers of an
earlier run are removed at install, but not the containers of another data plane running now on the same engine
(parallel builds share it): each container names its owner (``dev.berth.ecs.owner``: where that data plane's moto
serves and a run id), and only containers whose owner no longer answers with that id are removed. Every change to
moto's state holds ``context.lock``.
"""
import datetime
import io
import logging
import threading
import urllib.parse
import urllib.request
import uuid

import docker
from werkzeug.serving import make_server

from . import common

LOG = logging.getLogger("berth.dataplane.ecs")
LABEL = "dev.berth.dataplane"
PART = "ecs"
TASK_LABEL = "dev.berth.ecs.task"
CONTAINER_LABEL = "dev.berth.ecs.container"
OWNER_LABEL = "dev.berth.ecs.owner"
OWNER_ROUTE = "/_berth/ecs/owner"
HOLDER_IMAGE = "berth/busybox:latest"
STOP_TIMEOUT_SECONDS = 2


def install(context):
    from moto.ecs.models import EC2ContainerServiceBackend

    client = context.docker()
    run_id = uuid.uuid4().hex
    context.add_route(OWNER_ROUTE, lambda environ, start_response: common.json_response(start_response, "200 OK", run_id))
    gateway = _serve_on_bridge(context, client)
    owner = "%s %s" % (gateway or "%s:%d" % (context.server_host, context.server_port), run_id)
    _remove_leftovers(client, owner)
    plane = DataPlane(context, gateway, owner)

    original_run = EC2ContainerServiceBackend.run_task
    original_stop = EC2ContainerServiceBackend.stop_task

    def run_task(self, cluster_str, task_definition_str, count, overrides, started_by, tags, launch_type,
                 networking_configuration=None, group=None, platform_version=None):
        tasks = original_run(self, cluster_str, task_definition_str, count, overrides, started_by, tags, launch_type,
                             networking_configuration, group, platform_version)
        cluster = self._get_cluster(cluster_str)
        if common.marked(getattr(cluster, "tags", None)):
            definition = self.describe_task_definition(task_definition_str)
            for task in tasks:
                plane.run(self, task, definition)
        return tasks

    def stop_task(self, cluster_str, task_str, reason):
        run = plane.find(task_str)
        if run is None:
            return original_stop(self, cluster_str, task_str, reason)
        run.stop_requested(reason or "")
        return run.task

    EC2ContainerServiceBackend.run_task = run_task
    EC2ContainerServiceBackend.stop_task = stop_task


def _remove_leftovers(client, own):
    """Removes the containers of data planes that no longer run; leaves those of one running now."""
    alive = {own: True}
    for container in client.containers.list(all=True, filters={"label": LABEL + "=" + PART}):
        owner = container.labels.get(OWNER_LABEL)
        if owner is None:
            if container.status == "running":
                # Labelled by a data plane that names no owner: it may be running now, so leave it.
                LOG.info("leaving running container %s: it names no owner", container.name)
                continue
        else:
            if owner not in alive:
                alive[owner] = _answers(owner)
            if alive[owner]:
                continue
        try:
            container.remove(force=True)
        except docker.errors.APIError as error:
            LOG.warning("could not remove leftover container %s: %s", container.name, error)


def _answers(owner):
    """Whether the data plane named by owner ('host:port run-id') still serves, as that run."""
    address, _, run_id = owner.partition(" ")
    try:
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through an HTTP proxy
        with direct.open("http://%s%s" % (address, OWNER_ROUTE), timeout=2) as response:
            return response.read().decode() == '"%s"' % run_id
    except (OSError, ValueError):
        return False


def _serve_on_bridge(context, client):
    """Serves moto on the Docker bridge's gateway address (for containers); returns 'host:port' or None."""
    try:
        gateway = client.networks.get("bridge").attrs["IPAM"]["Config"][0]["Gateway"]
    except (docker.errors.DockerException, KeyError, IndexError) as error:
        LOG.warning("no Docker bridge gateway, containers cannot reach moto: %s", error)
        return None

    def app(environ, start_response):
        # Logs each container's call by operation (the access log shows only "POST /"), so moto.log tells what a
        # task's code asked and whether moto understood the protocol it spoke.
        length = environ.get("CONTENT_LENGTH") or ""
        body = environ["wsgi.input"].read(int(length)) if length.isdigit() else b""
        environ["wsgi.input"] = io.BytesIO(body)
        operation = _operation(environ, body)

        def logged(status, headers, exc_info=None):
            LOG.info("container %s called %s: %s", environ.get("REMOTE_ADDR"), operation, status)
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        return context.server_app(environ, logged)

    server = make_server(gateway, 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, name="ecs-bridge-server", daemon=True).start()
    LOG.info("moto served to containers at http://%s:%d", gateway, server.server_port)
    return "%s:%d" % (gateway, server.server_port)


def _operation(environ, body):
    """The AWS operation of a request: the query protocol's Action, the JSON protocols' X-Amz-Target, the RPC v2
    path's operation, or the method and path."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target
    path = environ.get("PATH_INFO", "")
    if "/operation/" in path:
        return path.split("/service/", 1)[-1].replace("/operation/", ".") + " (" + (environ.get("CONTENT_TYPE") or "") + ")"
    if (environ.get("CONTENT_TYPE") or "").startswith("application/x-www-form-urlencoded"):
        action = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action")
        if action:
            return action[0] + " (query)"
    return environ.get("REQUEST_METHOD", "") + " " + path


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def _iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


class ContainerRecord:
    """A task's container as DescribeTasks shows it (moto's serializer reads these attributes)."""

    def __init__(self, task, definition):
        self.containerArn = "%s/%s" % (task.task_arn, uuid.uuid4())
        self.taskArn = task.task_arn
        self.name = definition["name"]
        self.image = definition.get("image")
        self.lastStatus = "PENDING"
        self.exitCode = None
        self.reason = None
        self.runtimeId = None
        self.networkInterfaces = []
        self.healthStatus = "UNKNOWN"
        self.cpu = str(definition.get("cpu", 0))
        self.memoryReservation = None if definition.get("memoryReservation") is None else str(definition["memoryReservation"])
        self.memory = None if definition.get("memory") is None else str(definition["memory"])

    def event(self):
        shape = {
            "containerArn": self.containerArn,
            "lastStatus": self.lastStatus,
            "name": self.name,
            "image": self.image,
            "taskArn": self.taskArn,
            "networkInterfaces": self.networkInterfaces,
            "cpu": self.cpu,
        }
        for key in ("runtimeId", "memoryReservation", "memory", "exitCode", "reason"):
            value = getattr(self, key)
            if value is not None:
                shape[key] = value
        return shape


class DataPlane:
    """The task runs in marked clusters, by task ARN."""

    def __init__(self, context, gateway, owner):
        self.context = context
        self.gateway = gateway
        self.owner = owner
        self.runs = {}
        self.runs_lock = threading.Lock()

    def run(self, backend, task, definition):
        """Called inside RunTask (the lock is held): records the task as PROVISIONING and starts its run."""
        run = TaskRun(self, backend, task, definition)
        with self.runs_lock:
            self.runs[task.task_arn] = run
        run.provisioning()
        threading.Thread(target=run.start, name="ecs-" + task.id[:8], daemon=True).start()

    def find(self, task_str):
        task_id = task_str.split("/")[-1]
        with self.runs_lock:
            for arn, run in self.runs.items():
                if arn.split("/")[-1] == task_id:
                    return run
        return None


class TaskRun:
    """One task's containers and its state in moto."""

    def __init__(self, plane, backend, task, definition):
        self.plane = plane
        self.context = plane.context
        self.backend = backend
        self.task = task
        self.definition = definition
        self.docker = plane.context.docker()
        self.holder = None
        self.containers = {}  # name -> docker container
        self.watchers = []
        self.stopping = threading.Event()
        self.stopped = False
        # Held while containers start and while they stop, so that a stop never misses a container being started.
        # Taken before context.lock, never while holding it.
        self.state_lock = threading.RLock()

    # ---- state (every method named _locked_* runs holding context.lock) ----

    def provisioning(self):
        task = self.task
        task.advance = lambda: None  # the data plane, not describe calls, moves this task
        task.last_status = "PROVISIONING"
        task.desired_status = "RUNNING"
        task.version = 1
        task.created_at = _now()
        task.updated_at = task.created_at
        task.connectivity = None
        task.stop_code = None
        task.platform_version = task.platform_version or "1.4.0"
        task.availability_zone = "us-east-1a"
        task.cpu = self.definition.cpu
        task.memory = self.definition.memory
        task.containers = [ContainerRecord(task, d) for d in self.definition.container_definitions]
        self._locked_changed()

    def _locked_changed(self, event=True):
        task = self.task
        task.version = getattr(task, "version", 0) + 1
        task.updated_at = _now()
        if event:
            common.put_event("aws.ecs", "ECS Task State Change", self._detail(), [task.task_arn])

    def _record(self, name):
        return next(c for c in self.task.containers if c.name == name)

    def _detail(self):
        task = self.task
        detail = {
            "attachments": [{"id": a["id"], "type": "eni", "status": a["status"], "details": a["details"]}
                            for a in task.attachments],
            "attributes": [{"name": "ecs.cpu-architecture", "value": "x86_64"}],
            "availabilityZone": task.availability_zone,
            "clusterArn": task.cluster_arn,
            "containers": [c.event() for c in task.containers],
            "createdAt": _iso(task.created_at),
            "launchType": task.launch_type or "FARGATE",
            "cpu": task.cpu,
            "memory": task.memory,
            "desiredStatus": task.desired_status,
            "group": task.group,
            "lastStatus": task.last_status,
            "overrides": task.overrides or {"containerOverrides": []},
            "platformVersion": task.platform_version,
            "taskArn": task.task_arn,
            "taskDefinitionArn": task.task_definition_arn,
            "updatedAt": _iso(task.updated_at),
            "version": task.version,
        }
        if task.started_by:
            detail["startedBy"] = task.started_by
        for attr, key in (("connectivity", "connectivity"), ("connectivity_at", "connectivityAt"),
                          ("pull_started_at", "pullStartedAt"), ("pull_stopped_at", "pullStoppedAt"),
                          ("started_at", "startedAt"), ("stopping_at", "stoppingAt"),
                          ("execution_stopped_at", "executionStoppedAt"), ("stopped_at", "stoppedAt"),
                          ("stop_code", "stopCode"), ("stopped_reason", "stoppedReason")):
            value = getattr(task, attr, None)
            if value:
                detail[key] = _iso(value) if isinstance(value, datetime.datetime) else value
        return detail

    # ---- the run ----

    def start(self):
        try:
            with self.state_lock:
                self._start()
        except Exception as error:  # the task must not hang in PENDING because the data plane failed
            LOG.exception("task %s could not be run", self.task.task_arn)
            self._stop("TaskFailedToStart", "Data plane error: %s" % error)

    def _start(self):
        with self.context.lock:
            self.task.last_status = "PENDING"
            self.task.pull_started_at = _now()
            self._locked_changed()
        for definition in self.definition.container_definitions:
            image = definition.get("image")
            try:
                self.docker.images.get(image)
            except docker.errors.ImageNotFound:
                reason = ("CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve "
                          "ref %s: not found (the data plane never pulls; build or tag the image locally)" % image)
                with self.context.lock:
                    self._record(definition["name"]).reason = reason
                self._stop("TaskFailedToStart", reason)
                return
        with self.context.lock:
            self.task.pull_stopped_at = _now()
            self._locked_changed(event=False)
        if self.stopping.is_set():
            self._stop(None, None)
            return

        self.holder = self.docker.containers.run(
            HOLDER_IMAGE, ["sh", "-c", "trap 'exit 0' TERM; sleep 2147483647 & wait"], detach=True,
            labels=self._labels("~holder"), name="berth-ecs-%s-holder" % self.task.id[:12])
        self.holder.reload()
        ip = self.holder.attrs["NetworkSettings"]["IPAddress"] or next(
            iter(self.holder.attrs["NetworkSettings"]["Networks"].values()))["IPAddress"]

        with self.context.lock:
            for attachment in self.task.attachments:
                for detail in attachment["details"]:
                    if detail["name"] == "privateIPv4Address":
                        detail["value"] = ip
            for record in self.task.containers:
                record.networkInterfaces = [{"attachmentId": a["id"], "privateIpv4Address": ip}
                                            for a in self.task.attachments]

        for definition in self.definition.container_definitions:
            if self.stopping.is_set():
                break
            name = definition["name"]
            try:
                container = self.docker.containers.create(**self._container_config(definition))
            except docker.errors.APIError as error:
                self._failed_to_start(definition, "CannotCreateContainerError: %s" % _message(error))
                return
            self.containers[name] = container
            try:
                container.start()
            except docker.errors.APIError as error:
                self._failed_to_start(definition, "CannotStartContainerError: %s" % _message(error))
                if definition.get("essential", True):
                    return
                continue
            with self.context.lock:
                record = self._record(name)
                record.runtimeId = container.id
                record.lastStatus = "RUNNING"
                self._locked_changed(event=False)

        if self.stopping.is_set():
            self._stop(None, None)
            return
        with self.context.lock:
            if self.task.desired_status == "RUNNING":
                now = _now()
                self.task.last_status = "RUNNING"
                self.task.connectivity = "CONNECTED"
                self.task.connectivity_at = now
                self.task.started_at = now
                self._locked_changed()
        for name, container in self.containers.items():
            definition = next(d for d in self.definition.container_definitions if d["name"] == name)
            if self._record(name).lastStatus != "RUNNING":
                continue
            watcher = threading.Thread(target=self._watch, args=(definition, container),
                                       name="ecs-%s-%s" % (self.task.id[:8], name), daemon=True)
            self.watchers.append(watcher)
            watcher.start()

    def _failed_to_start(self, definition, reason):
        essential = definition.get("essential", True)
        with self.context.lock:
            record = self._record(definition["name"])
            record.reason = reason
            record.lastStatus = "STOPPED"
            self._locked_changed(event=not essential)
        if essential:
            self._stop("TaskFailedToStart", reason)

    def _labels(self, name):
        return {LABEL: PART, TASK_LABEL: self.task.task_arn, CONTAINER_LABEL: name, OWNER_LABEL: self.plane.owner}

    def _container_config(self, definition):
        name = definition["name"]
        override = next((o for o in (self.task.overrides or {}).get("containerOverrides", []) or []
                         if o.get("name") == name), {})
        environment = {e["name"]: e["value"] for e in definition.get("environment") or []}
        environment.update({e["name"]: e["value"] for e in override.get("environment") or []})
        if getattr(self.definition, "task_role_arn", None) and self.plane.gateway:
            # Stands in for the task role's credentials: containers call moto.
            environment.update({
                "AWS_ENDPOINT_URL": "http://" + self.plane.gateway,
                "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_REGION": common.REGION, "AWS_DEFAULT_REGION": common.REGION,
            })
        config = {
            "image": definition["image"],
            "name": "berth-ecs-%s-%s" % (self.task.id[:12], name),
            "environment": environment,
            "labels": self._labels(name),
            "network_mode": "container:" + self.holder.id,
            "detach": True,
        }
        command = override.get("command") or definition.get("command")
        if command:
            config["command"] = list(command)
        if definition.get("entryPoint"):
            config["entrypoint"] = list(definition["entryPoint"])
        memory = definition.get("memory") or self.definition.memory
        if memory:
            config["mem_limit"] = "%dm" % int(memory)
        if definition.get("memoryReservation"):
            config["mem_reservation"] = "%dm" % int(definition["memoryReservation"])
        if self.definition.cpu:
            config["nano_cpus"] = int(int(self.definition.cpu) * 1_000_000_000 // 1024)
        return config

    def _watch(self, definition, container):
        """Streams the container's output to CloudWatch Logs until it exits, then records the exit."""
        name = definition["name"]
        options = (definition.get("logConfiguration") or {}).get("options") or {}
        awslogs = (definition.get("logConfiguration") or {}).get("logDriver") == "awslogs" and options.get("awslogs-group")
        stream = "%s/%s/%s" % (options.get("awslogs-stream-prefix"), name, self.task.id) \
            if options.get("awslogs-stream-prefix") else self.task.id
        pending = b""
        try:
            for chunk in container.logs(stream=True, follow=True, stdout=True, stderr=True):
                pending += chunk
                if b"\n" not in pending:
                    continue
                *lines, pending = pending.split(b"\n")
                if awslogs:
                    with self.context.lock:
                        common.put_log_lines(options["awslogs-group"], stream,
                                             [line.decode("utf-8", "replace") for line in lines])
        except docker.errors.APIError as error:
            LOG.warning("logs of %s in task %s ended: %s", name, self.task.task_arn, error)
        if pending and awslogs:
            with self.context.lock:
                common.put_log_lines(options["awslogs-group"], stream, [pending.decode("utf-8", "replace")])
        try:
            exit_code = container.wait()["StatusCode"]
        except docker.errors.APIError:
            exit_code = None
        essential = definition.get("essential", True)
        with self.context.lock:
            record = self._record(name)
            record.lastStatus = "STOPPED"
            record.exitCode = exit_code
            if essential and not self.stopping.is_set():
                self._locked_begin_stop("EssentialContainerExited", "Essential container in task exited")
                begun = True
            else:
                # During a stop, the container records change with the task's last event (STOPPED).
                self._locked_changed(event=not self.stopping.is_set())
                begun = False
        if begun:
            # On another thread: the stop waits for this watcher to end.
            threading.Thread(target=self._stop, args=(None, None), name="ecs-stop-" + self.task.id[:8], daemon=True).start()

    def stop_requested(self, reason):
        """StopTask (the lock is held): desired STOPPED now, the containers stop on a thread."""
        if self.task.desired_status == "STOPPED":
            return
        self._locked_begin_stop("UserInitiated", reason)
        threading.Thread(target=self._stop, args=(None, None), name="ecs-stop-" + self.task.id[:8], daemon=True).start()

    def _locked_begin_stop(self, stop_code, reason):
        task = self.task
        self.stopping.set()
        task.desired_status = "STOPPED"
        task.stop_code = stop_code
        task.stopped_reason = reason
        task.stopping_at = _now()
        if task.last_status in ("RUNNING", "PENDING", "PROVISIONING", "ACTIVATING"):
            task.last_status = "DEACTIVATING"
        self._locked_changed()

    def _stop(self, stop_code, reason):
        """Stops the task's containers, records STOPPED and removes the containers. Once per task."""
        with self.state_lock:
            if self.stopped:
                return
            with self.context.lock:
                if not self.stopping.is_set():
                    self._locked_begin_stop(stop_code, reason)
            for container in list(self.containers.values()):
                try:
                    container.stop(timeout=STOP_TIMEOUT_SECONDS)
                except docker.errors.APIError:
                    pass
            current = threading.current_thread()
            for watcher in self.watchers:
                if watcher is not current:
                    watcher.join(30)
            with self.context.lock:
                now = _now()
                for record in self.task.containers:
                    if record.lastStatus != "STOPPED":
                        record.lastStatus = "STOPPED"
                self.task.last_status = "STOPPED"
                self.task.execution_stopped_at = now
                self.task.stopped_at = now
                self.task.connectivity = None
                self._locked_changed()
            self.stopped = True
        for container in list(self.containers.values()) + ([self.holder] if self.holder else []):
            try:
                container.remove(force=True)
            except docker.errors.APIError:
                pass


def _message(error):
    explanation = getattr(error, "explanation", None)
    if isinstance(explanation, bytes):
        explanation = explanation.decode("utf-8", "replace")
    return explanation or str(error)
