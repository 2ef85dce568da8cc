"""How much each tool sends to the browser when it first shows: widget
models, and messages from the kernel, for each of the seven tools.

Every message passes through the kernel's output channel, whose queue
holds 1,000 messages by default (ZeroMQ's limit): the fewer a tool
sends, the sooner it shows, in JupyterLab, Voila and the book alike.
Run:

    .venv/bin/python benchmarks/widget_messages.py

It starts one kernel, shows each tool in it as its workbook does, and
prints the figures and the time each took; it asserts nothing.
"""

import collections
import sys
import time

import jupyter_client

TOOLS = {
    "claim builder": "from trainer_billing.widgets import ClaimBuilder\n"
                     "display(ClaimBuilder().widget)",
    "units calculator": "from trainer_billing.widgets import UnitsCalculator"
                        "\ndisplay(UnitsCalculator().widget)",
    "eligibility checker": "from trainer_billing.widgets import "
                           "EligibilityChecker\n"
                           "display(EligibilityChecker().widget)",
    "rate calculator": "from trainer_billing.widgets import RateCalculator\n"
                       "display(RateCalculator().widget)",
    "session notes": "from trainer_billing.widgets import "
                     "SessionNoteBuilder\n"
                     "display(SessionNoteBuilder().widget)",
    "enrollment planner": "from trainer_billing.widgets import "
                          "EnrollmentPlanner\n"
                          "display(EnrollmentPlanner().widget)",
    "denial helper": "from trainer_billing.widgets import DenialHelper\n"
                     "display(DenialHelper().widget)",
}


def messages_of(client, code):
    """Return ({message type: count}, seconds) for one cell's output."""
    started = time.perf_counter()
    msg_id = client.execute(code)
    kinds = collections.Counter()
    while True:
        msg = client.get_iopub_msg(timeout=120)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kinds[msg["msg_type"]] += 1
        if msg["msg_type"] == "error":
            raise RuntimeError("\n".join(msg["content"]["traceback"]))
        if msg["msg_type"] == "status" and \
                msg["content"]["execution_state"] == "idle":
            return kinds, time.perf_counter() - started


def main():
    manager, client = jupyter_client.manager.start_new_kernel(
        kernel_name="python3")
    try:
        # Each tool's imports first, so the times are the tools' own.
        messages_of(client, "\n".join(
            line for code in TOOLS.values() for line in code.splitlines()
            if line.startswith("from ")))
        print(f"{'tool':20} {'models':>7} {'updates':>8} {'messages':>9} "
              f"{'seconds':>8}")
        for name, code in TOOLS.items():
            kinds, seconds = messages_of(client, code)
            print(f"{name:20} {kinds['comm_open']:7d} "
                  f"{kinds['comm_msg']:8d} {sum(kinds.values()):9d} "
                  f"{seconds:8.2f}")
    finally:
        manager.shutdown_kernel(now=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
