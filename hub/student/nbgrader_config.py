"""nbgrader's settings for students' servers on the course's JupyterHub (hub/jupyterhub_config.py puts
this folder on their JUPYTER_CONFIG_PATH): which course, and where its exchange is."""

import os

c = get_config()  # noqa: F821 -- provided by traitlets when it loads this file

c.CourseDirectory.course_id = "rnn-from-scratch"
c.Exchange.root = os.environ.get("RNN_COURSE_EXCHANGE", "/srv/nbgrader/exchange")
# Submissions land in a folder students cannot list, each under a name ending with 72 random bits
# (nbgrader's default, kept explicit: it is what keeps one student from reading another's submission).
c.ExchangeSubmit.add_random_string = True
