"""Insurance Billing for Personal Trainers: the course library.

The library is the only place where billing rules live. Widgets, workbooks
and the book call it; it imports none of them.
"""

__version__ = "0.1.0"
