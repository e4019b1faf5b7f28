"""deploy/k8s: the manifests parse, hang together, and their settings start production."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"


def documents() -> dict[tuple[str, str], dict]:
    found = {}
    for path in sorted(K8S.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document is None or document.get("kind") == "Kustomization":
                continue
            key = (document["kind"], document["metadata"]["name"])
            assert key not in found, f"{key} defined twice"
            found[key] = document
    return found


@pytest.fixture(scope="module")
def manifests():
    return documents()


def container(manifests, deployment: str) -> dict:
    (only,) = manifests[("Deployment", deployment)]["spec"]["template"]["spec"]["containers"]
    return only


def test_every_file_parses_and_every_object_is_named(manifests):
    assert manifests
    for (kind, name), document in manifests.items():
        assert document["apiVersion"], (kind, name)
        assert name


def test_the_kustomization_lists_every_manifest():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])

    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}


def test_web_runs_the_web_role_with_probes_resources_and_a_grace_period(manifests):
    pod = manifests[("Deployment", "hotel-web")]["spec"]["template"]["spec"]
    web = container(manifests, "hotel-web")
    allowed_hosts = manifests[("ConfigMap", "hotel-config")]["data"]["ALLOWED_HOSTS"].split(",")

    assert web["args"] == ["web"]
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        (host,) = web[probe]["httpGet"]["httpHeaders"]
        assert host["name"] == "Host"
        assert host["value"] in allowed_hosts  # production settings refuse other hosts
    assert web["resources"]["requests"]["cpu"]  # the CPU autoscaler needs a request
    assert web["resources"]["limits"]["memory"]
    assert pod["terminationGracePeriodSeconds"] > int(
        {e["name"]: e["value"] for e in web["env"]}["WEB_GRACEFUL_TIMEOUT"]
    )
    assert pod["securityContext"]["runAsNonRoot"] is True


def test_worker_runs_the_worker_role_with_a_heartbeat_liveness_probe(manifests):
    worker = container(manifests, "hotel-worker")
    env = {e["name"]: e["value"] for e in worker["env"]}

    assert worker["args"] == ["worker"]
    assert worker["livenessProbe"]["exec"]["command"] == [
        "python",
        "/app/deploy/healthcheck.py",
        "worker",
    ]
    assert env["OUTBOX_HEARTBEAT_FILE"].startswith("/tmp/")
    mounts = {m["mountPath"] for m in worker["volumeMounts"]}
    assert "/tmp" in mounts  # writable under readOnlyRootFilesystem
    assert worker["resources"]["requests"]["cpu"]


def test_migrations_run_in_a_job_and_the_pods_wait_for_them(manifests):
    job = manifests[("Job", "hotel-migrate")]["spec"]["template"]["spec"]
    config = manifests[("ConfigMap", "hotel-config")]["data"]

    assert job["containers"][0]["args"] == ["migrate"]
    assert config["MIGRATE_ON_START"] == "false"


def test_the_service_selects_the_web_pods(manifests):
    service = manifests[("Service", "hotel-web")]["spec"]
    labels = manifests[("Deployment", "hotel-web")]["spec"]["template"]["metadata"]["labels"]

    assert service["selector"].items() <= labels.items()
    assert service["ports"][0]["targetPort"] == "http"


@pytest.mark.parametrize("deployment", ["hotel-web", "hotel-worker"])
def test_each_deployment_has_a_cpu_autoscaler(manifests, deployment):
    (hpa,) = [
        doc
        for (kind, _), doc in manifests.items()
        if kind == "HorizontalPodAutoscaler" and doc["spec"]["scaleTargetRef"]["name"] == deployment
    ]
    (cpu,) = [m for m in hpa["spec"]["metrics"] if m["type"] == "Resource"]

    assert ("Deployment", deployment) in manifests
    assert cpu["resource"]["name"] == "cpu"
    assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


def test_the_roles_the_manifests_use_are_roles_the_entrypoint_knows(manifests):
    script = (ROOT / "deploy" / "entrypoint.sh").read_text()
    roles = {
        container["args"][0]
        for (kind, _), doc in manifests.items()
        if kind in {"Deployment", "Job"}
        for container in doc["spec"]["template"]["spec"]["containers"]
    }

    assert roles == {"web", "worker", "migrate"}
    for role in roles:
        assert f"  {role})" in script


def test_the_example_configuration_starts_production_settings(manifests):
    config = manifests[("ConfigMap", "hotel-config")]["data"]
    secret = manifests[("Secret", "hotel-secrets")]["stringData"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DEBUG"))}
    env.update({**config, **secret, "DJANGO_SETTINGS_MODULE": "hotel.settings"})

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.PRODUCTION, s.DEBUG, s.LOG_FORMAT, s.DATABASES['default']['ENGINE'])",
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "False",
        "json",
        "django.db.backends.postgresql",
    ]
