"""CodeBuild for marked projects: StartBuild runs the Berth stack's buildspec on the local Docker engine.

For a project created with the tag ``berth:dataplane=docker``, StartBuild does in a background thread what the
stack's project does (cdk ``ImagePipeline``; docs/aws-contract.md, "Image builds"):

- PRE_BUILD: checks ``IMAGE_ID`` (64 lowercase hex), reads ``s3://$CONTEXT_BUCKET/$CONTEXT_KEY`` (default
  ``contexts/$IMAGE_ID.tar.gz``) from moto's S3 and unpacks it (gzipped tar, ``Dockerfile`` at its root).
- BUILD: ``docker build --tag "$REPOSITORY_URI:$IMAGE_ID"`` with the classic builder, never pulling; every
  ``FROM`` image is mapped to a local base image through the mapping file the local platform uses
  (``$BERTH_HOME/base-images.properties``, default ``~/.berth``, written by ``scripts/base-images.sh``), as
  ``dev.berth.local.docker.BaseImages`` does, since no registry can be pulled from.
- POST_BUILD: the push: records the image in moto's ECR (PutImage with a manifest derived from the local image).
  On a failed build the buildspec's ``test "$CODEBUILD_BUILD_SUCCEEDING" = 1 && docker push ...`` fails too.

The build record (BatchGetBuilds) moves IN_PROGRESS -> SUCCEEDED / FAILED through real phases with their
contexts; the whole log (agent lines, docker's output, the error) goes to CloudWatch Logs (the project's
``logsConfig`` group, else ``/aws/codebuild/<project>``, created if missing; stream = the build's uuid);
"CodeBuild Build State Change" events (IN_PROGRESS, then the outcome) go to moto's default event bus.

Not done: StopBuild, timeouts, batch builds, source types other than the stack's (the source is never fetched),
buildspec overrides, caching, VPC config. Unmarked projects keep moto's plain behaviour.
"""
import datetime
import gzip
import io
import json
import logging
import os
import re
import tarfile
import threading
import time

from . import common

LOG = logging.getLogger("berth.dataplane.codebuild")
LABEL = "dev.berth.dataplane"
LABEL_VALUE = "codebuild"
MAPPING_FILE = "base-images.properties"
# Used when the mapping file lacks the name (scripts/base-images.sh --busybox-only always builds this one).
DEFAULT_MAPPING = {"busybox:latest": "berth/busybox:latest"}
FLUSH_SECONDS = 1.0
FROM = re.compile(r"(?i)^(\s*FROM\s+)((?:--\S+\s+)*)(\S+)(.*)$")
STAGE = re.compile(r"(?i)\s+AS\s+(\S+)\s*$")
IMAGE_ID = re.compile(r"[0-9a-f]{64}")

# The stack's buildspec (cdk ImagePipeline.buildSpec), as the agent logs and reports its commands.
CHECK_COMMAND = "case \"$IMAGE_ID\" in *[!0-9a-f]*|'') echo \"IMAGE_ID '$IMAGE_ID' must be 64 lowercase hex digits\"; exit 1;; esac"
COPY_COMMAND = "aws s3 cp \"s3://$CONTEXT_BUCKET/$CONTEXT_KEY\" /tmp/context.tar.gz"
UNPACK_COMMAND = "mkdir -p /tmp/context && tar -xzf /tmp/context.tar.gz -C /tmp/context"
BUILD_COMMAND = "docker build --tag \"$REPOSITORY_URI:$IMAGE_ID\" /tmp/context"
PUSH_COMMAND = "test \"$CODEBUILD_BUILD_SUCCEEDING\" = 1 && docker push \"$REPOSITORY_URI:$IMAGE_ID\""

# build id -> the build record moto stores (the same dict, changed in place under the lock)
_builds = {}


class CommandFailed(Exception):
    """A buildspec command exited non-zero: the phase fails with COMMAND_EXECUTION_ERROR."""

    def __init__(self, command, output=(), status=1):
        super().__init__(command)
        self.command = command
        self.output = list(output)
        self.status = status


def install(context):
    from moto.codebuild.models import CodeBuildBackend
    from moto.codebuild.responses import CodeBuildResponse

    original_start = CodeBuildResponse.start_build
    original_batch_get = CodeBuildBackend.batch_get_builds
    original_stop = CodeBuildBackend.stop_build

    def start_build(self):
        body = original_start(self)
        name = self._get_param("projectName")
        project = self.codebuild_backend.codebuild_projects.get(name)
        if project is None or not common.marked(project.tags):
            return body
        build_id = json.loads(body)["build"]["id"]
        record = next(b for b in self.codebuild_backend.build_metadata_history[name] if b["id"] == build_id)
        overrides = self._get_param("environmentVariablesOverride") or []
        build = Build(context, self.current_account, self.region, project, record, overrides)
        _builds[build_id] = record
        build.started()  # holding the server's lock: record and IN_PROGRESS event before the response
        threading.Thread(target=build.run, name="codebuild-" + build_id, daemon=True).start()
        return json.dumps({"build": record})

    def batch_get_builds(self, ids):
        # moto marks every described build SUCCEEDED; marked builds answer with their real record.
        plain = [i for i in ids if i not in _builds]
        found = {b["id"]: b for b in (original_batch_get(self, plain) if plain else [])}
        found.update({i: _builds[i] for i in ids if i in _builds})
        return [found[i] for i in ids if i in found]

    def stop_build(self, build_id):
        if build_id in _builds:
            raise NotImplementedError("Berth's CodeBuild data plane does not stop builds (" + build_id + ")")
        return original_stop(self, build_id)

    CodeBuildResponse.start_build = start_build
    CodeBuildBackend.batch_get_builds = batch_get_builds
    CodeBuildBackend.stop_build = stop_build


def _iso(moment):
    from moto.core.utils import iso_8601_datetime_with_milliseconds

    return iso_8601_datetime_with_milliseconds(moment)


def _event_time(iso):
    """ "2026-11-28T16:12:29.123Z" -> "Nov 28, 2026 4:12:29 PM", the events' format."""
    moment = datetime.datetime.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S")
    return moment.strftime("%b ") + str(moment.day) + moment.strftime(", %Y ") + str(int(moment.strftime("%I"))) \
        + moment.strftime(":%M:%S %p")


class Build:
    """One build of a marked project: its record, its log and the work, run on a thread of its own."""

    def __init__(self, context, account, region, project, record, overrides):
        self.context = context
        self.account = account
        self.region = region
        self.record = record
        meta = project.project_metadata
        self.project_name = meta["name"]
        env = [dict(v) for v in (meta.get("environment") or {}).get("environmentVariables") or []]
        for override in overrides:
            env = [v for v in env if v.get("name") != override.get("name")]
            env.append({"name": override.get("name"), "value": override.get("value", ""),
                        "type": override.get("type", "PLAINTEXT")})
        self.env = env
        uuid = record["id"].split(":", 1)[1]
        cloudwatch = (meta.get("logsConfig") or {}).get("cloudWatchLogs") or {}
        self.group = cloudwatch.get("groupName") or "/aws/codebuild/" + self.project_name
        self.stream = (cloudwatch.get("streamName") + "/" + uuid) if cloudwatch.get("streamName") else uuid
        environment = dict(meta.get("environment") or {})
        environment["environmentVariables"] = env
        link = "https://console.aws.amazon.com/cloudwatch/home?region={}#logEvent:group={};stream={}".format(
            region, self.group, self.stream)
        record.update({
            "source": meta.get("source") or {"type": "NO_SOURCE"},
            "environment": environment,
            "serviceRole": meta.get("serviceRole"),
            "timeoutInMinutes": meta.get("timeoutInMinutes") or 60,
            "initiator": "berth-dataplane",
            "logs": {
                "groupName": self.group,
                "streamName": self.stream,
                "deepLink": link,
                "cloudWatchLogsArn": "arn:aws:logs:{}:{}:log-group:{}:log-stream:{}".format(
                    region, account, self.group, self.stream),
                "cloudWatchLogs": {"status": "ENABLED", "groupName": self.group},
                "s3Logs": {"status": "DISABLED", "encryptionDisabled": False},
            },
        })
        record.pop("sourceVersion", None)
        self.pending = []
        self.last_flush = time.monotonic()

    def variable(self, name, default=""):
        for v in self.env:
            if v.get("name") == name:
                return v.get("value") or default
        return default

    # ---- record, log and events (the caller holds the lock where noted) -----------------------------------

    def started(self):
        """Holding the lock: the build is submitted and queued; IN_PROGRESS goes out, as CodeBuild sends it."""
        for phase in self.record["phases"]:
            if phase["phaseType"] == "QUEUED":
                phase["phaseStatus"] = "SUCCEEDED"
                phase["endTime"] = _iso(datetime.datetime.utcnow())
                phase["durationInSeconds"] = 0
                phase["contexts"] = []
        self.record["currentPhase"] = "PROVISIONING"
        self.record["phases"].append({"phaseType": "PROVISIONING", "startTime": _iso(datetime.datetime.utcnow())})
        self._event()

    def log(self, line):
        stamp = datetime.datetime.utcnow().strftime("%Y/%m/%d %H:%M:%S.%f")
        self.pending.append("[Container] " + stamp + " " + line)

    def output(self, text):
        """Command output, line by line."""
        for line in text.splitlines():
            self.pending.append(line)
        if time.monotonic() - self.last_flush > FLUSH_SECONDS:
            with self.context.lock:
                self._flush()

    def _flush(self):
        """Holding the lock: appends the pending lines to the build's log stream, creating the group if missing."""
        self.last_flush = time.monotonic()
        if not self.pending:
            return
        logs = common.backend("logs", self.account, self.region)
        if self.group not in logs.groups:
            logs.create_log_group(self.group, {})
        lines, self.pending = self.pending, []
        common.put_log_lines(self.group, self.stream, lines, self.account, self.region)

    def _phase(self):
        return self.record["phases"][-1]

    def _end_phase(self, status, contexts):
        """Holding the lock: closes the current phase."""
        now = datetime.datetime.utcnow()
        phase = self._phase()
        phase["phaseStatus"] = status
        phase["endTime"] = _iso(now)
        start = datetime.datetime.strptime(phase["startTime"][:19], "%Y-%m-%dT%H:%M:%S")
        phase["durationInSeconds"] = max(0, int((now - start).total_seconds()))
        phase["contexts"] = contexts

    def _enter(self, phase_type):
        """Holding the lock: starts the next phase."""
        self.record["currentPhase"] = phase_type
        self.record["phases"].append({"phaseType": phase_type, "startTime": _iso(datetime.datetime.utcnow())})

    def step(self, phase_type, work):
        """Runs a phase: enters it, does its work (outside the lock), closes it; returns its status."""
        with self.context.lock:
            self._enter(phase_type)
        self.log("Entering phase " + phase_type)
        status, contexts = "SUCCEEDED", [{"statusCode": "", "message": ""}]
        try:
            work()
        except CommandFailed as failed:
            self.pending.extend(failed.output)
            self.log("Command did not exit successfully {} exit status {}".format(failed.command, failed.status))
            message = "Error while executing command: {}. Reason: exit status {}".format(failed.command, failed.status)
            status, contexts = "FAILED", [{"statusCode": "COMMAND_EXECUTION_ERROR", "message": message}]
        except Exception as error:  # the data plane's own failure: reported as CodeBuild reports its faults
            LOG.exception("build %s: phase %s failed", self.record["id"], phase_type)
            status, contexts = "FAULT", [{"statusCode": "CLIENT_ERROR", "message": "Berth data plane: " + str(error)}]
            self.pending.append("Berth data plane: " + str(error))
        self.log("Phase complete: {} State: {}".format(phase_type, status))
        self.log("Phase context status code: {} Message: {}".format(contexts[0]["statusCode"], contexts[0]["message"]))
        with self.context.lock:
            self._flush()
            self._end_phase(status, contexts)
        return status

    # ---- the work ---------------------------------------------------------------------------------------

    def run(self):
        try:
            self._run()
        except Exception:  # never leave a build IN_PROGRESS for ever
            LOG.exception("build %s failed in the data plane", self.record["id"])
            with self.context.lock:
                self._finish("FAULT")

    def _run(self):
        self.log("Running on CodeBuild On-demand (Berth data plane: local Docker engine)")
        self.log("Waiting for agent ping")
        self.log("Waiting for DOWNLOAD_SOURCE")
        with self.context.lock:
            self._flush()
            self._end_phase("SUCCEEDED", [])
        statuses = {}
        context = {}

        def download_source():
            self.log("Phase is DOWNLOAD_SOURCE")
            self.log("CODEBUILD_SRC_DIR=/codebuild/output/src/src")
            self.log("Processing environment variables")

        def pre_build():
            self.run_command(CHECK_COMMAND, self.check_image_id)
            self.run_command("test ${#IMAGE_ID} -eq 64 || { echo \"IMAGE_ID '$IMAGE_ID' must be 64 lowercase hex digits\"; exit 1; }",
                             lambda: None)
            self.run_command("CONTEXT_KEY=\"${CONTEXT_KEY:-contexts/$IMAGE_ID.tar.gz}\"", lambda: None)
            self.run_command("aws ecr get-login-password --region \"$AWS_REGION\" | docker login --username AWS "
                             "--password-stdin \"${REPOSITORY_URI%%/*}\"", lambda: self.output("Login Succeeded"))
            self.run_command(COPY_COMMAND, lambda: context.update(archive=self.read_context()))
            self.run_command(UNPACK_COMMAND, lambda: context.update(files=self.unpack(context["archive"])))

        def build():
            self.run_command(BUILD_COMMAND, lambda: self.docker_build(context["files"]))

        def post_build():
            self.run_command(PUSH_COMMAND, lambda: self.push(statuses))

        statuses["DOWNLOAD_SOURCE"] = self.step("DOWNLOAD_SOURCE", download_source)
        statuses["INSTALL"] = self.step("INSTALL", lambda: None)
        statuses["PRE_BUILD"] = self.step("PRE_BUILD", pre_build)
        # As CodeBuild: a failed PRE_BUILD skips BUILD and POST_BUILD; a failed BUILD still runs POST_BUILD.
        if statuses["PRE_BUILD"] == "SUCCEEDED":
            statuses["BUILD"] = self.step("BUILD", build)
            statuses["POST_BUILD"] = self.step("POST_BUILD", post_build)
        statuses["UPLOAD_ARTIFACTS"] = self.step("UPLOAD_ARTIFACTS", lambda: None)
        statuses["FINALIZING"] = self.step("FINALIZING", lambda: None)
        failed = [s for s in statuses.values() if s != "SUCCEEDED"]
        outcome = "SUCCEEDED" if not failed else ("FAULT" if "FAULT" in failed else "FAILED")
        with self.context.lock:
            self._finish(outcome)

    def _finish(self, outcome):
        """Holding the lock: flushes the log, completes the record and sends the event."""
        self._flush()
        self._enter("COMPLETED")
        self.record["buildStatus"] = outcome
        self.record["buildComplete"] = True
        self.record["endTime"] = _iso(datetime.datetime.utcnow())
        self._event()
        LOG.info("build %s %s", self.record["id"], outcome)

    def run_command(self, command, action):
        self.log("Running command " + command)
        action()

    def check_image_id(self):
        image_id = self.variable("IMAGE_ID")
        if not IMAGE_ID.fullmatch(image_id):
            raise CommandFailed(CHECK_COMMAND, ["IMAGE_ID '{}' must be 64 lowercase hex digits".format(image_id)])

    def read_context(self):
        bucket = self.variable("CONTEXT_BUCKET")
        key = self.variable("CONTEXT_KEY") or "contexts/" + self.variable("IMAGE_ID") + ".tar.gz"
        from moto.backends import get_backend

        with self.context.lock:
            s3 = get_backend("s3")[self.account]["aws"]
            found = bucket in s3.buckets and key in s3.buckets[bucket].keys
            data = s3.buckets[bucket].keys[key].value if found else None
        if data is None:
            raise CommandFailed(COPY_COMMAND, ["fatal error: An error occurred (404) when calling the HeadObject "
                                               "operation: Key \"{}\" does not exist".format(key)])
        self.output("download: s3://{}/{} to ../../tmp/context.tar.gz".format(bucket, key))
        return data

    def unpack(self, archive):
        """The context's files by name; fails as tar -xzf does on what is not a gzipped tar."""
        files = {}
        try:
            with tarfile.open(fileobj=io.BytesIO(gzip.decompress(archive)), mode="r:") as tar:
                for member in tar.getmembers():
                    files[member] = tar.extractfile(member).read() if member.isfile() else None
        except (OSError, EOFError, tarfile.TarError) as error:
            raise CommandFailed(UNPACK_COMMAND, ["tar: " + str(error), "tar: Error is not recoverable: exiting now"], 2)
        return files

    def docker_build(self, files):
        if not any(_path(m.name) == "Dockerfile" for m in files):
            raise CommandFailed(BUILD_COMMAND, ["unable to prepare context: unable to evaluate symlinks in Dockerfile "
                                                "path: lstat /tmp/context/Dockerfile: no such file or directory"])
        mapping = base_images()
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for member, data in files.items():
                if _path(member.name) == "Dockerfile":
                    data = rewrite(data.decode("utf-8"), mapping).encode("utf-8")
                    member.size = len(data)
                tar.addfile(member, io.BytesIO(data) if data is not None else None)
        buffer.seek(0)
        tag = self.image_ref()
        self.output("Sending build context to Docker daemon  {:.4g}kB".format(len(buffer.getvalue()) / 1000))
        error = None
        stream = self.context.docker().api.build(fileobj=buffer, custom_context=True, tag=tag, pull=False, rm=True,
                                                 forcerm=True, decode=True, labels={LABEL: LABEL_VALUE})
        partial = ""
        for item in stream:
            if "stream" in item:
                partial += item["stream"]
                *lines, partial = partial.split("\n")
                if lines:
                    self.output("\n".join(lines))
            if "error" in item or "errorDetail" in item:
                error = (item.get("errorDetail") or {}).get("message") or item.get("error")
        if partial:
            self.output(partial)
        if error:
            raise CommandFailed(BUILD_COMMAND, [error])

    def image_ref(self):
        """$REPOSITORY_URI:$IMAGE_ID, the tag the buildspec builds and pushes."""
        return self.variable("REPOSITORY_URI") + ":" + self.variable("IMAGE_ID")

    def push(self, statuses):
        if statuses.get("BUILD") != "SUCCEEDED":
            raise CommandFailed(PUSH_COMMAND)
        ref = self.image_ref()
        self.output("The push refers to repository [{}]".format(ref.rsplit(":", 1)[0]))
        manifest = manifest_of(self.context.docker().api, ref)
        repository_uri = self.variable("REPOSITORY_URI")
        name = repository_uri.split("/", 1)[1] if "/" in repository_uri else repository_uri
        with self.context.lock:
            ecr = common.backend("ecr", self.account, self.region)
            if name not in ecr.repositories:
                missing = name
            else:
                missing = None
                image = ecr.put_image(name, json.dumps(manifest), self.variable("IMAGE_ID"))
        if missing:
            raise CommandFailed(PUSH_COMMAND, ["name unknown: The repository with name '{}' does not exist in the "
                                               "registry with id '{}'".format(missing, self.account)])
        self.output("{}: digest: {} size: {}".format(self.variable("IMAGE_ID"), image.image_digest,
                                                     len(json.dumps(manifest))))

    def _event(self):
        """Holding the lock: "CodeBuild Build State Change" with the detail CodeBuild sends."""
        record = self.record
        phases = []
        for p in record["phases"]:
            phase = {"phase-type": p["phaseType"], "start-time": _event_time(p["startTime"])}
            if "endTime" in p:
                phase.update({
                    "end-time": _event_time(p["endTime"]),
                    "duration-in-seconds": p.get("durationInSeconds", 0),
                    "phase-status": p.get("phaseStatus", "SUCCEEDED"),
                    "phase-context": [(c.get("statusCode", "") + ": " + c.get("message", ""))
                                      for c in p.get("contexts", [])],
                })
            phases.append(phase)
        environment = record["environment"]
        detail = {
            "build-status": record["buildStatus"],
            "project-name": self.project_name,
            "build-id": record["arn"],
            "additional-information": {
                "artifact": {"location": ""},
                "environment": {
                    "image": environment.get("image"),
                    "privileged-mode": bool(environment.get("privilegedMode")),
                    "compute-type": environment.get("computeType"),
                    "type": environment.get("type"),
                    "environment-variables": [{"name": v["name"], "type": v.get("type", "PLAINTEXT"),
                                               "value": v.get("value", "")} for v in self.env],
                },
                "timeout-in-minutes": record["timeoutInMinutes"],
                "build-complete": record.get("buildComplete", False),
                "initiator": record["initiator"],
                "build-start-time": _event_time(record["startTime"]),
                "source": {"type": (record.get("source") or {}).get("type", "NO_SOURCE")},
                "logs": {"group-name": self.group, "stream-name": self.stream,
                         "deep-link": record["logs"]["deepLink"]},
                "phases": phases,
            },
            "current-phase": record["currentPhase"],
            "current-phase-context": "[]",
            "version": "1",
        }
        common.put_event("aws.codebuild", "CodeBuild Build State Change", detail, [record["arn"]],
                         self.account, self.region)


def _path(name):
    """A tar member's path without a leading ./ (GNU tar writes either form)."""
    return name[2:] if name.startswith("./") else name


# ---- base images and manifests ------------------------------------------------------------------------------

def base_images():
    """Public name -> local image: DEFAULT_MAPPING, then $BERTH_HOME/base-images.properties (default ~/.berth)."""
    home = os.environ.get("BERTH_HOME") or os.path.join(os.path.expanduser("~"), ".berth")
    mapping = dict(DEFAULT_MAPPING)
    path = os.path.join(home, MAPPING_FILE)
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            for raw in f:
                line = raw.strip()
                if not line or line[0] in "#!":
                    continue
                match = re.match(r"((?:\\.|[^=:\\])*)\s*[=:]\s*(.*)$", line)
                if match:
                    name = re.sub(r"\\(.)", r"\1", match.group(1).strip())
                    mapping[normalize(name)] = re.sub(r"\\(.)", r"\1", match.group(2).strip())
    return mapping


def normalize(name):
    """busybox, docker.io/library/busybox:latest -> busybox:latest (as BaseImages.normalize)."""
    n = name.strip()
    for prefix in ("docker.io/library/", "index.docker.io/library/", "docker.io/"):
        if n.startswith(prefix):
            n = n[len(prefix):]
            break
    slash = n.rfind("/")
    if "@" not in n and ":" not in n[slash + 1:]:
        n += ":latest"
    return n


def rewrite(dockerfile, mapping):
    """Maps the image of every FROM line (not a build stage, not a variable), as BaseImages.rewrite."""
    stages = set()
    out = []
    for line in dockerfile.split("\n"):
        m = FROM.match(line)
        if m:
            image, rest = m.group(3), m.group(4)
            if image.lower() not in stages and "$" not in image:
                image = mapping.get(normalize(image), image)
            stage = STAGE.search(rest)
            if stage:
                stages.add(stage.group(1).lower())
            line = m.group(1) + m.group(2) + image + rest
        out.append(line)
    return "\n".join(out)


def manifest_of(api, ref):
    """A Docker v2 manifest of a local image: its config digest (the image id) and its layers' diff ids, which
    stand for the compressed digests a real push would compute."""
    info = api.inspect_image(ref)
    layers = info["RootFS"].get("Layers") or []
    return {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": len(json.dumps(info)),
                   "digest": info["Id"]},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar", "size": 0, "digest": d}
                   for d in layers],
    }
