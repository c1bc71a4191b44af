"""Provides the ``lab new`` template: a small, commented scenario that validates as soon as it is written.

The template is a real teaching example, not a placeholder: a container's
``memoryReservation`` is larger than any instance in the cluster, so every task stays
PENDING (``RESOURCE:MEMORY``); the solution reserves what the app needs. Its starting files
fail a required check and its solution passes on every seed, so ``lab validate`` accepts it
unchanged and an instructor edits it from a working state. Its first line points
yaml-language-server at the scenario schema ``lab new`` writes to ``.schemas/`` beside it.
"""

from __future__ import annotations

import re

import yaml

from lab.errors import UsageError

__all__ = ["SCENARIO_ID", "SCHEMA_PATH", "scaffold", "schema_files"]

SCENARIO_ID = re.compile(r"^(?=.{2,64}$)[a-z0-9]+(?:-[a-z0-9]+)*$")
"""A scenario id: kebab-case, 2 to 64 characters (the schema's id rule, without stray hyphens)."""

SCHEMA_PATH = ".schemas/scenario.schema.json"
"""Where the scaffold's first line points yaml-language-server: the scenario schema ``lab new`` writes beside it."""

_TEMPLATE = """\
# yaml-language-server: $schema={schema}
# A new ECS Lab scenario, scaffolded by `lab new {id}`. It validates as written:
#   lab validate scenarios/{id}.yaml     (starting files fail, the solution passes, every seed)
#   lab grade {id} --solution            (the graded run of the solution)
#   lab validate --mutate {id}           (breaks the solution in standard ways: is the grader strict?)
# Every key is described in docs/authoring.md; every check kind in docs/checks.md.
# The example: a memoryReservation larger than any instance, so no task is ever placed.
# Replace it with your incident, keeping the scenario valid as you go.

id: {id_value}                    # kebab-case; must match the file name
title: Tasks stay PENDING on the new cluster
topics: [task-definitions, placement, ec2-launch-type]
difficulty: 1                     # 1..3
minutes: 10                       # how long a learner typically needs
# lesson: lessons/your-lesson.md  # a lesson under content/, shown after a pass
briefing: |
  The `web` service moved to a new cluster of two small instances. The service is ACTIVE
  but no task ever starts: the console shows 0 running, and nothing is stopping either.

  **Your job:** get `web` to 2 running tasks and keep them running.

# What exists and what the learner cannot edit (docs/authoring.md, "world").
world:
  region: us-east-1
  cluster: {{name: prod}}
  instances:
    - {{count: 2, type: t3.small, azs: [us-east-1a, us-east-1b], role: ecsInstanceRole}}
  registry:
    - {{repository: web, tag: "1.0.0", size_mb: 120, base: python-3.12-slim}}
  roles:
    - RoleName: ecsInstanceRole
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {{Effect: Allow, Principal: {{Service: ec2.amazonaws.com}}, Action: "sts:AssumeRole"}}
      ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role]

# What the learner edits: the real AWS shapes (RegisterTaskDefinition / CreateService input).
files:
  task-definition.yaml:
    kind: task-definition
    content: |
      family: web
      networkMode: bridge
      requiresCompatibilities: [EC2]
      containerDefinitions:
        - name: web
          image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.0.0
          cpu: 256
          memoryReservation: 3072     # copied from the old m5.large fleet; a t3.small has 2 GiB
          essential: true
          portMappings:
            - {{containerPort: 8080, hostPort: 0}}
  service.yaml:
    kind: service
    content: |
      serviceName: web
      taskDefinition: web
      desiredCount: 2
      launchType: EC2

run: {{duration: 600, apply_at: 0, seeds: [1, 2]}}   # every seed must pass (docs/authoring.md, "run")

# How the run is graded (docs/checks.md). Required checks must pass on every seed.
checks:
  - id: web-running
    kind: service-running
    service: web
    count: 2
    by: 300
    stay: true
    points: 70
  - id: web-steady
    kind: service-steady-state
    service: web
    by: 400
    points: 30

hints:                            # revealed one at a time
  - Look at the service events. Why does the scheduler not place the tasks?
  - A task is placed only on an instance with enough unreserved memory for its memoryReservation.
  - A t3.small registers less than 2 GiB with ECS; the app needs about 256 MiB.

# A passing answer: only the files it changes (docs/authoring.md, "solution").
solution:
  task-definition.yaml: |
    family: web
    networkMode: bridge
    requiresCompatibilities: [EC2]
    containerDefinitions:
      - name: web
        image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.0.0
        cpu: 256
        memoryReservation: 512
        essential: true
        portMappings:
          - {{containerPort: 8080, hostPort: 0}}

debrief: |
  ECS places a task only on a container instance whose unreserved memory covers the task's
  reservation (`memoryReservation`, or `memory` when no reservation is set). A reservation
  larger than any instance leaves the task PENDING with `RESOURCE:MEMORY`, and the service
  event says "unable to place a task because no container instance met all of its
  requirements".

  Exam takeaway: tasks stuck in PENDING with no stop reason → compare the task's cpu and
  memory reservations with what the instances register.
"""


def scaffold(scenario_id: str) -> str:
    """The text of a new scenario file for ``scenario_id``, which passes ``lab validate`` as is.

    Args:
        scenario_id: the new scenario's id (also its file name, ``<id>.yaml``).

    Returns:
        Commented YAML: a small working scenario to edit.

    Raises:
        UsageError: the id is not kebab-case.
    """
    if not SCENARIO_ID.fullmatch(scenario_id):
        raise UsageError(
            f"'{scenario_id}' is not a valid scenario id: use kebab-case, 2 to 64 lowercase letters, "
            "digits and single hyphens (for example memory-too-big)"
        )
    # Ids such as "yes" or "2024" would read back as a boolean or a number unquoted.
    id_value = scenario_id if yaml.safe_load(scenario_id) == scenario_id else f'"{scenario_id}"'
    return _TEMPLATE.format(id=scenario_id, id_value=id_value, schema=SCHEMA_PATH)


def schema_files() -> dict[str, str]:
    """The schema files ``lab new`` writes into ``.schemas/`` beside the scenario: file name → text."""
    from lab.scenario import editor_schema

    return {editor_schema.schema_file("scenario"): editor_schema.render(editor_schema.scenario_schema())}
