"""Berth code sandbox: an HTTP API that runs submitted code and reports what happened.

POST /run  {"code": "...", "language": "python" | "shell", "stdin": "", "timeoutSeconds": 10}
      -> 200 {"stdout", "stderr", "exitCode", "durationMs", "timedOut", "killedBy", "truncated"}
GET  /health -> {"status": "ok", "languages": [...], "limits": {...}}

Each submission runs alone, in a fresh directory under /tmp (the container's only writable place), as a
child in its own session with resource limits (CPU seconds, address space, processes, file size, open
files) and a wall-clock timeout; when it ends, its process group and every process it left behind are
killed. Standard library only.
"""
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _int_env(name, default):
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        sys.exit(f"{name}={os.environ.get(name)!r} is not an integer")


PORT = _int_env("SANDBOX_PORT", 8080)
CPU_SECONDS = _int_env("SANDBOX_CPU_SECONDS", 5)
MEMORY_MIB = _int_env("SANDBOX_MEMORY_MIB", 256)
MAX_PROCESSES = _int_env("SANDBOX_MAX_PROCESSES", 32)
MAX_FILE_MIB = _int_env("SANDBOX_MAX_FILE_MIB", 8)
DEFAULT_TIMEOUT = _int_env("SANDBOX_TIMEOUT_SECONDS", 10)
MAX_TIMEOUT = _int_env("SANDBOX_MAX_TIMEOUT_SECONDS", 60)
MAX_OUTPUT = _int_env("SANDBOX_MAX_OUTPUT_BYTES", 64 * 1024)
MAX_CODE = 256 * 1024
WORK_ROOT = os.environ.get("SANDBOX_WORK_ROOT", "/tmp")

LANGUAGES = {
    "python": ("main.py", [sys.executable, "-I", "-B", "main.py"]),
    "shell": ("main.sh", ["/bin/sh", "main.sh"]),
}
SIGNAL_LIMITS = {signal.SIGXCPU: "cpuLimit", signal.SIGXFSZ: "fileSizeLimit"}

# One submission at a time: the clean-up kills every process of this user but the server.
RUN_LOCK = threading.Lock()


def limit_child():
    os.umask(0o077)
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 1))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_MIB * 1024 * 1024,) * 2)
    resource.setrlimit(resource.RLIMIT_NPROC, (MAX_PROCESSES,) * 2)
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_MIB * 1024 * 1024,) * 2)
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class Capped:
    """Reads a pipe to its end, keeping the first MAX_OUTPUT bytes."""

    def __init__(self, pipe):
        self.pipe = pipe
        self.data = bytearray()
        self.truncated = False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        try:
            while True:
                chunk = self.pipe.read1(65536) if hasattr(self.pipe, "read1") else self.pipe.read(65536)
                if not chunk:
                    return
                room = MAX_OUTPUT - len(self.data)
                if room > 0:
                    self.data += chunk[:room]
                if len(chunk) > room:
                    self.truncated = True
        except (OSError, ValueError):
            return

    def text(self):
        return self.data.decode("utf-8", "replace")


def kill_everything_else(pgid):
    for target in (lambda: os.killpg(pgid, signal.SIGKILL), lambda: os.kill(-1, signal.SIGKILL)):
        try:
            # kill(-1) reaches every process this user may signal but this one (and PID 1): whatever the
            # submission left behind, in its group or escaped into a new session.
            target()
        except (ProcessLookupError, PermissionError):
            pass


def run(code, language, stdin, timeout):
    source, command = LANGUAGES[language]
    with RUN_LOCK:
        workdir = tempfile.mkdtemp(prefix="run-", dir=WORK_ROOT)
        try:
            with open(os.path.join(workdir, source), "w", encoding="utf-8") as f:
                f.write(code)
            env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": workdir, "TMPDIR": workdir, "LANG": "C.UTF-8",
                   "PYTHONUNBUFFERED": "1"}
            started = time.monotonic()
            process = subprocess.Popen(command, cwd=workdir, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, start_new_session=True, preexec_fn=limit_child,
                                       close_fds=True)
            out, err = Capped(process.stdout), Capped(process.stderr)
            try:
                process.stdin.write(stdin.encode("utf-8"))
                process.stdin.close()
            except (BrokenPipeError, OSError):
                pass
            timed_out = False
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
            kill_everything_else(process.pid)
            code_ = process.wait()
            duration_ms = int((time.monotonic() - started) * 1000)
            out.thread.join(5)
            err.thread.join(5)
            killed_by = None
            if timed_out:
                killed_by = "timeout"
            elif code_ < 0:
                killed_by = SIGNAL_LIMITS.get(-code_, signal.Signals(-code_).name)
            return {
                "stdout": out.text(),
                "stderr": err.text(),
                "exitCode": code_ if code_ >= 0 else 128 - code_,
                "durationMs": duration_ms,
                "timedOut": timed_out,
                "killedBy": killed_by,
                "truncated": out.truncated or err.truncated,
            }
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


class Handler(BaseHTTPRequestHandler):
    server_version = "berth-sandbox/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("sandbox: " + (fmt % args) + "\n")

    def reply(self, status, body):
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def fail(self, status, message):
        self.reply(status, {"error": {"message": message}})

    def do_GET(self):
        if self.path.split("?")[0] in ("/", "/health"):
            self.reply(200, {"status": "ok", "languages": sorted(LANGUAGES), "limits": {
                "cpuSeconds": CPU_SECONDS, "memoryMiB": MEMORY_MIB, "processes": MAX_PROCESSES, "fileMiB": MAX_FILE_MIB,
                "timeoutSeconds": DEFAULT_TIMEOUT, "maxTimeoutSeconds": MAX_TIMEOUT, "outputBytes": MAX_OUTPUT}})
        else:
            self.fail(404, f"No route GET {self.path}; use POST /run or GET /health")

    def do_POST(self):
        if self.path.split("?")[0] != "/run":
            return self.fail(404, f"No route POST {self.path}; use POST /run")
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_CODE + 64 * 1024:
            return self.fail(413, f"Request body is {length} bytes; at most {MAX_CODE} bytes of code are accepted")
        try:
            request = json.loads(self.rfile.read(length) or b"null")
        except ValueError as e:
            return self.fail(400, f"Malformed JSON: {e}; send {{\"code\": \"print(1)\", \"language\": \"python\"}}")
        if not isinstance(request, dict) or not isinstance(request.get("code"), str):
            return self.fail(400, "Field 'code' is missing or not a string; send {\"code\": \"print(1)\", \"language\": \"python\"}")
        language = request.get("language", "python")
        if language not in LANGUAGES:
            return self.fail(400, f"Unknown language {language!r}; use one of {', '.join(sorted(LANGUAGES))}")
        timeout = request.get("timeoutSeconds", DEFAULT_TIMEOUT)
        if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or not 0 < timeout <= MAX_TIMEOUT:
            return self.fail(400, f"Invalid timeoutSeconds {timeout!r}; give seconds above 0 and at most {MAX_TIMEOUT}")
        stdin = request.get("stdin", "")
        if not isinstance(stdin, str):
            return self.fail(400, "Field 'stdin' must be a string")
        try:
            self.reply(200, run(request["code"], language, stdin, timeout))
        except OSError as e:
            self.fail(500, f"Could not run the code: {e}")


def main():
    if os.geteuid() == 0:
        sys.exit("The sandbox refuses to run as root; run the image as its 'sandbox' user")
    server = ThreadingHTTPServer(("0.0.0.0", PORT), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sys.stderr.write(f"sandbox: listening on {PORT} as uid {os.geteuid()}\n")
    server.serve_forever()


if __name__ == "__main__":
    main()
