"""Run parameterized notebooks with papermill, rejecting undeclared parameters."""

from mcg_lib.notebooks.execute import declared_parameters, execute_notebook

__all__ = ["declared_parameters", "execute_notebook"]
