# `make test` and `make demo` work on a fresh machine with only Python and pip.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-test

.PHONY: test demo bench bench-latency screenshots system-deps clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test,bench]"
	touch $@

system-deps:
	bash .ci/system-deps

test: $(STAMP) system-deps
	$(PY) -m ruff check .
	$(PY) -m pytest

# Opens napari with the sample map and the Shape mask and Tight mask widgets docked.
# Without a display it renders under Xvfb to demo.png instead.
demo: $(STAMP) system-deps
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then $(VENV)/bin/cryomask gui; \
	else echo "no display: rendering the demo under Xvfb to demo.png"; \
	xvfb-run -a -s "-screen 0 1600x1000x24" $(VENV)/bin/cryomask gui --screenshot demo.png; fi

bench: $(STAMP) system-deps
	$(PY) tests/benchmarks/run.py

# Only the widget latency (part of `make bench`): 2D and 3D against plain napari, in one run.
bench-latency: $(STAMP) system-deps
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then $(PY) tests/benchmarks/latency.py; \
	else xvfb-run -a -s "-screen 0 1600x1000x24" $(PY) tests/benchmarks/latency.py; fi

screenshots: $(STAMP) system-deps
	xvfb-run -a -s "-screen 0 1600x1000x24" $(PY) screenshots/make_screenshots.py
	xvfb-run -a -s "-screen 0 1600x1000x24" $(PY) screenshots/make_model_screenshot.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache
