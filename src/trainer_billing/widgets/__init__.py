"""ipywidgets front ends for the course's tools, one module per tool.

Each widget builds its controls, calls the library and shows what the
library says; no billing rule is decided here.
"""

from trainer_billing.widgets.claim_builder import ClaimBuilder

__all__ = ["ClaimBuilder"]
