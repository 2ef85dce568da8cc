"""In a real kernel, the tools make the kernel keep every widget message."""

import jupyter_client
import pytest

pytestmark = pytest.mark.slow


def test_importing_the_tools_lifts_the_kernels_output_limit():
    # ZeroMQ queues 1,000 messages per listener and drops the rest; a
    # tool sends about as many when it first shows.
    manager, client = jupyter_client.manager.start_new_kernel(
        kernel_name="python3")
    said = []
    try:
        code = ("import zmq\n"
                "socket = get_ipython().kernel.iopub_thread.socket\n"
                "print(socket.getsockopt(zmq.SNDHWM))\n"
                "import trainer_billing.widgets\n"
                "print(socket.getsockopt(zmq.SNDHWM))\n")
        reply = client.execute_interactive(
            code, timeout=60, output_hook=lambda msg: said.append(
                msg["content"].get("text", "")))
        assert reply["content"]["status"] == "ok"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert "".join(said).split() == ["1000", "0"]


def test_outside_a_kernel_nothing_is_changed():
    from trainer_billing.widgets._common import keep_every_message
    assert keep_every_message() is False
