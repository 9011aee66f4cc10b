"""Synthetic students and the machinery to grade them end to end with nbgrader."""
