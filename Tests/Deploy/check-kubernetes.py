#!/usr/bin/env python3
"""Validate Deploy/kubernetes/ without a cluster.

1. Schema: every manifest against the Kubernetes OpenAPI-derived JSON schemas that the PyPI
   package kubernetes-validate ships (Kubernetes 1.25 ... 1.37, strict: unknown fields are
   errors). A deliberately broken copy must fail, to prove the validator is live. Without the
   package (no PyPI), this part is reported as SKIPPED and only part 2 runs.
2. Structure, what schemas cannot see: apiVersion/kind pairs, the kustomization's resource
   list, label selectors (Service, PDB, spread constraints) matching the pod template, the HPA
   target, probe paths (/api/v1/health, /api/v1/ready) and ports matching the container port
   and POSTILLON_LISTEN, non-root + read-only root + emptyDir /tmp, the image's uid, volumes
   and references, terminationGracePeriodSeconds against the shutdown timeout, resources,
   every ConfigMap key a POSTILLON_* variable that `postillon --help` lists, and the accounts
   file path/Secret key/JSON shape.

Usage: check-kubernetes.py [--postillon BIN] [--dir Deploy/kubernetes]
Installs kubernetes-validate into a venv (DEPLOY_TMP/venv) itself when it is missing.
Exit 0 when everything passes.
"""

import argparse
import copy
import json
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV = os.path.join(os.environ.get("DEPLOY_TMP", "/tmp/postillon-deploy-tests"), "venv")
KV_REQUIREMENT = "kubernetes-validate==1.37.0"


def bootstrap():
    """Re-exec under a venv that has kubernetes-validate, installing it once; None if impossible."""
    try:
        import kubernetes_validate  # noqa: F401
        import yaml  # noqa: F401
        return True
    except ImportError:
        pass
    if os.environ.get("POSTILLON_K8S_BOOTSTRAPPED"):
        return False
    py = os.path.join(VENV, "bin", "python")
    try:
        if not os.path.exists(py):
            subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", KV_REQUIREMENT],
                       check=True)
    except (subprocess.CalledProcessError, OSError) as error:
        print(f"[kubernetes] could not install {KV_REQUIREMENT}: {error}")
        return False
    os.environ["POSTILLON_K8S_BOOTSTRAPPED"] = "1"
    os.execv(py, [py] + sys.argv)


HAVE_VALIDATOR = bootstrap()
import yaml  # noqa: E402  (PyYAML: from the venv, or Debian's python3-yaml)

ALLOWED_KINDS = {
    ("v1", "ConfigMap"), ("v1", "Secret"), ("v1", "Service"), ("apps/v1", "Deployment"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"), ("policy/v1", "PodDisruptionBudget"),
}
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def help_text(binary):
    out = subprocess.run([binary, "--help"], capture_output=True, text=True, check=True).stdout
    keys = set(re.findall(r"Env:\s*(POSTILLON_[A-Z0-9_]+)", out))
    defaults = {}
    for block in re.split(r"\n  (?=--)", out):
        env = re.search(r"Env:\s*(POSTILLON_[A-Z0-9_]+)", block)
        default = re.search(r"Default:\s*(\S+?)\.?\s*$", block.strip())
        if env and default:
            defaults[env.group(1)] = default.group(1)
    return keys, defaults


def load(directory):
    docs = []
    for name in sorted(os.listdir(directory)):
        if not name.endswith((".yaml", ".yml")):
            continue
        with open(os.path.join(directory, name)) as f:
            for doc in yaml.safe_load_all(f):
                if doc is not None:
                    docs.append((name, doc))
    return docs


def schema_validate(docs):
    import kubernetes_validate
    from kubernetes_validate.utils import all_versions
    versions = sorted({".".join(v.split(".")[:2]) for v in all_versions()}, key=lambda v: tuple(map(int, v.split("."))))
    versions = [v for v in versions if tuple(map(int, v.split("."))) >= (1, 25)]
    count = 0
    for name, doc in docs:
        for version in versions:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
                count += 1
            except kubernetes_validate.ValidationError as error:
                path = "/".join(str(p) for p in error.path)
                failures.append(f"{name}: {doc['kind']} invalid for Kubernetes {version} at {path}: {error.message}")
            except kubernetes_validate.SchemaNotFoundError as error:
                failures.append(f"{name}: {error.message}")
    # The validator must reject a broken copy (typo'd field, wrong type).
    deployment = next(doc for _, doc in docs if doc["kind"] == "Deployment")
    broken = copy.deepcopy(deployment)
    broken["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["pathh"] = "/x"
    broken["spec"]["replicas"] = "two"
    try:
        kubernetes_validate.validate(broken, versions[-1], strict=True)
        failures.append("schema validator accepted a broken Deployment: it is not checking")
    except kubernetes_validate.ValidationError:
        pass
    return versions, count


def structural(docs, directory, env_keys, env_defaults):
    by_kind = {}
    for name, doc in docs:
        kind, api = doc.get("kind"), doc.get("apiVersion")
        if kind == "Kustomization":
            continue
        check((api, kind) in ALLOWED_KINDS, f"{name}: unexpected apiVersion/kind {api}/{kind}")
        check(bool(doc.get("metadata", {}).get("name")), f"{name}: {kind} without metadata.name")
        by_kind.setdefault(kind, []).append(doc)
    for kind in ("Deployment", "Service", "ConfigMap", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
        check(len(by_kind.get(kind, [])) == 1, f"expected exactly one {kind}, found {len(by_kind.get(kind, []))}")
    # Two Secrets: the API-key accounts, and the state store (database URL + password-sealing key).
    secrets = {d["metadata"]["name"]: d for d in by_kind.get("Secret", [])}
    check(set(secrets) == {"postillon-accounts", "postillon-state"}, f"expected Secrets postillon-accounts and postillon-state, found {sorted(secrets)}")
    if failures:
        return
    dep, svc, cm = (by_kind[k][0] for k in ("Deployment", "Service", "ConfigMap"))
    secret, state_secret = secrets["postillon-accounts"], secrets["postillon-state"]
    hpa, pdb = by_kind["HorizontalPodAutoscaler"][0], by_kind["PodDisruptionBudget"][0]

    # Kustomization: lists exactly the manifests here, and the Deployment's image.
    kust = [doc for name, doc in docs if doc.get("kind") == "Kustomization"]
    if check(len(kust) == 1, "expected one kustomization.yaml"):
        listed = set(kust[0].get("resources", []))
        present = {n for n, d in docs if d.get("kind") != "Kustomization"}
        check(listed == present, f"kustomization resources {sorted(listed)} != manifests {sorted(present)}")
        image_names = {i["name"] for i in kust[0].get("images", [])}
        container_image = dep["spec"]["template"]["spec"]["containers"][0]["image"].rsplit(":", 1)[0]
        check(not image_names or container_image in image_names,
              f"kustomization images {sorted(image_names)} do not name {container_image}")

    pod = dep["spec"]["template"]
    labels = pod["metadata"].get("labels", {})

    def selects(selector, what):
        check(bool(selector) and all(labels.get(k) == v for k, v in selector.items()),
              f"{what} selector {selector} does not match the pod labels {labels}")

    selects(dep["spec"]["selector"]["matchLabels"], "Deployment")
    selects(svc["spec"]["selector"], "Service")
    selects(pdb["spec"]["selector"]["matchLabels"], "PodDisruptionBudget")
    for constraint in pod["spec"].get("topologySpreadConstraints", []):
        selects(constraint["labelSelector"]["matchLabels"], "topologySpreadConstraint")

    target = hpa["spec"]["scaleTargetRef"]
    check((target["apiVersion"], target["kind"], target["name"]) == ("apps/v1", "Deployment", dep["metadata"]["name"]),
          f"HPA targets {target}, not the Deployment")
    check(2 <= hpa["spec"].get("minReplicas", 1) <= hpa["spec"]["maxReplicas"], "HPA replicas: want 2 <= min <= max")

    containers = pod["spec"]["containers"]
    check(len(containers) == 1, "one container expected")
    c = containers[0]
    data = cm.get("data", {})
    listen = data.get("POSTILLON_LISTEN", "0.0.0.0:8080")  # the image's default
    listen_port = int(listen.rsplit(":", 1)[1])
    ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
    check(ports.get("http") == listen_port, f"container port 'http' {ports.get('http')} != POSTILLON_LISTEN port {listen_port}")
    check(listen.rsplit(":", 1)[0] in ("0.0.0.0", "[::]"), f"POSTILLON_LISTEN {listen}: must listen on all interfaces in a pod")

    def probe(name, path):
        p = c.get(name)
        if not check(p is not None, f"no {name}"):
            return
        get = p.get("httpGet", {})
        check(get.get("path") == path, f"{name} path {get.get('path')} != {path}")
        port = get.get("port")
        check(port == "http" or port == listen_port, f"{name} port {port} is not the container port")

    probe("livenessProbe", "/api/v1/health")
    probe("startupProbe", "/api/v1/health")
    probe("readinessProbe", "/api/v1/ready")
    check(c["readinessProbe"].get("timeoutSeconds", 1) >= 5,
          "readinessProbe timeoutSeconds < 5 (/api/v1/ready probes two upstreams for up to 2 s each)")
    svc_ports = svc["spec"]["ports"]
    check(all(p.get("targetPort") in ("http", listen_port) for p in svc_ports), f"Service targetPort not the container port: {svc_ports}")

    # Security context: non-root with the image's uid, read-only root, nothing extra.
    psc, csc = pod["spec"].get("securityContext", {}), c.get("securityContext", {})
    with open(os.path.join(REPO, "Deploy", "container", "Containerfile")) as f:
        image_uid = int(re.search(r"^USER (\d+)", f.read(), re.M).group(1))
    check(psc.get("runAsNonRoot") is True, "runAsNonRoot is not true")
    check(psc.get("runAsUser", csc.get("runAsUser")) == image_uid, f"runAsUser != the image's uid {image_uid}")
    check(csc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem is not true")
    check(csc.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation is not false")
    check(csc.get("capabilities", {}).get("drop") == ["ALL"], "capabilities are not dropped (drop: [ALL])")
    check(psc.get("seccompProfile", {}).get("type") in ("RuntimeDefault", "Localhost"), "no seccomp profile")

    volumes = {v["name"]: v for v in pod["spec"].get("volumes", [])}
    mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
    for m in mounts.values():
        check(m["name"] in volumes, f"volumeMount {m['name']} has no volume")
    tmp = mounts.get("/tmp")
    check(tmp is not None and "emptyDir" in volumes.get(tmp["name"], {}), "/tmp is not an emptyDir (read-only root)")
    names = {(d["kind"], d["metadata"]["name"]) for _, d in docs if d.get("kind") != "Kustomization"}
    for v in volumes.values():
        if "secret" in v:
            check(("Secret", v["secret"]["secretName"]) in names, f"volume {v['name']}: Secret {v['secret']['secretName']} not defined")
        if "configMap" in v:
            check(("ConfigMap", v["configMap"]["name"]) in names, f"volume {v['name']}: ConfigMap {v['configMap']['name']} not defined")
    for ref in c.get("envFrom", []):
        if "configMapRef" in ref:
            check(("ConfigMap", ref["configMapRef"]["name"]) in names, f"envFrom ConfigMap {ref['configMapRef']['name']} not defined")
    check(any(r.get("configMapRef", {}).get("name") == cm["metadata"]["name"] for r in c.get("envFrom", [])),
          "the ConfigMap is not used by envFrom")

    # Configuration keys: all real POSTILLON_* variables, string values.
    env_names = list(data) + [e["name"] for e in c.get("env", [])]
    for key in env_names:
        check(key in env_keys, f"{key} is not a variable that `postillon --help` lists")
    for key, value in data.items():
        check(isinstance(value, str), f"ConfigMap {key}: value {value!r} is not a string")

    # Accounts file: a path inside the Secret's mount, naming a key of the Secret, with valid JSON.
    accounts = data.get("POSTILLON_ACCOUNTS_FILE")
    if check(accounts is not None, "POSTILLON_ACCOUNTS_FILE not configured"):
        mount_dir, key = os.path.split(accounts)
        m = mounts.get(mount_dir)
        check(m is not None and "secret" in volumes.get(m["name"], {}) and m.get("readOnly") is True,
              f"{accounts}: {mount_dir} is not a read-only Secret mount")
        if m is not None and "secret" in volumes.get(m["name"], {}):
            check(volumes[m["name"]]["secret"]["secretName"] == secret["metadata"]["name"], "accounts mount is not the accounts Secret")
        content = secret.get("stringData", {}).get(key)
        if check(content is not None, f"Secret has no stringData key {key}"):
            try:
                parsed = json.loads(content)
                check(isinstance(parsed, list), "accounts.json is not a JSON list")
                fields = {"name", "keySha256", "username", "password", "address"}
                for entry in parsed if isinstance(parsed, list) else []:
                    check(set(entry) == fields, f"accounts.json entry keys {sorted(entry)} != {sorted(fields)}")
            except json.JSONDecodeError as error:
                failures.append(f"accounts.json does not parse: {error}")

    # Graceful shutdown: grace period covers preStop + shutdown timeout, roughly (within 15 s).
    shutdown = int(data.get("POSTILLON_SHUTDOWN_TIMEOUT", env_defaults.get("POSTILLON_SHUTDOWN_TIMEOUT", "25")))
    pre_stop = 0
    command = c.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
    if command[:1] == ["/bin/sleep"]:
        pre_stop = int(command[1])
    elif "sleep" in c.get("lifecycle", {}).get("preStop", {}):
        pre_stop = int(c["lifecycle"]["preStop"]["sleep"]["seconds"])
    grace = pod["spec"].get("terminationGracePeriodSeconds", 30)
    check(pre_stop + shutdown < grace <= pre_stop + shutdown + 15,
          f"terminationGracePeriodSeconds {grace} vs preStop {pre_stop} s + shutdown timeout {shutdown} s")

    res = c.get("resources", {})
    check("cpu" in res.get("requests", {}), "no CPU request (the HPA's Utilization target needs one)")
    check("memory" in res.get("requests", {}) and "memory" in res.get("limits", {}), "memory request/limit missing")
    check(svc["spec"].get("sessionAffinity", "None") == "None", "Service sessionAffinity: replicas share the state store, no affinity")
    # State store: POSTILLON_STATE from the state Secret, the key file inside its read-only mount.
    env = {e["name"]: e for e in c.get("env", [])}
    ref = env.get("POSTILLON_STATE", {}).get("valueFrom", {}).get("secretKeyRef", {})
    check(ref.get("name") == "postillon-state" and ref.get("key") in state_secret.get("stringData", {}),
          "POSTILLON_STATE does not come from the postillon-state Secret")
    check(state_secret.get("stringData", {}).get(ref.get("key"), "").startswith("postgres"), "the state URL is not postgres://")
    key_file = data.get("POSTILLON_SECRET_KEY_FILE", "")
    key_mount = mounts.get(os.path.dirname(key_file))
    check(key_mount is not None and key_mount.get("readOnly") is True
          and volumes.get(key_mount["name"], {}).get("secret", {}).get("secretName") == "postillon-state",
          f"POSTILLON_SECRET_KEY_FILE {key_file!r} is not in a read-only mount of the postillon-state Secret")
    return {"grace": grace, "pre_stop": pre_stop, "shutdown": shutdown, "env": len(env_names)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--postillon", default=os.environ.get("POSTILLON_BIN", os.path.join(REPO, ".build", "release", "postillon")))
    parser.add_argument("--dir", default=os.path.join(REPO, "Deploy", "kubernetes"))
    args = parser.parse_args()
    docs = load(args.dir)
    print(f"[kubernetes] {len(docs)} documents in {os.path.relpath(args.dir, REPO)}: "
          + ", ".join(f"{d['kind']}/{d.get('metadata', {}).get('name', '-')}" for _, d in docs))
    env_keys, env_defaults = help_text(args.postillon)
    if HAVE_VALIDATOR:
        import kubernetes_validate
        versions, count = schema_validate([(n, d) for n, d in docs if d.get("kind") != "Kustomization"])
        if not failures:
            print(f"[kubernetes] ok: schema: kubernetes-validate {kubernetes_validate.__version__}, strict, "
                  f"Kubernetes {versions[0]}..{versions[-1]}: {count} validations passed; a broken copy was rejected")
    else:
        print("[kubernetes] SKIPPED: schema validation (kubernetes-validate not installable); structural checks only")
    info = structural(docs, args.dir, env_keys, env_defaults)
    if failures:
        for failure in failures:
            print(f"[kubernetes] FAIL: {failure}")
        return 1
    print(f"[kubernetes] ok: structure: selectors, HPA target, probes /api/v1/health + /api/v1/ready on port 'http' = "
          f"POSTILLON_LISTEN, non-root uid + read-only root + emptyDir /tmp, {info['env']} POSTILLON_* keys known to "
          f"`postillon --help`, accounts Secret, grace {info['grace']} s > preStop {info['pre_stop']} s + shutdown "
          f"{info['shutdown']} s")
    print("[kubernetes] PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
