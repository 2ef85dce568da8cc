"""ipywidgets front ends for the course's tools, one module per tool.

Each widget builds its controls, calls the library and shows what the
library says; no billing rule is decided here.

The classes are imported on first use (``from trainer_billing.widgets
import RateCalculator``), so that opening one tool does not load what
the others need (pandas, matplotlib, the ICD-10-CM code set).
"""

import importlib

from ._common import keep_every_message

# Before any tool shows: see keep_every_message.
keep_every_message()

_TOOLS = {
    "ClaimBuilder": "claim_builder",
    "UnitsCalculator": "units_calculator",
    "EligibilityChecker": "eligibility_checker",
    "RateCalculator": "rate_calculator",
    "SessionNoteBuilder": "session_notes",
    "EnrollmentPlanner": "enrollment_planner",
    "DenialHelper": "denial_helper",
}

__all__ = sorted(_TOOLS)


def __getattr__(name):
    if name not in _TOOLS:
        raise AttributeError(f"module {__name__!r} has no attribute "
                             f"{name!r}")
    module = importlib.import_module(f"{__name__}.{_TOOLS[name]}")
    return getattr(module, name)
