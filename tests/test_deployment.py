"""Deployment works as written: declared imports, hashed lock files CI installs from, a pinned image, hardened units."""

import ast
import configparser
import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
UNITS = ROOT / "deploy" / "systemd"
HARDENING = {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
             "PrivateDevices": "yes", "RestrictSUIDSGID": "yes", "CapabilityBoundingSet": "",
             "RestartPreventExitStatus": "2", "Restart": "on-failure", "UMask": "0077"}
MAX_EXPOSURE = 2.0  # systemd-analyze security: 0 is locked down, 10 is wide open; 1.4 when written


def _declared(requirements):
    return {canonicalize_name(Requirement(line).name) for line in requirements}


def _imports(folder):
    """Top-level names of every absolute import in a package's modules."""
    names = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def test_every_package_wellbot_imports_is_declared():
    declared = _declared(PYPROJECT["project"]["dependencies"])
    distributions = packages_distributions()
    third_party = {name for name in _imports(ROOT / "wellbot")
                   if name not in sys.stdlib_module_names and name not in ("wellbot", "__future__")}
    missing = {name for name in third_party
               if not {canonicalize_name(d) for d in distributions.get(name, [name])} & declared}
    # aiolimiter is not among them: the one send budget (wellbot.core.budget) paces, not an AsyncLimiter.
    assert third_party >= {"telegram", "apscheduler", "httpx", "markupsafe", "prometheus_client"}
    assert missing == set(), f"imported but not declared in pyproject.toml: {sorted(missing)}"


@pytest.mark.parametrize("lock, extras", [("requirements.lock", []), ("requirements-test.lock", ["test"])])
def test_lock_files_pin_every_declared_package_with_hashes(lock, extras):
    text = (ROOT / lock).read_text(encoding="utf-8")
    pins = dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==(\S+) \\$", text, re.MULTILINE))
    wanted = _declared(PYPROJECT["project"]["dependencies"])
    for extra in extras:
        wanted |= _declared(PYPROJECT["project"]["optional-dependencies"][extra])
    assert wanted <= {canonicalize_name(name) for name in pins}, "regenerate the lock (README, Development)"
    # AIORateLimiter (behind BulkAwareRateLimiter) needs aiolimiter, declared through PTB's rate-limiter extra.
    assert "aiolimiter" in pins, "python-telegram-bot[rate-limiter] must stay in pyproject.toml"
    unhashed = re.findall(r"^[a-z0-9][a-z0-9._-]*==\S+$", text, re.MULTILINE)
    hashed = re.findall(r"^[a-z0-9][a-z0-9._-]*==\S+ \\\n    --hash=sha256:[0-9a-f]{64}", text, re.MULTILINE)
    assert unhashed == [], "every pinned file is checked by hash"
    assert len(hashed) == len(pins)
    mirrors = re.search(r"^--(extra-)?index-url|^--find-links", text, re.MULTILINE)
    assert mirrors is None, "a lock names packages, never this machine's package mirrors"
    for requirement in PYPROJECT["project"]["dependencies"]:
        req = Requirement(requirement)
        pinned = next(v for n, v in pins.items() if canonicalize_name(n) == canonicalize_name(req.name))
        assert req.specifier.contains(pinned), f"{req.name}=={pinned} is outside {req.specifier}"


def test_ci_installs_from_the_lock_with_hashes_then_wellbot_alone():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "--require-hashes -r requirements-test.lock" in script
    assert "install --quiet --no-deps ." in script
    assert ".[test]" not in script.split("# The wheel must carry")[0], "no unpinned resolution before the checks"


def test_container_image_is_pinned_and_its_health_check_survives_the_build():
    text = (ROOT / "Containerfile").read_text(encoding="utf-8")
    base = re.search(r"^FROM (\S+)", text, re.MULTILINE)[1]
    assert re.fullmatch(r"[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}", base), f"{base} is not pinned by digest"
    assert "--require-hashes -r requirements.lock" in text
    assert "--no-deps ." in text
    assert 'HEALTHCHECK' in text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    builds = re.findall(r"^(?:podman|buildah) build.*$", readme + text, re.MULTILINE)
    assert builds
    assert all("--format docker" in line for line in builds), "the OCI format silently drops HEALTHCHECK"


def _unit(name):
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str
    parser.read_string((UNITS / name).read_text(encoding="utf-8"))
    return parser


@pytest.mark.parametrize("name, data", [("wellbot.service", "/var/lib/wellbot"),
                                        ("wellbot@.service", "/var/lib/wellbot/%i")])
def test_systemd_units_are_hardened_and_never_restart_on_a_configuration_error(name, data):
    service = _unit(name)["Service"]
    for key, value in HARDENING.items():
        assert service.get(key) == value, f"{name}: {key}"
    assert service["ReadWritePaths"] == data
    assert service["WorkingDirectory"] == data
    assert service["ExecStart"].endswith("wellbot run")
    if "@" in name:
        assert service["EnvironmentFile"] == "/etc/wellbot/clinics/%i.env", "one environment file per clinic"
        assert service["Environment"] == "WELLBOT_DATABASE=/var/lib/wellbot/%i/wellbot.db", "one database each"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_units_and_rates_them_well_protected(tmp_path):
    for source in UNITS.glob("*.service"):
        text = source.read_text(encoding="utf-8").replace("/opt/wellbot/.venv/bin/wellbot run", "/bin/true")
        (tmp_path / source.name.replace("@.", "@north.")).write_text(text, encoding="utf-8")
    units = sorted(str(p) for p in tmp_path.iterdir())
    verify = subprocess.run(["systemd-analyze", "verify", "--man=no", *units], capture_output=True, text=True,
                            timeout=60, check=False)
    assert verify.returncode == 0, verify.stderr
    assert verify.stderr.strip() == "", verify.stderr
    for unit in units:
        security = subprocess.run(["systemd-analyze", "security", "--offline=yes", unit], capture_output=True,
                                  text=True, timeout=60, check=False)
        level = re.search(r"Overall exposure level for \S+: ([\d.]+)", security.stdout)
        assert level, security.stdout + security.stderr
        assert float(level[1]) <= MAX_EXPOSURE
