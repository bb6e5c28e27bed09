# make serve: install into .venv and serve the portal at http://127.0.0.1:6543 (FileStorage under var/)
# make test:  the same installation, then the linter and the whole test suite
VENV := .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: serve test install lint format browser clean

$(BIN)/.installed: setup.cfg setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade 'pip>=23' 'setuptools<81' wheel
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(BIN)/.installed

var:
	mkdir -p var/blobs

# The port: make serve HTTP_PORT=6544
HTTP_PORT ?= 6543

serve: install var
	$(BIN)/pserve development.ini http_port=$(HTTP_PORT)

# Debian's chromium for the browser tests (needs root, as on CI).
browser:
	@test -x /usr/bin/chromium || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk; }

lint: install
	$(BIN)/ruff format --check portal tests benchmarks
	$(BIN)/ruff check portal tests benchmarks

format: install
	$(BIN)/ruff format portal tests benchmarks

test: install browser lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) *.egg-info
