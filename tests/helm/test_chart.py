"""The Helm chart: strict lint, every rendered object valid for Kubernetes 1.31, a schema that
refuses bad values, hardened pods, probes, the migration hook, and no secret in plain text."""

from __future__ import annotations

import copy
import re

import helm_python
import kubernetes_validate
import pytest
import yaml
from chartkit import CHART, production_values, render

KUBERNETES = "1.31.0"
WORKLOADS = ("Deployment", "Job")


def objects_of(objects: list[dict], kind: str) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def pod_specs(objects: list[dict]) -> dict[str, dict]:
    return {
        o["metadata"]["name"]: o["spec"]["template"]["spec"]
        for o in objects
        if o["kind"] in WORKLOADS
    }


@pytest.mark.parametrize("values", [None, "production"], ids=["defaults", "production"])
def test_lint_is_clean_even_strictly(values):
    report = helm_python.lint(
        CHART, production_values() if values else None, strict=True, kube_version="v1.31.0"
    )
    assert report["errors"] == [] and report["messages"] == [], report


@pytest.mark.parametrize("which", ["default_objects", "production_objects"])
def test_every_rendered_object_is_valid_kubernetes(request, which):
    objects = request.getfixturevalue(which)
    assert len(objects) >= 10
    for obj in objects:
        kubernetes_validate.validate(obj, KUBERNETES, strict=True)


def test_what_is_rendered(default_objects, production_objects):
    kinds = sorted(o["kind"] for o in default_objects)
    assert kinds == sorted(
        [
            "Deployment",
            "Deployment",
            "Deployment",
            "Job",
            "Service",
            "Service",
            "ServiceAccount",
            "HorizontalPodAutoscaler",
            "PodDisruptionBudget",
            "PodDisruptionBudget",
            "NetworkPolicy",
            "NetworkPolicy",
            "PersistentVolumeClaim",
        ]
    )
    scheduler = objects_of(default_objects, "Deployment")["samverka-scheduler"]
    assert scheduler["spec"]["replicas"] == 1
    assert scheduler["spec"]["strategy"]["type"] == "Recreate"
    assert scheduler["spec"]["template"]["spec"]["containers"][0]["args"] == ["scheduler"]
    hpas = objects_of(production_objects, "HorizontalPodAutoscaler")
    assert set(hpas) == {"samverka-web", "samverka-worker"}
    web = objects_of(production_objects, "Deployment")["samverka-web"]
    assert "replicas" not in web["spec"]  # the autoscaler owns the count
    assert web["spec"]["template"]["spec"]["containers"][0]["image"] == (
        "registry.example.se/samverka/samverka@sha256:"
        "3f1c2b9e8d7a6f5e4d3c2b1a09f8e7d6c5b4a3928170f6e5d4c3b2a190f8e7d6"
    )


@pytest.mark.parametrize("which", ["default_objects", "production_objects"])
def test_every_pod_is_hardened(request, which):
    for name, spec in pod_specs(request.getfixturevalue(which)).items():
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert spec["automountServiceAccountToken"] is False, name
        writable = {v["name"] for v in spec["volumes"] if "emptyDir" in v}
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            assert context["runAsNonRoot"] is True, name
            assert context["seccompProfile"] == {"type": "RuntimeDefault"}, name
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            assert mounts["/tmp"] in writable  # noqa: S108 and mounts["/var/lib/samverka"] in writable
            assert container["resources"]["requests"] and container["resources"]["limits"]


def test_probes(default_objects):
    deployments = objects_of(default_objects, "Deployment")
    (web,) = deployments["samverka-web"]["spec"]["template"]["spec"]["containers"]
    assert web["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert web["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert web["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    (worker,) = deployments["samverka-worker"]["spec"]["template"]["spec"]["containers"]
    assert worker["args"] == ["worker"]
    assert worker["livenessProbe"]["exec"]["command"] == [
        "python",
        "-m",
        "samverka.ops.probe",
        "worker",
    ]
    (scheduler,) = deployments["samverka-scheduler"]["spec"]["template"]["spec"]["containers"]
    assert scheduler["args"] == ["scheduler"]
    assert scheduler["livenessProbe"]["exec"]["command"] == [
        "python",
        "-m",
        "samverka.ops.probe",
        "scheduler",
    ]
    assert scheduler["livenessProbe"]["periodSeconds"] == 30


def env_of(container: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container["env"]}


def test_migrations_run_as_a_pre_install_and_pre_upgrade_hook(default_objects):
    (job,) = objects_of(default_objects, "Job").values()
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert "before-hook-creation" in annotations["helm.sh/hook-delete-policy"]
    spec = job["spec"]["template"]["spec"]
    assert spec["restartPolicy"] == "Never"
    assert "serviceAccountName" not in spec  # the chart's account does not exist yet
    (container,) = spec["containers"]
    assert container["args"] == ["db", "upgrade"]
    env = env_of(container)
    assert env["SAMVERKA_DATABASE_OWNER_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": "samverka",
        "key": "database-owner-url",
    }
    assert "SAMVERKA_DATABASE_URL" in env  # the app role, granted its rights by the upgrade
    for deployment in objects_of(default_objects, "Deployment").values():
        (app,) = deployment["spec"]["template"]["spec"]["containers"]
        assert "SAMVERKA_DATABASE_OWNER_URL" not in env_of(app)  # the owner is for migrations


def test_metrics_are_not_routed_by_the_ingress(production_objects):
    (ingress,) = objects_of(production_objects, "Ingress").values()
    backends = [
        path["backend"]["service"]
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]
    assert backends == [{"name": "samverka-web", "port": {"name": "http"}}]
    assert ingress["spec"]["tls"] == [
        {"secretName": "samverka-tls", "hosts": ["samverka.example.se"]}
    ]
    services = objects_of(production_objects, "Service")
    assert [p["name"] for p in services["samverka-web"]["spec"]["ports"]] == ["http"]
    assert [p["port"] for p in services["samverka-metrics"]["spec"]["ports"]] == [9102]
    (web,) = objects_of(production_objects, "Deployment")["samverka-web"]["spec"]["template"][
        "spec"
    ]["containers"]
    assert env_of(web)["SAMVERKA_METRICS_PORT"]["value"] == "9102"
    policies = objects_of(production_objects, "NetworkPolicy")
    rules = policies["samverka-web"]["spec"]["ingress"]
    assert [r["ports"] for r in rules] == [
        [{"port": "http", "protocol": "TCP"}],
        [{"port": "metrics", "protocol": "TCP"}],
    ]


SECRETISH = re.compile(r"(?i)(password|secret|token|_KEY|_KEYS|_URL)$")


@pytest.mark.parametrize("which", ["default_objects", "production_objects"])
def test_no_secret_is_rendered_in_plain_text(request, which):
    objects = request.getfixturevalue(which)
    assert "Secret" not in {o["kind"] for o in objects}  # referenced, never created
    text = yaml.safe_dump_all(objects)
    assert not re.search(r"(postgres(ql)?|redis|rediss)(\+\w+)?://", text)
    for spec in pod_specs(objects).values():
        for container in spec["containers"]:
            for name, entry in env_of(container).items():
                if SECRETISH.search(name):
                    assert "value" not in entry, f"{name} rendered in plain text"
                    assert "secretKeyRef" in entry["valueFrom"], name


def test_secret_looking_values_are_refused_not_rendered():
    """Where someone might paste a secret, the schema refuses it; nothing lands in a manifest."""
    secretish = "postgresql+psycopg://samverka_app:Sup3r-S3cret-pw@db.internal/samverka"
    attempts = [
        {"secrets": {"databaseUrl": secretish}},
        {"extraEnv": {"SAMVERKA_DATABASE_URL": secretish}},
        {"extraEnv": {"SAMVERKA_SECRET_KEY": "k" * 48}},
        {"databasePassword": "Sup3r-S3cret-pw"},
        {"secrets": {"existingSecret": secretish}},
    ]
    for values in attempts:
        with pytest.raises(helm_python.HelmError):
            render(values)
    rendered = yaml.safe_dump_all(render({"extraEnv": {"FEATURE_FLAG": "on"}}))
    assert "Sup3r-S3cret-pw" not in rendered and "FEATURE_FLAG" in rendered


BAD_VALUES = {
    "unknown key": {"replicaCount": 3},
    "unknown nested key": {"web": {"replica": 2}},
    "writable root": {"securityContext": {"readOnlyRootFilesystem": False}},
    "root user": {"podSecurityContext": {"runAsNonRoot": False}},
    "privilege escalation": {"securityContext": {"allowPrivilegeEscalation": True}},
    "added capability": {
        "securityContext": {"capabilities": {"drop": ["ALL"], "add": ["NET_ADMIN"]}}
    },
    "development mode": {"env": "development"},
    "log format": {"logFormat": "yaml"},
    "port as text": {"web": {"port": "eighty"}},
    "negative proxies": {"trustedProxies": -1},
    "zero gunicorn workers": {"web": {"workers": 0}},
    "bad digest": {"image": {"digest": "latest"}},
    "pull policy": {"image": {"pullPolicy": "Sometimes"}},
    "uppercase host": {"ingress": {"enabled": True, "hosts": [{"host": "Samverka.Example.se"}]}},
    "memory as words": {"worker": {"resources": {"requests": {"cpu": "1", "memory": "lots"}}}},
    "files size without unit": {"persistence": {"size": "20"}},
    "unknown access mode": {"persistence": {"accessModes": ["ReadWriteSometimes"]}},
    "claim name with spaces": {"persistence": {"existingClaim": "my files"}},
}


def merged(overrides: dict) -> dict:
    """The chart's defaults with ``overrides`` merged in (helm merges maps the same way)."""
    values = yaml.safe_load((CHART / "values.yaml").read_text())

    def merge(into: dict, extra: dict) -> None:
        for key, value in extra.items():
            if isinstance(value, dict) and isinstance(into.get(key), dict):
                merge(into[key], value)
            else:
                into[key] = copy.deepcopy(value)

    merge(values, overrides)
    return values


@pytest.mark.parametrize("overrides", BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_the_schema_refuses_bad_values(overrides):
    chart = helm_python.Chart.load(CHART)
    chart.validate_schema(merged({}))  # the defaults pass
    with pytest.raises(helm_python.HelmValuesError):
        chart.validate_schema(merged(overrides))
    with pytest.raises(helm_python.HelmError):
        render(overrides)


def instance_volumes(objects: list[dict]) -> dict[str, dict]:
    return {
        name: next(v for v in spec["volumes"] if v["name"] == "instance")
        for name, spec in pod_specs(objects).items()
    }


def test_web_worker_and_scheduler_share_one_claim_for_files(default_objects):
    """An export a worker builds is downloaded through a web pod, and an attachment uploaded
    to one web pod is read from another: every long-running tier mounts the same claim at the
    instance folder. The migration hook runs before the claim exists and gets scratch space."""
    claims = objects_of(default_objects, "PersistentVolumeClaim")
    assert list(claims) == ["samverka-files"]
    claim = claims["samverka-files"]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    assert claim["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    volumes = instance_volumes(default_objects)
    tiers = {"samverka-web", "samverka-worker", "samverka-scheduler"}
    for name in tiers:
        assert volumes[name] == {
            "name": "instance",
            "persistentVolumeClaim": {"claimName": "samverka-files"},
        }
    assert "emptyDir" in volumes["samverka-migrate"]
    for name, spec in pod_specs(default_objects).items():
        mounts = {m["name"]: m["mountPath"] for m in spec["containers"][0]["volumeMounts"]}
        assert mounts["instance"] == "/var/lib/samverka", name


def test_an_existing_claim_is_used_and_none_is_created():
    objects = render({"persistence": {"existingClaim": "county-nfs-files"}})
    assert objects_of(objects, "PersistentVolumeClaim") == {}
    volumes = instance_volumes(objects)
    assert volumes["samverka-worker"]["persistentVolumeClaim"]["claimName"] == "county-nfs-files"


def test_without_persistence_each_pod_has_scratch_space_only():
    objects = render({"persistence": {"enabled": False}})
    assert objects_of(objects, "PersistentVolumeClaim") == {}
    assert all("emptyDir" in v for v in instance_volumes(objects).values())


def test_metrics_and_web_port_must_differ():
    with pytest.raises(helm_python.HelmError, match=r"metrics\.port must differ"):
        render({"metrics": {"port": 8000}})


def test_metrics_are_never_opened_on_the_web_port():
    """The app serves /metrics on the web port only with SAMVERKA_METRICS_ON_WEB; the chart
    never sets it, with or without a metrics port, and refuses it in extraEnv."""
    for values in (None, {"metrics": {"enabled": False}}):
        for spec in pod_specs(render(values)).values():
            for container in spec["containers"]:
                assert "SAMVERKA_METRICS_ON_WEB" not in env_of(container)
    with pytest.raises(helm_python.HelmError, match="SAMVERKA_METRICS_ON_WEB must not be set"):
        render({"extraEnv": {"SAMVERKA_METRICS_ON_WEB": "true"}})
