"""nbgrader's exchange, with the course's release guard on the way out.

nbgrader_config.py names GuardedReleaseAssignment as nbgrader's `ExchangeFactory.release_assignment`, the
class that `nbgrader release_assignment`, Formgrader's *Release* button and `make release-hub` all use to
copy a release into the exchange. Before anything is copied it puts the folder that would go out through
tools/release.py's guard (`checked`): what solutions/ generates now, carrying no answer or hidden test of
an assignment course.toml says is open. A refusal is the exchange's error, with the guard's reasons:
the command fails, Formgrader shows them, the exchange is left as it was.
"""

from __future__ import annotations

from pathlib import Path

from nbgrader.exchange.default import ExchangeReleaseAssignment

from tools import release, toolbox


class GuardedReleaseAssignment(ExchangeReleaseAssignment):
    """nbgrader's release_assignment, refusing a release the guard refuses."""

    def init_src(self):
        super().init_src()  # sets src_path, the release folder that would be copied
        try:
            release.checked(Path(self.coursedir.root), self.coursedir.assignment_id, Path(self.src_path).resolve())
        except (release.ReleaseError, toolbox.ToolboxError) as error:
            self.fail(str(error))
