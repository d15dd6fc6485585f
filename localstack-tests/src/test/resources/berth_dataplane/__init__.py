"""Berth's data plane for moto: what AWS does behind the API calls, done for real on the local Docker engine.

moto records what the AWS APIs are asked; it runs no container, builds no image and forwards no request. The
data plane fills that gap for resources a test marks with the tag ``berth:dataplane=docker`` (so tests that
check API calls alone keep moto's plain behaviour):

- ``ecs``: RunTask runs the task definition's containers (one network namespace, as awsvpc), StopTask stops
  them, a container's exit moves the task to STOPPED with its exit code, ``awslogs`` output goes to moto's
  CloudWatch Logs, and "ECS Task State Change" events go to moto's EventBridge.
- ``codebuild``: StartBuild builds the S3 source's Dockerfile, tags it as the ECR image the build pushes,
  records it in moto's ECR, writes the build log to CloudWatch Logs and sends "CodeBuild Build State Change".
- ``elbv2``: each listener of a marked load balancer serves on a loopback port (HTTPS with its ACM certificate),
  routing each request by the listener's rules (host-header, path-pattern, ...) to forward to registered ip
  targets, fixed-response or redirect, and publishes RequestCount to moto's CloudWatch.

Each part is a module with ``install(context)``; a missing module is simply not installed. Every change to
moto's state takes ``context.lock``, the same lock the server holds while it handles a request.
"""
import importlib
import logging

from .common import Context

PARTS = ("ecs", "codebuild", "elbv2")
LOG = logging.getLogger("berth.dataplane")


def install(lock, server_host, server_port):
    """Installs every part present; returns the shared context."""
    context = Context(lock, server_host, server_port)
    for name in PARTS:
        try:
            module = importlib.import_module("." + name, __name__)
        except ModuleNotFoundError as missing:
            if missing.name != __name__ + "." + name:
                raise
            continue
        module.install(context)
        LOG.info("data plane part %s installed", name)
    return context
