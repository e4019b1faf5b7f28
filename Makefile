# The two commands of the README: `make run` and `make test`. Both install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install run test lint messages bench-install bench-outbox bench-outbox-check bench bench-quick clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

# Migrate, load the demo data, then the web server on :8000 and the outbox worker; Ctrl-C stops both.
run: install
	scripts/run-dev.sh

# The whole suite, on SQLite by default or on PostgreSQL with DATABASE_URL=postgres://...
test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run
	# The compiled message catalogues (committed, so a checkout runs without gettext) are
	# those of the .po files: `make messages` rebuilds both.
	for po in hotel/locale/*/LC_MESSAGES/django.po; do \
		msgfmt --check-format -o - "$$po" | cmp -s - "$${po%.po}.mo" \
			|| { echo "$${po%.po}.mo is stale: run make messages"; exit 1; }; \
	done
	$(BIN)/hadolint Dockerfile
	# Every manifest against the Kubernetes schemas (kustomization.yaml is kustomize's, not one).
	$(BIN)/kubernetes-validate --strict --quiet $(filter-out %/kustomization.yaml,$(wildcard deploy/k8s/*.yaml))

# Korean and English catalogues of the project's strings (GNU gettext's msgfmt and xgettext).
messages: install
	$(BIN)/python manage.py makemessages --locale ko --locale en --no-location \
		--ignore .venv --ignore bench --ignore tests --ignore staticfiles --ignore test-artifacts
	$(BIN)/python manage.py compilemessages --ignore .venv

bench-outbox: install
	$(BIN)/python bench/outbox_bench.py

# What the benches need beyond the test suite (see bench/README.md).
bench-install: install
	$(BIN)/pip install --quiet -e ".[dev,bench]"

# CI: a short outbox bench that fails when the worker falls below its floors.
bench-outbox-check: install
	$(BIN)/python bench/outbox_bench.py --quick --check

# The whole system under load, with its fault drills, on a PostgreSQL cluster of its own
# (bench/system_bench.py); bench-quick is CI's short run, failing on a lost or duplicated
# effect or a 500.
bench: bench-install
	$(BIN)/python -m bench

bench-quick: bench-install
	$(BIN)/python -m bench --quick

clean:
	rm -rf $(VENV) db.sqlite3* test-db.sqlite3*
