"""What the tools' widgets share: colours, message boxes and text helpers.

No billing rule lives here; the messages come from the library.
"""

import html
import re
import threading

import ipywidgets as w

#: Red for errors and green for good news, both with a contrast of at
#: least 4.5:1 on white (WCAG 2.1 AA); grey for notes; amber for warnings.
ERROR = "#b00020"
OK = "#1b5e20"
NOTE = "#555"
WARNING = "#8a5a00"
SEVERITY_COLOUR = {"error": ERROR, "warning": WARNING}


def plain(markup):
    """Return the text of an HTML fragment, tags dropped and spaces
    made single.

    >>> plain("<b>Item 33a</b>:  wrong check&nbsp;digit")
    'Item 33a : wrong check digit'
    """
    text = re.sub(r"<[^>]+>", " ", markup)
    return " ".join(html.unescape(text).split())


def short(exc):
    """Return the first line of an exception's message (its type's name
    when it has none), for a message in words.

    >>> short(ValueError("first\\nsecond")), short(KeyError())
    ('first', 'KeyError')
    """
    text = str(exc).strip().splitlines()
    return text[0] if text and text[0] else type(exc).__name__


def guarded(action, say):
    """Return a button's click handler that runs ``action()``; an error
    is shown in words with ``say(message)``, never as a traceback."""
    def handler(_button):
        try:
            action()
        except Exception as exc:  # a button never shows a traceback
            say(f"Something went wrong: {short(exc)}")
    return handler


def set_value(box, value):
    """Return None; set a widget's value only if it changes (each change
    is a message to the browser)."""
    if box.value != value:
        box.value = value


def message_box(css):
    """Return an empty HTML widget with CSS class ``css``, for messages;
    it takes no room while empty."""
    box = w.HTML(value="", layout={"min_height": "0"})
    box.add_class(css)
    return box


def error_html(text, css="tb-error"):
    """Return an error message as a red block with class ``css``, its
    first letter a capital."""
    text = text[:1].upper() + text[1:]
    return (f'<div class="{css}" style="color:{ERROR};font-size:90%;'
            f'line-height:1.3;white-space:normal">'
            f"\u2716 {html.escape(text)}</div>")


def error_span(text):
    """Return an error message inline, in red."""
    return (f'<span class="tb-error" style="color:{ERROR}">'
            f"\u2716 {html.escape(text)}</span>")


def note_html(text, css="tb-note"):
    """Return a note in small grey type with class ``css``."""
    return (f'<div class="{css}" style="color:{NOTE};font-size:85%;'
            f'line-height:1.3">{html.escape(text)}</div>')


def keep_every_message(timeout=2.0):
    """Return True once this kernel's output channel keeps every message
    (False outside a kernel, or if it could not be set).

    A kernel's output socket queues at most 1,000 messages for each
    listener (ZeroMQ's default) and drops the rest. A tool sends up to
    about a thousand widget messages when it first shows; on a busy
    machine the listener (JupyterLab, Voila, the book's build) falls
    behind, and the page is missing widgets ("widget model not found").
    With no limit the messages wait instead. The socket belongs to the
    kernel's output thread, so the change is made there.
    """
    try:
        from IPython import get_ipython
        import zmq
    except ImportError:
        return False
    thread = getattr(getattr(get_ipython(), "kernel", None),
                     "iopub_thread", None)
    socket = getattr(thread, "socket", None)
    if socket is None or not hasattr(thread, "schedule"):
        return False
    done = threading.Event()

    def unlimited():
        try:
            socket.setsockopt(zmq.SNDHWM, 0)   # applies to open pipes too
        finally:
            done.set()

    thread.schedule(unlimited)
    return done.wait(timeout)
