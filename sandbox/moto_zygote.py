"""Forks moto_servers with the ECS bridge already loaded: for a test run that starts dozens of them.

Usage: python3 sandbox/moto_zygote.py SOCKET_PATH

Loading moto, Flask and the bridge costs a Python process about three seconds of CPU; a test run starts
a moto_server for nearly every file. This process loads them once and then forks a moto_server for each
request, in milliseconds, each with nothing of the others' state (a fork shares no memory once written).

One request per connection on the Unix socket: a line of JSON {"port": N, "owner": PID, "env": {...}},
answered by a line {"pid": PID} once the child is forked. The child sets `env` in its environment, then
runs moto_server on 127.0.0.1:N until SIGTERM, or until its owner (the process that asked) is gone: a
killed test or sandbox leaves no moto_server behind, as the bridge does when its stdin closes. SIGTERM to
this process ends every child it forked, then itself. It prints "ready" on stdout once it listens.
"""

import json
import os
import random
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import moto_ecs_bridge  # noqa: E402  (patches moto in memory, as when the bridge runs itself)
from moto.moto_server import werkzeug_app  # noqa: E402
from moto import server as moto_server  # noqa: E402

# moto builds a Flask app per service on the first request for it (about half a second each): built here,
# once, for what ecs-autopilot's tests and sandbox use, and handed to every child.
_create_backend_app = werkzeug_app.create_backend_app
_apps = {}


def _backend_app(service):
    if service not in _apps:
        _apps[service] = _create_backend_app(service)
    return _apps[service]


werkzeug_app.create_backend_app = moto_server.create_backend_app = _backend_app
for service in ("applicationautoscaling", "cloudwatch", "dynamodb", "ec2", "ecs", "elbv2", "events", "iam",
                "lambda", "logs", "scheduler", "sns", "sqs", "sts", "moto_api"):
    try:
        _backend_app(service)
    except Exception:  # a service this moto does not have is built by the child that asks for it, if any
        pass

children = set()


def reap(*_):
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)


def end(*_):
    for pid in list(children):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.time() + 3
    while children and time.time() < deadline:
        reap()
        time.sleep(0.05)
    for pid in list(children):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    os._exit(0)


def exit_with_owner(owner):
    def watch():
        while True:
            try:
                os.kill(owner, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:
                pass
            time.sleep(0.25)

    threading.Thread(target=watch, daemon=True).start()


def run_child(request, server):
    server.close()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.environ.update(request.get("env") or {})
    log = os.environ.get("ECS_AUTOPILOT_MOTO_LOG")
    target = os.open(f"{log}.{request['port']}" if log else os.devnull, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(target, 1)
    os.dup2(target, 2)
    random.seed()  # every child would otherwise draw moto's random ids in the same order
    if os.environ.get("ECS_BRIDGE_SWITCH_INTERVAL"):
        sys.setswitchinterval(float(os.environ["ECS_BRIDGE_SWITCH_INTERVAL"]))
    moto_ecs_bridge.keep_tasks_running()
    exit_with_owner(int(request["owner"]))
    moto_server.main(["-H", "127.0.0.1", "-p", str(request["port"])])
    os._exit(0)


def serve(path):
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(64)
    signal.signal(signal.SIGCHLD, reap)
    signal.signal(signal.SIGTERM, end)
    signal.signal(signal.SIGINT, end)
    print("ready", flush=True)
    while True:
        connection, _ = server.accept()
        with connection:
            request = json.loads(connection.makefile("r").readline())
            pid = os.fork()
            if pid == 0:
                connection.close()
                run_child(request, server)
            children.add(pid)
            connection.sendall((json.dumps({"pid": pid}) + "\n").encode())


if __name__ == "__main__":
    serve(sys.argv[1])
