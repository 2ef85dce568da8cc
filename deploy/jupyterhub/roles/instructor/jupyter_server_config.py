"""Jupyter Server settings for the instructor's own server (formgrader role).

The hub puts this folder first on JUPYTER_CONFIG_PATH for members of the
formgrade-trainer-billing group (see ../../jupyterhub_config.py). nbgrader's
formgrader, create-assignment and course-list extensions stay enabled, as
pip installs them.

The formgrader's JupyterLab tab shows the formgrader in an iframe. Since
JupyterHub 4.1 every single-user server sends
``Content-Security-Policy: frame-ancestors 'none'``, so that tab stays blank
(jupyter/nbgrader#1870). The hub sets TRAINER_BILLING_FRAME_ANCESTORS only
when it runs with per-user subdomains, where ``'self'`` means this
instructor's own server and nobody else's; then the iframe is allowed back.
Without subdomains nothing changes here, and the instructor opens the
formgrader in its own browser tab (/user/<name>/formgrader), which works.
"""

import os

c = get_config()  # noqa: F821 (traitlets provides get_config)

frame_ancestors = os.environ.get("TRAINER_BILLING_FRAME_ANCESTORS")
if frame_ancestors:
    c.ServerApp.tornado_settings = {
        "headers": {
            "Content-Security-Policy": f"frame-ancestors {frame_ancestors}",
        },
    }
