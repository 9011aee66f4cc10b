"""nbgrader's exchange, with the course's release guard on the way out.

nbgrader_config.py names GuardedReleaseAssignment as nbgrader's `ExchangeFactory.release_assignment`, the
class that `nbgrader release_assignment`, Formgrader's *Release* button and `make release-hub` all use to
copy a release into the exchange. Before anything is copied it puts the folder that would go out through
tools/release.py's guard (`checked`): what solutions/ generates now, carrying no answer or hidden test of
an assignment schedule.toml says is open. A refusal is the exchange's error, with the guard's reasons:
the command fails, Formgrader shows them, the exchange is left as it was.

The edition (tools/i18n.py): `--GuardedReleaseAssignment.language=zh` (`make release-hub LANG=zh`) sends the
Chinese release, course-zh/<assignment>/, and the guard checks it against the Chinese edition that solutions/
generates now, so a missing or stale translation is refused as an out-of-date release is. Students fetch it
under the same course id: a class on the hub has the edition its instructor releases.
"""

from __future__ import annotations

from pathlib import Path

from nbgrader.exchange.default import ExchangeReleaseAssignment
from traitlets import Enum

from tools import i18n, release, toolbox
from tools.layout import Course


class GuardedReleaseAssignment(ExchangeReleaseAssignment):
    """nbgrader's release_assignment, refusing a release the guard refuses."""

    language = Enum(
        i18n.LANGUAGES,
        default_value=i18n.SOURCE_LANGUAGE,
        help="The edition released: en (the release directory, course/) or zh (course-zh/, tools/i18n.py).",
    ).tag(config=True)

    def init_src(self):
        root = Path(self.coursedir.root)
        if self.language == i18n.SOURCE_LANGUAGE:
            super().init_src()  # sets src_path, the release folder that would be copied
        else:  # the edition's own folder, which `make course LANG=zh` writes
            self.src_path = str(Course(root).edition_release(self.language) / self.coursedir.assignment_id)
            if not Path(self.src_path).is_dir():
                self.fail(f"no {self.src_path}: run `make course LANG={self.language}` first")
        try:
            release.checked(root, self.coursedir.assignment_id, Path(self.src_path).resolve(), self.language)
        except (release.ReleaseError, toolbox.ToolboxError) as error:
            self.fail(str(error))
