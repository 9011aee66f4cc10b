"""nbgrader's cell-metadata check, with its JSON schema checked once per process instead of once per cell.

nbgrader checks the `nbgrader` metadata of every cell against its JSON schema (CheckCellMetadata:
twice for every notebook autograde grades, once for each notebook generate_assignment and Validate
write) with `jsonschema.validate(metadata, schema)`. That call first checks the *schema* against JSON
Schema's meta-schema, every time. nbgrader's schema is a constant file, so all but the first of those
checks repeat the same work: measured with cProfile (CPU time), they were 10.2 s of the 31.7 s an
`nbgrader autograde` process spent grading 17 notebooks of 02_recurrence, 0.3 s for each pass over a
notebook, about a third of what nbgrader itself costs per submission.

`install()`, called by nbgrader_config.py, gives nbgrader's validator module a `jsonschema` whose
`validate` checks each schema once, keeps its validator, and reports an invalid instance exactly as
`jsonschema.validate` does (the same best-matching ValidationError); everything else is jsonschema's.
Nothing else changes: a student's tampered metadata fails the check as before
(tests/test_grade_tools.py compares both on invalid metadata).
"""

from __future__ import annotations

import functools
import json

import jsonschema
from jsonschema import exceptions, validators


@functools.lru_cache(maxsize=16)
def _validator(schema_text: str):
    """The validator of one schema (given as its JSON text), after checking the schema once."""
    schema = json.loads(schema_text)
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate(instance, schema) -> None:
    """`jsonschema.validate(instance, schema)`, the schema checked once per process."""
    error = exceptions.best_match(_validator(json.dumps(schema)).iter_errors(instance))
    if error is not None:
        raise error


class _Jsonschema:
    """The jsonschema module as nbgrader's metadata validator sees it: `validate` cached, the rest as is."""

    validate = staticmethod(validate)

    def __getattr__(self, name):
        return getattr(jsonschema, name)


def install() -> None:
    """Make nbgrader's metadata validator (nbgrader.nbgraderformat.common) use the cached `validate`."""
    from nbgrader.nbgraderformat import common

    if not isinstance(common.jsonschema, _Jsonschema):
        common.jsonschema = _Jsonschema()


def installed() -> bool:
    from nbgrader.nbgraderformat import common

    return isinstance(common.jsonschema, _Jsonschema)
