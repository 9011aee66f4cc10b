"""nbgrader's settings for students: which course, where its exchange is, and Validate's messages first.

Students' servers on the course's JupyterHub load it from JUPYTER_CONFIG_PATH (hub/jupyterhub_config.py
puts this folder there); every zip release carries it beside the notebook (tools/release.py), where
JupyterLab's Validate finds it (nbgrader reads the nbgrader_config.py of the folder JupyterLab was started
in); the course's own nbgrader_config.py loads it first, so instructors see what students see. It needs
nothing but nbgrader."""

import os
import re

c = get_config()  # noqa: F821 -- provided by traitlets when it loads this file

c.CourseDirectory.course_id = "rnn-from-scratch"
c.Exchange.root = os.environ.get("RNN_COURSE_EXCHANGE", "/srv/nbgrader/exchange")
# Submissions land in a folder students cannot list, each under a name ending with 72 random bits
# (nbgrader's default, kept explicit: it is what keeps one student from reading another's submission).
c.ExchangeSubmit.add_random_string = True


# Validate (JupyterLab's button, `nbgrader validate`) lists each failing test cell as its whole source, then
# its error: a student read the test's code before what went wrong. Here each failure reads message first
# -- the failing check's message, hint and line (helpers.py renders them as the error), or the last line of
# any other error and the function that raised it -- then the test cell's source and, for other errors, the
# traceback. The dialog shows nbgrader's "source" field first and its "error" field second. A free-text
# question left as released (nbgrader: "You did not provide a response.") reads as not answered yet. Its words are
# in the notebook's edition: a Chinese release (its mark, metadata.rnn_course.language) carries the course's
# catalogue in locale/ beside the notebook (tools/i18n.py), the same that helpers.py's messages come from.
def _translator(filename: str):
    """The gettext function of the edition of the notebook `filename` (English without a mark or a catalogue)."""
    import gettext
    import json
    from pathlib import Path

    try:
        with open(filename, encoding="utf-8") as file:
            language = json.load(file).get("metadata", {}).get("rnn_course", {}).get("language")
    except (OSError, ValueError, AttributeError):
        language = None
    if not isinstance(language, str):
        return gettext.NullTranslations().gettext
    localedir = Path(filename).resolve().parent / "locale"
    return gettext.translation("course", localedir, languages=[language], fallback=True).gettext


def _message_first(failure: dict, _=lambda text: text) -> dict:
    from nbconvert.filters import ansi2html, strip_ansi

    error = strip_ansi(failure["raw_error"]).strip()
    lines = [line.rstrip() for line in error.splitlines() if line.strip()]
    check = next((i for i, line in enumerate(lines) if line.startswith("✗")), None)  # helpers.py's checks
    exceptions = [line for line in lines if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit)\b", line)]
    if check is not None:
        end = next((i for i in range(check, len(lines)) if lines[i].startswith("(found by")), len(lines) - 1)
        message, details = "\n".join(lines[check : end + 1]), ""
    elif exceptions:
        raised_in = re.findall(r", in (\w+)\(", error)
        message = exceptions[-1].rstrip(": ")
        if raised_in:
            message = _("{error} (raised in {function})").format(error=message, function=raised_in[-1])
        details = error
    elif error == "You did not provide a response.":  # nbgrader's words for a question left as released
        message, details = "✗ " + _("Not answered yet: write your answer in this cell (a question graded by hand)."), ""
    else:  # stderr output, or nbgrader's "Partial credit"
        message, details = error, ""
    label = _("Your answer:") if error == "You did not provide a response." else _("The test cell:")
    source = f"{label}\n{failure['source']}" + (f"\n\n{details}" if details else "")
    return dict(failure, source=message, raw_error=source, error=ansi2html(source))


def _install() -> None:
    from nbgrader.validator import Validator

    if getattr(Validator.validate, "message_first", False):  # this file is read again at every Validate
        return
    validate = Validator.validate

    def validate_message_first(self, filename):
        results = validate(self, filename)
        if "failed" in results:
            _ = _translator(filename)
            results["failed"] = [_message_first(failure, _) for failure in results["failed"]]
        return results

    validate_message_first.message_first = True
    Validator.validate = validate_message_first


_install()
