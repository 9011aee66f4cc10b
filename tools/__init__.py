"""Instructors' tools: grading a whole class (tools.grade), feedback without
hidden tests (tools.feedback), the benchmark, and set-up scripts."""
