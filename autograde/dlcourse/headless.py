"""Running notebooks without a browser (grading, the self-check, the tests): two stalls to avoid.

Output widgets. nbclient mirrors every `ipywidgets.Output` by sending the widget's new
state to the kernel on the shell socket, while it waits on that same socket for the
cell's reply. With pyzmq's asyncio sockets that send can swallow the wake-up for the
reply, which is then noticed only when the cell's time limit runs out: a widget cell
that takes half a second costs a minute, at random (a third of the gradings of lesson
01 on a 2-core machine). Without the mirror, what a widget displays lands in the cell's
own outputs, which is all a grader or a test reads.

TCP ports. A kernel's ports are picked free and then bound by the kernel a moment
later; with many kernels starting at once two can pick the same one. Unix sockets in a
private folder cannot collide.
"""

import os

from jupyter_client.manager import AsyncKernelManager


def detach_output_widgets(client):
    """Stop `client` (an nbclient NotebookClient) from mirroring Output widgets.

    Set on the instance, so it survives nbconvert's ExecutePreprocessor, which
    initialises its NotebookClient part again for every notebook.
    """
    client.on_comm_open_jupyter_widget = _ignore_widget
    client.comm_open_handlers = {"jupyter.widget": _ignore_widget}
    return client


def _ignore_widget(msg):
    return None  # no mirror object: the widget's display messages stay in the cell's outputs


def quiet_nbgrader_execute():
    """Make nbgrader's own Execute preprocessor skip the mirror, for every instance in this
    process: the Validate button (run inside the JupyterLab server) and plain `nbgrader
    autograde` on the course. The course's nbgrader configuration calls this when it loads.
    """
    from nbgrader.preprocessors import Execute
    Execute.on_comm_open_jupyter_widget = staticmethod(_ignore_widget)


def ipc_kernel_manager(folder, kernel_name="python3"):
    """A kernel manager whose kernel talks over Unix sockets in `folder` (a private temporary folder)."""
    return AsyncKernelManager(kernel_name=kernel_name, transport="ipc",
                              connection_file=os.path.join(folder, "kernel.json"))
