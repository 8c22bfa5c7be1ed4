# `make test` and `make demo` work on a fresh machine with only Python and pip.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-test

.PHONY: test test-qt5 demo bench bench-latency screenshots system-deps clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test,bench]"
	touch $@

system-deps:
	bash .ci/system-deps

# The whole suite under PyQt6, the binding of the gui extra (QT_API pins it should PyQt5 be importable).
test: $(STAMP) system-deps
	$(PY) -m ruff check .
	QT_API=pyqt6 $(PY) -m pytest

# The GUI tests (those that use a Qt application) again under PyQt5, which napari still supports.
# PyQt5 goes into a folder of its own that only this run puts on the path: the venv's binding stays PyQt6.
QT5_SITE := $(VENV)/qt5-site
QT5_STAMP := $(QT5_SITE)/.installed
GUI_TESTS = $(shell grep -l -E "qtbot|make_napari_viewer|qapp" tests/test_*.py)

$(QT5_STAMP): | $(STAMP)
	$(PY) -m pip install -q --target $(QT5_SITE) "PyQt5>=5.15"
	touch $@

test-qt5: $(STAMP) $(QT5_STAMP) system-deps
	QT_API=pyqt5 PYTHONPATH="$(abspath $(QT5_SITE))$${PYTHONPATH:+:$$PYTHONPATH}" $(PY) -m pytest $(GUI_TESTS)

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
