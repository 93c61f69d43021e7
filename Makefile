# The README's two commands are `make demo` and `make test`; the rest are
# conveniences. Every target runs inside the project's uv environment.

UV ?= uv
DATA_ROOT ?= data

.PHONY: demo test lab bench lint sync clean

sync:
	$(UV) sync --locked

demo: sync
	$(UV) run mcg --data-root $(DATA_ROOT) demo

test: sync
	$(UV) run ruff check mcg_lib tests benchmarks
	$(UV) run pytest -n 2

lab: sync
	$(UV) run mcg --data-root $(DATA_ROOT) lab

bench: sync
	$(UV) sync --locked --group bench
	$(UV) run python -m benchmarks.run

lint: sync
	$(UV) run ruff check mcg_lib tests benchmarks

clean:
	rm -rf $(DATA_ROOT)/staging
