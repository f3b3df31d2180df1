"""The workflow designer: graph canvas, node and edge panels, live checks and simulation.

Others use :func:`init_app`; the simulation (:func:`begin`, :func:`act`) is pure and can be
driven from tests with a :class:`Scenario` built by :func:`build_scenario`.
"""

from __future__ import annotations

from flask import Flask

from servicekit.designer.workflows.scenario import build_scenario, working_bodies
from servicekit.designer.workflows.simulation import Scenario, SimulationError, act, begin


def init_app(app: Flask) -> None:
    """Register the ``designer_workflows`` blueprint (page, pickers, simulation)."""
    from servicekit.designer.workflows.views import bp

    app.register_blueprint(bp)


__all__ = [
    "Scenario",
    "SimulationError",
    "act",
    "begin",
    "build_scenario",
    "init_app",
    "working_bodies",
]
