"""moto_server with the ECS gaps that ecs-autopilot's tests and sandbox need bridged, openly.

Usage: python3 sandbox/moto_ecs_bridge.py -H 127.0.0.1 -p PORT   (the same options as moto_server)

moto (5.x) emulates ECS with gaps. This launcher patches moto in memory (its installed files are
untouched) and then runs moto's own server:

  * Tasks keep the status ECS gives them. moto advances a task one step towards STOPPED on every
    DescribeTasks call; here tasks stay RUNNING until StopTask or a scenario stops them.
  * Tasks carry createdAt/startedAt; StopTask also sets stoppedAt and stopCode UserInitiated.
  * RunTask honours clientToken as ECS does: a repeated token gets the first call's answer (its tasks, or
    its failures) and starts nothing more; moto would start new tasks each time.
  * RunTask honours capacityProviderStrategy (FARGATE / FARGATE_SPOT and the cluster's default
    strategy): the task reports capacityProviderName; a provider not on the cluster is an
    InvalidParameterException, as in ECS.
  * POST /moto-api/x-ecs/capacity-outage {"capacityProvider": "FARGATE_SPOT", "launches": 1}
    makes the next RunTask calls on that provider answer 200 with a `failures[]` entry and no task,
    the way ECS reports a capacity shortage. "launches": 0 ends the outage.
  * POST /moto-api/x-ecs/capacity-room {"capacityProvider": "FARGATE_SPOT", "tasks": 1} leaves room for
    that many more tasks on the provider: a RunTask asking for more starts what fits and reports one
    `failures[]` entry per task that did not (a partial start, as ECS reports it). "tasks": null lifts it.
  * POST /moto-api/x-ec2/next-ids {"subnet": ["subnet-0abc…"], "securityGroup": ["sg-…"]} makes the
    next CreateSubnet / CreateSecurityGroup calls use those ids, so the ids written in automation.yml
    exist in the emulator (moto always invents its own).
  * POST /moto-api/x-ecs/set-task-state {"task": ARN, "lastStatus": "STOPPED", "stopCode": …,
    "stoppedReason": …, "exitCode": 1, "containerReason": …} sets what DescribeTasks reports
    (moto cannot make a container exit).
  * A new service's deployment is COMPLETED, with its tasks counted as running. moto leaves it
    IN_PROGRESS forever (nothing ever starts the tasks), which would read as a rollout that never
    ends; scale-service defers every change during a rollout, so a service would never scale.
  * POST /moto-api/x-ecs/set-rollout-state {"cluster": "web-prod", "service": "web",
    "rolloutState": "IN_PROGRESS", "rolloutStateReason": …} sets the rolloutState of every
    deployment of the service (moto has no rollouts to progress): a scenario or a test starts and
    ends a deployment with it.
  * UpdateService rolls out at once: a new task definition replaces the service's deployment with a
    new PRIMARY one, COMPLETED (ECS would run both until the new one is healthy); the PRIMARY
    deployment's counts and task definition follow the service, whose taskDefinition is an ARN as in
    ECS. A change of desiredCount alone leaves the rolloutState as it was. Set-rollout-state after the
    update makes a rollout that has not finished.
  * A service with loadBalancers has its tasks registered in its target groups, as ECS does: one
    fake IP target (10.0.x.y, the containerPort) per desired task, healthy (moto reports every
    registered target healthy); fewer desired tasks deregister the newest, a new task definition
    replaces them all (new tasks, new addresses). moto starts no tasks, so nothing else registers them.
  * POST /moto-api/x-elbv2/set-target-health {"targetGroup": ARN, "state": "unhealthy"} makes every
    target of the group report that state (and "reason", when given) until it is set to "healthy":
    a new colour whose tasks never pass their health check.
  * Requests are answered one at a time. moto's models are not thread-safe and moto_server answers
    on threads: a DynamoDB query walking the table while another request wrote to it failed with an
    HTML 500 ("dictionary changed size during iteration"), two conditional writes of one key could
    both pass, two RunTask calls with one clientToken could both start tasks. AWS does none of that.
    Python runs one thread at a time anyway, so little is lost.
  * moto made a DynamoDB table query walk and measure every item of the table (a burst whose
    partition grows with each request was quadratic) and listed its own modules from disk on every
    request. The bridge gives a table query only its partition's items within the range condition,
    measures items without rebuilding them and lists the modules once: the same answers, in about
    half the time for the burst tests.
"""

import functools
import io
import os
import json
import sys
import threading

import jsonpath_ng.ext

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.ecs import models as ecs_models
from moto.ecs import responses as ecs_responses
from moto.ecs.exceptions import InvalidParameterException
from moto.ec2.models import security_groups as ec2_security_groups
from moto.ec2.models import subnets as ec2_subnets
from moto.elbv2 import models as elbv2_models
from moto.moto_api import state_manager
from moto.moto_api._internal import urls as moto_api_urls
from moto import backends
from moto.dynamodb.models import table as dynamodb_table
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.utilities import bytesize
from moto.moto_server import werkzeug_app

# moto's EventBridge rebuilds a jsonpath parser for every event it delivers (~150 ms each); the
# expressions repeat, so caching the parse makes a simulated day several times faster.
jsonpath_ng.ext.parse = functools.lru_cache(maxsize=None)(jsonpath_ng.ext.parse)

# moto asks the file system which of its modules exist on every request (an os.listdir and a stat per
# module, about a millisecond): they do not change while it runs.
_moto_modules = tuple(backends.list_of_moto_modules())
backends.list_of_moto_modules = lambda: iter(_moto_modules)


def _item_size(self):
    # moto's DynamoType.size rebuilds every nested value (and each member of a set) as a new DynamoType
    # before it measures it: an item's size costs its size times its depth, and moto measures every item a
    # query or scan walks. The same figures, measured in place.
    kind = self.type
    if kind == "N":
        return len(str(self.value))
    if kind in ("SS", "BS"):
        return sum(bytesize(member) for member in self.value)
    if kind == "NS":
        return sum(len(str(member)) for member in self.value)
    if kind == "L":
        return sum(member.size() for member in self.value)
    if kind == "M":
        return sum(bytesize(key) + (value if type(value) is DynamoType else DynamoType(value)).size() for key, value in self.value.items())
    if isinstance(self.value, bool):
        return 1
    return bytesize(self.value)


DynamoType.size = _item_size

# moto answers a query on the table by walking every item of the table, sorted, then measuring each item
# of the partition (range condition or not): a query costs the table's size, and a partition that grows
# with each request makes a burst quadratic. While a table query runs, its walk is given only the items
# it can answer with — the partition's, within the range condition — which it then filters and sorts as before.
_query_walk = threading.local()
_original_all_items = dynamodb_table.Table.all_items
_original_table_query = dynamodb_table.Table.query


def _all_items(self):
    walk = getattr(_query_walk, "of", None)
    if walk is None or walk[0] is not self:
        return _original_all_items(self)
    _, hash_key, range_comparison, range_objs = walk
    partition = self.items.get(hash_key, {})
    return [item for item in partition.values() if not range_comparison or item.range_key.compare(range_comparison, range_objs)]


def _table_query(self, hash_key, range_comparison, range_objs, *args, **kwargs):
    index_name = args[4] if len(args) > 4 else kwargs.get("index_name")
    if index_name or hash_key is None or not self.range_key_attr:
        return _original_table_query(self, hash_key, range_comparison, range_objs, *args, **kwargs)
    _query_walk.of = (self, hash_key, range_comparison, range_objs)
    try:
        return _original_table_query(self, hash_key, range_comparison, range_objs, *args, **kwargs)
    finally:
        _query_walk.of = None


dynamodb_table.Table.all_items = _all_items
dynamodb_table.Table.query = _table_query

_one_request_at_a_time = threading.RLock()
_original_dispatch = werkzeug_app.DomainDispatcherApplication.__call__


def _dispatch_one_at_a_time(self, environ, start_response):
    # The body is read before the lock: a client slow to send it must not hold up everyone else's requests.
    if environ.get("wsgi.input_terminated"):
        environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read())
    elif int(environ.get("CONTENT_LENGTH") or 0) > 0:
        environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))
    # moto builds each answer whole inside the call, so the lock covers all the work on its models.
    with _one_request_at_a_time:
        return _original_dispatch(self, environ, start_response)


werkzeug_app.DomainDispatcherApplication.__call__ = _dispatch_one_at_a_time

FARGATE_PROVIDERS = {"FARGATE", "FARGATE_SPOT"}
CAPACITY_FAILURE = "Capacity is unavailable at this time. Please try again later or in a different availability zone"
capacity_outages = {}  # capacity provider -> RunTask calls left that find no capacity
capacity_room = {}  # capacity provider -> tasks that still fit (absent: no limit)


requested_ids = {"subnet": [], "securityGroup": []}


def _requested_or(kind, original):
    def next_id():
        return requested_ids[kind].pop(0) if requested_ids[kind] else original()

    return next_id


ec2_subnets.random_subnet_id = _requested_or("subnet", ec2_subnets.random_subnet_id)
ec2_security_groups.random_security_group_id = _requested_or("securityGroup", ec2_security_groups.random_security_group_id)


def next_ids(request, full_url, headers):
    body = json.loads(request.data or b"{}")
    for kind in requested_ids:
        requested_ids[kind].extend(body.get(kind, []))
    return _json(200, requested_ids)


def keep_tasks_running():
    state_manager.set_transition(model_name="ecs::task", transition={"progression": "manual", "times": 10**9})


_original_task_init = ecs_models.Task.__init__


def _task_init(self, *args, **kwargs):
    _original_task_init(self, *args, **kwargs)
    now = utcnow()
    self.created_at = now
    self.started_at = now
    self.capacity_provider_name = None


ecs_models.Task.__init__ = _task_init

_original_service_init = ecs_models.Service.__init__


def _service_init(self, *args, **kwargs):
    _original_service_init(self, *args, **kwargs)
    self.running_count = self.desired_count
    self.pending_count = 0
    for deployment in self.deployments:
        deployment["rolloutState"] = "COMPLETED"
        deployment["rolloutStateReason"] = f"ECS deployment {deployment['id']} completed."
        deployment["runningCount"] = self.desired_count
        deployment["pendingCount"] = 0


ecs_models.Service.__init__ = _service_init

_original_stop_task = ecs_models.EC2ContainerServiceBackend.stop_task


def _stop_task(self, cluster_str, task_str, reason):
    task = _original_stop_task(self, cluster_str, task_str, reason)
    task.stopped_at = utcnow()
    task.stop_code = "UserInitiated"
    for container in task.containers:
        container.last_status = "STOPPED"
        container.exitCode = 143  # SIGTERM, what a container that honours StopTask exits with
    return task


ecs_models.EC2ContainerServiceBackend.stop_task = _stop_task


def _run_task(self):
    strategy = self._get_param("capacityProviderStrategy")
    launch_type = self._get_param("launchType")
    cluster = self.ecs_backend._get_cluster(self._get_param("cluster", "default"))
    if not strategy and not launch_type:
        strategy = cluster.default_capacity_provider_strategy
    provider = None
    if strategy:
        if launch_type:
            raise InvalidParameterException(
                "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again."
            )
        for item in strategy:
            if item["capacityProvider"] not in (cluster.capacity_providers or []):
                raise InvalidParameterException(
                    "The specified capacity provider strategy cannot contain a capacity provider that is not associated "
                    "with the cluster. Associate the capacity provider with the cluster or specify a valid capacity "
                    "provider and try again."
                )
        provider = strategy[0]["capacityProvider"]
        if provider in FARGATE_PROVIDERS:
            launch_type = "FARGATE"
    outage_key = provider or launch_type or "default"
    if capacity_outages.get(outage_key, 0) > 0:
        capacity_outages[outage_key] -= 1
        return ActionResult({"tasks": [], "failures": [{"arn": cluster.arn, "reason": CAPACITY_FAILURE}]})
    requested = self._get_int_param("count", 1)
    fitting = min(requested, capacity_room.get(outage_key, requested))
    if outage_key in capacity_room:
        capacity_room[outage_key] -= fitting
    shortfall = [{"arn": cluster.arn, "reason": CAPACITY_FAILURE}] * (requested - fitting)
    if fitting == 0:
        return ActionResult({"tasks": [], "failures": shortfall})
    tasks = self.ecs_backend.run_task(
        self._get_param("cluster", "default"),
        self._get_param("taskDefinition"),
        fitting,
        self._get_param("overrides"),
        self._get_param("startedBy"),
        self._get_param("tags"),
        launch_type,
        self._get_param("networkConfiguration"),
        self._get_param("group"),
        self._get_param("platformVersion"),
    )
    for task in tasks:
        task.capacity_provider_name = provider
    return ActionResult({"tasks": tasks, "failures": shortfall})


run_task_answers = {}  # clientToken -> the answer of the first RunTask that carried it


def _run_task_once_per_client_token(self):
    token = self._get_param("clientToken")
    if not token:
        return _run_task(self)
    if token not in run_task_answers:
        run_task_answers[token] = _run_task(self)
    return run_task_answers[token]


ecs_responses.EC2ContainerServiceResponse.run_task = _run_task_once_per_client_token


def _json(status, body):
    return status, {"Content-Type": "application/json"}, json.dumps(body)


def capacity_outage(request, full_url, headers):
    body = json.loads(request.data or b"{}")
    capacity_outages[body["capacityProvider"]] = int(body.get("launches", 1))
    return _json(200, {"capacityOutages": capacity_outages})


def set_capacity_room(request, full_url, headers):
    body = json.loads(request.data or b"{}")
    if body.get("tasks") is None:
        capacity_room.pop(body["capacityProvider"], None)
    else:
        capacity_room[body["capacityProvider"]] = int(body["tasks"])
    return _json(200, {"capacityRoom": capacity_room})


def set_task_state(request, full_url, headers):
    body = json.loads(request.data or b"{}")
    backend = ecs_models.ecs_backends[body.get("account", "123456789012")][body.get("region", "us-east-1")]
    wanted = body["task"].split("/")[-1]
    for tasks in backend.tasks.values():
        for arn, task in tasks.items():
            if arn.split("/")[-1] != wanted:
                continue
            for field, attribute in (("lastStatus", "last_status"), ("desiredStatus", "desired_status"),
                                     ("stoppedReason", "stopped_reason"), ("stopCode", "stop_code")):
                if field in body:
                    setattr(task, attribute, body[field])
            if body.get("lastStatus") == "STOPPED":
                task.desired_status = "STOPPED"
                task.stopped_at = utcnow()
            for container in task.containers:
                if "exitCode" in body:
                    container.exitCode = body["exitCode"]
                if "containerReason" in body:
                    container.reason = body["containerReason"]
                if "lastStatus" in body:
                    container.last_status = body["lastStatus"]
            return _json(200, {"taskArn": arn})
    return _json(404, {"error": f"task {wanted} not found"})


def set_rollout_state(request, full_url, headers):
    body = json.loads(request.data or b"{}")
    backend = ecs_models.ecs_backends[body.get("account", "123456789012")][body.get("region", "us-east-1")]
    cluster = body["cluster"].split("/")[-1]
    service = backend.services.get(f"{cluster}:{body['service'].split('/')[-1]}")
    if service is None:
        return _json(404, {"error": f"service {body['service']} not found in cluster {cluster}"})
    for deployment in service.deployments:
        deployment["rolloutState"] = body["rolloutState"]
        deployment["rolloutStateReason"] = body.get(
            "rolloutStateReason", f"ECS deployment {deployment['id']} {body['rolloutState'].lower().replace('_', ' ')}."
        )
        deployment["updatedAt"] = utcnow()
    return _json(200, {"serviceArn": service.arn, "deployments": len(service.deployments)})


service_targets = {}  # (cluster:service, target group ARN) -> the target ids the service registered
allocated_ips = [0]


def _next_ip():
    allocated_ips[0] += 1
    return f"10.0.{allocated_ips[0] // 250}.{allocated_ips[0] % 250 + 1}"


def _sync_targets(backend, service, replace=False):
    elbv2 = elbv2_models.elbv2_backends[backend.account_id][backend.region_name]
    for load_balancer in service.load_balancers:
        target_group = elbv2.target_groups.get(load_balancer.get("targetGroupArn"))
        if target_group is None:
            continue
        key = (f"{service.cluster_name}:{service.name}", target_group.arn)
        registered = service_targets.setdefault(key, [])
        port = load_balancer.get("containerPort", target_group.port)
        leaving = registered[:] if replace else registered[service.desired_count:]
        if leaving:
            target_group.deregister([{"Id": ip} for ip in leaving if ip in target_group.targets])
            del registered[len(registered) - len(leaving):]
        while len(registered) < service.desired_count:
            registered.append(_next_ip())
            target_group.register([{"Id": registered[-1], "Port": port}])


_original_create_service = ecs_models.EC2ContainerServiceBackend.create_service


def _create_service(self, *args, **kwargs):
    service = _original_create_service(self, *args, **kwargs)
    _sync_targets(self, service)
    return service


ecs_models.EC2ContainerServiceBackend.create_service = _create_service

_original_update_service = ecs_models.EC2ContainerServiceBackend.update_service


def _update_service(self, service_properties):
    before = self._get_service(service_properties.get("cluster", "default"), service_properties["service"].split("/")[-1])
    previous_task_definition = before.task_definition
    service = _original_update_service(self, service_properties)
    if service.task_definition:
        service.task_definition = self.describe_task_definition(service.task_definition).arn
    new_revision = service.task_definition != previous_task_definition
    now = utcnow()
    if new_revision and service.deployments:
        deployment_id = f"ecs-svc/{ecs_models.mock_random.randint(0, 32**12)}"
        service.deployments = [{
            **service.deployments[0],
            "id": deployment_id,
            "createdAt": now,
            "rolloutState": "COMPLETED",
            "rolloutStateReason": f"ECS deployment {deployment_id} completed.",
        }]
    for deployment in service.deployments:
        if deployment["status"] == "PRIMARY":
            deployment.update(taskDefinition=service.task_definition, desiredCount=service.desired_count,
                              runningCount=service.desired_count, pendingCount=0, updatedAt=now)
    _sync_targets(self, service, replace=new_revision)
    return service


ecs_models.EC2ContainerServiceBackend.update_service = _update_service

target_health = {}  # target group ARN -> (state, reason) every target reports
_original_health_for = elbv2_models.FakeTargetGroup.health_for


def _health_for(self, target, ec2_backend):
    health = _original_health_for(self, target, ec2_backend)
    if self.arn in target_health and health.status == "healthy":
        health.status, health.reason = target_health[self.arn]
    return health


elbv2_models.FakeTargetGroup.health_for = _health_for


def set_target_health(request, full_url, headers):
    body = json.loads(request.data or b"{}")
    if body["state"] == "healthy":
        target_health.pop(body["targetGroup"], None)
    else:
        reason = "Elb.RegistrationInProgress" if body["state"] == "initial" else "Target.FailedHealthChecks"
        target_health[body["targetGroup"]] = (body["state"], body.get("reason", reason))
    return _json(200, {"targetGroup": body["targetGroup"], "state": body["state"]})


def reset_bridge(request, full_url, headers):
    capacity_outages.clear()
    run_task_answers.clear()
    capacity_room.clear()
    service_targets.clear()
    target_health.clear()
    allocated_ips[0] = 0
    for ids in requested_ids.values():
        ids.clear()
    keep_tasks_running()
    return _json(200, {})


capacity_outage.__name__ = "x_ecs_capacity_outage"
set_capacity_room.__name__ = "x_ecs_capacity_room"
set_task_state.__name__ = "x_ecs_set_task_state"
set_rollout_state.__name__ = "x_ecs_set_rollout_state"
reset_bridge.__name__ = "x_ecs_reset"
set_target_health.__name__ = "x_elbv2_set_target_health"
next_ids.__name__ = "x_ec2_next_ids"
moto_api_urls.url_paths["{0}/moto-api/x-ec2/next-ids"] = next_ids
moto_api_urls.url_paths["{0}/moto-api/x-ecs/capacity-outage"] = capacity_outage
moto_api_urls.url_paths["{0}/moto-api/x-ecs/capacity-room"] = set_capacity_room
moto_api_urls.url_paths["{0}/moto-api/x-ecs/set-task-state"] = set_task_state
moto_api_urls.url_paths["{0}/moto-api/x-ecs/set-rollout-state"] = set_rollout_state
moto_api_urls.url_paths["{0}/moto-api/x-ecs/reset"] = reset_bridge
moto_api_urls.url_paths["{0}/moto-api/x-elbv2/set-target-health"] = set_target_health

def exit_with_parent():
    """The sandbox or test that started us (it sets ECS_BRIDGE_EXIT_WITH_STDIN) holds our stdin open;
    when it ends for any reason (even SIGKILL, which it cannot handle), the pipe closes and we must not
    outlive it on its port. Started by hand, the bridge runs until stopped, whatever its stdin is."""
    if os.environ.get("ECS_BRIDGE_EXIT_WITH_STDIN") != "1":
        return

    def watch():
        while sys.stdin.buffer.read(65536):
            pass
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


if __name__ == "__main__":
    if os.environ.get("ECS_BRIDGE_SWITCH_INTERVAL"):
        # Tests of thread safety switch threads far more often than Python does, so that races show.
        sys.setswitchinterval(float(os.environ["ECS_BRIDGE_SWITCH_INTERVAL"]))
    keep_tasks_running()
    exit_with_parent()
    from moto.server import main

    main(sys.argv[1:])
