"""The SpiffWorkflow runner of the workflow benchmark: an equivalent BPMN process decides
each next step, and the hand-written writer makes the rows."""

from __future__ import annotations

from typing import Any

from bench.workflow_hand import HandWriter, run_order
from bench.workflow_setup import Bench

BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="bench"
    targetNamespace="http://servicekit.dev/bench">
 <bpmn:process id="work_order" isExecutable="true">
  <bpmn:startEvent id="start"/>
  <bpmn:userTask id="accept"/>
  <bpmn:userTask id="dispatch"/>
  <bpmn:userTask id="service"/>
  <bpmn:exclusiveGateway id="check_cost" default="no_review"/>
  <bpmn:userTask id="review"/>
  <bpmn:userTask id="follow_up"/>
  <bpmn:endEvent id="closed"/>
  <bpmn:sequenceFlow id="begin" sourceRef="start" targetRef="accept"/>
  <bpmn:sequenceFlow id="accept_flow" sourceRef="accept" targetRef="dispatch"/>
  <bpmn:sequenceFlow id="dispatch_flow" sourceRef="dispatch" targetRef="service"/>
  <bpmn:sequenceFlow id="complete_flow" sourceRef="service" targetRef="check_cost"/>
  <bpmn:sequenceFlow id="needs_review" sourceRef="check_cost" targetRef="review">
   <bpmn:conditionExpression>parts_cost &gt; 1000</bpmn:conditionExpression>
  </bpmn:sequenceFlow>
  <bpmn:sequenceFlow id="no_review" sourceRef="check_cost" targetRef="follow_up"/>
  <bpmn:sequenceFlow id="approve_flow" sourceRef="review" targetRef="follow_up"/>
  <bpmn:sequenceFlow id="close_flow" sourceRef="follow_up" targetRef="closed"/>
 </bpmn:process>
</bpmn:definitions>
"""


def load_spec() -> Any:
    """The BPMN process above, parsed once per database."""
    from SpiffWorkflow.bpmn.parser import BpmnParser

    parser = BpmnParser()
    parser.add_bpmn_str(BPMN)
    return parser.get_spec("work_order")


def spiff_order(bench: Bench, spec: Any) -> int:
    """SpiffWorkflow decides each next step of the BPMN process; the writer writes."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    flows = {flow: key for (source, key), flow in _FLOWS.items()}
    process = BpmnWorkflow(spec)
    process.do_engine_steps()

    def decide(writer: HandWriter, node: str, action: str) -> str:
        [task] = process.get_tasks(state=TaskState.READY, manual=True)
        if task.task_spec.name != node:
            raise RuntimeError(f"SpiffWorkflow is at {task.task_spec.name}, not {node}")
        task.data["parts_cost"] = float(writer.parts_cost())
        task.run()
        process.do_engine_steps()
        # Read the path SpiffWorkflow took back from its completed tasks.
        source = node
        for step in _taken_after(process, node):
            key = flows.get((source, step)) or action
            writer.moved(key, source, step)
            source = step
        if process.is_completed():
            return "closed"
        [nxt] = process.get_tasks(state=TaskState.READY, manual=True)
        name: str = nxt.task_spec.name
        return name

    return run_order(bench, decide)


_FLOWS = {  # (source, action) -> (source, target), to name the gateway's edge
    ("check_cost", "needs_review"): ("check_cost", "review"),
    ("check_cost", "no_review"): ("check_cost", "follow_up"),
}


def _taken_after(process: Any, node: str) -> list[str]:
    """The node names SpiffWorkflow passed after ``node`` up to the next user task or end."""
    from SpiffWorkflow.util.task import TaskState

    names = {"accept", "dispatch", "service", "check_cost", "review", "follow_up", "closed"}
    path = []
    current = next(
        t
        for t in reversed(process.get_tasks(state=TaskState.COMPLETED))
        if t.task_spec.name == node
    )
    while True:
        children = [
            c for c in current.children if c.state in (TaskState.COMPLETED, TaskState.READY)
        ]
        if not children:
            break
        current = children[0]
        if current.task_spec.name in names:
            path.append(current.task_spec.name)
            if current.task_spec.name != "check_cost":
                break
    return path
