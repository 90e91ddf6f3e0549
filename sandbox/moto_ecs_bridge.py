"""moto_server with the ECS gaps that ecs-autopilot's tests and sandbox need bridged, openly.

Usage: python3 sandbox/moto_ecs_bridge.py -H 127.0.0.1 -p PORT   (the same options as moto_server)

moto (5.x) emulates ECS with gaps. This launcher patches moto in memory (its installed files are
untouched) and then runs moto's own server:

  * Tasks keep the status ECS gives them. moto advances a task one step towards STOPPED on every
    DescribeTasks call; here tasks stay RUNNING until StopTask or a scenario stops them.
  * Tasks carry createdAt/startedAt; StopTask also sets stoppedAt and stopCode UserInitiated.
  * RunTask honours capacityProviderStrategy (FARGATE / FARGATE_SPOT and the cluster's default
    strategy): the task reports capacityProviderName; a provider not on the cluster is an
    InvalidParameterException, as in ECS.
  * POST /moto-api/x-ecs/capacity-outage {"capacityProvider": "FARGATE_SPOT", "launches": 1}
    makes the next RunTask calls on that provider answer 200 with a `failures[]` entry and no task,
    the way ECS reports a capacity shortage. "launches": 0 ends the outage.
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
"""

import functools
import json
import sys

import jsonpath_ng.ext

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.ecs import models as ecs_models
from moto.ecs import responses as ecs_responses
from moto.ecs.exceptions import InvalidParameterException
from moto.ec2.models import security_groups as ec2_security_groups
from moto.ec2.models import subnets as ec2_subnets
from moto.moto_api import state_manager
from moto.moto_api._internal import urls as moto_api_urls

# moto's EventBridge rebuilds a jsonpath parser for every event it delivers (~150 ms each); the
# expressions repeat, so caching the parse makes a simulated day several times faster.
jsonpath_ng.ext.parse = functools.lru_cache(maxsize=None)(jsonpath_ng.ext.parse)

FARGATE_PROVIDERS = {"FARGATE", "FARGATE_SPOT"}
CAPACITY_FAILURE = "Capacity is unavailable at this time. Please try again later or in a different availability zone"
capacity_outages = {}  # capacity provider -> RunTask calls left that find no capacity


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
    tasks = self.ecs_backend.run_task(
        self._get_param("cluster", "default"),
        self._get_param("taskDefinition"),
        self._get_int_param("count", 1),
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
    return ActionResult({"tasks": tasks, "failures": []})


ecs_responses.EC2ContainerServiceResponse.run_task = _run_task


def _json(status, body):
    return status, {"Content-Type": "application/json"}, json.dumps(body)


def capacity_outage(request, full_url, headers):
    body = json.loads(request.data or b"{}")
    capacity_outages[body["capacityProvider"]] = int(body.get("launches", 1))
    return _json(200, {"capacityOutages": capacity_outages})


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


def reset_bridge(request, full_url, headers):
    capacity_outages.clear()
    for ids in requested_ids.values():
        ids.clear()
    keep_tasks_running()
    return _json(200, {})


capacity_outage.__name__ = "x_ecs_capacity_outage"
set_task_state.__name__ = "x_ecs_set_task_state"
set_rollout_state.__name__ = "x_ecs_set_rollout_state"
reset_bridge.__name__ = "x_ecs_reset"
next_ids.__name__ = "x_ec2_next_ids"
moto_api_urls.url_paths["{0}/moto-api/x-ec2/next-ids"] = next_ids
moto_api_urls.url_paths["{0}/moto-api/x-ecs/capacity-outage"] = capacity_outage
moto_api_urls.url_paths["{0}/moto-api/x-ecs/set-task-state"] = set_task_state
moto_api_urls.url_paths["{0}/moto-api/x-ecs/set-rollout-state"] = set_rollout_state
moto_api_urls.url_paths["{0}/moto-api/x-ecs/reset"] = reset_bridge

if __name__ == "__main__":
    keep_tasks_running()
    from moto.server import main

    main(sys.argv[1:])
