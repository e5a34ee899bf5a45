"""Configuration: defaults → instance ``config.toml`` → ``BADGE_*`` environment → test config.

Every setting is declared once below, with its type. An unknown setting (a typo in the file or
in an environment variable) or a missing required one stops the start-up with a message naming
it: a service that silently ignored ``BADGE_DATABSE_URL`` would run on the wrong database.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from badge_service.locale import DEFAULT_LANGUAGE, LANGUAGES

ENV_PREFIX = "BADGE_"
#: Where the instance folder is (database, secret key, outbox, config.toml); read before the
#: configuration, since the configuration file lives there. Default: Flask's (instance/
#: beside the package in a checkout).
INSTANCE_PATH_ENV = "BADGE_INSTANCE_PATH"


def private_dir(path: Path) -> None:
    """Create the folder 0700 (the instance folder holds the database, the secret key and
    mails). A folder that already exists keeps the mode its owner gave it."""
    if not path.exists():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.chmod(0o700)  # mkdir's mode is filtered by the umask


class ConfigError(RuntimeError):
    """The configuration is invalid; the message says which setting and why."""


@dataclass(frozen=True)
class Setting:
    type: type
    default: Any
    help: str
    secret: bool = False


# None as a default means "derived at start-up" (see _derive) or "optional".
SETTINGS: dict[str, Setting] = {
    "SECRET_KEY": Setting(str, None, "signs sessions, CSRF and email links; required unless "
                          "PUBLIC_BASE_URL is a loopback address (then a random one is kept in "
                          "the instance folder)", secret=True),
    "DATABASE_URL": Setting(str, None, "SQLAlchemy URL; default SQLite in the instance folder"),
    "PUBLIC_BASE_URL": Setting(str, "http://127.0.0.1:5000", "public https URL of the service; "
                               "credential ids and did:web derive from it"),
    "KEYS_DIR": Setting(str, None, "directory of the encrypted signing keys; default keys/ of "
                        "the project folder"),
    "KEY_PASSPHRASE": Setting(str, None, "passphrase protecting the signing keys; required "
                              "unless PUBLIC_BASE_URL is a loopback address", secret=True),
    "KEY_SCRYPT_LOG_N": Setting(int, 17, "scrypt cost (log2 N) for newly written key files; "
                                "17 takes ~0.3 s and 128 MiB per decryption"),
    "HOST_DID_ORGANISATION": Setting(str, None, "slug of the organisation whose did:web is the "
                                     "host itself (served at /.well-known/did.json)"),
    "ISSUER_DID_METHOD": Setting(str, "web", "'web' (did:web from PUBLIC_BASE_URL) or 'key'"),
    "SMTP_HOST": Setting(str, None, "SMTP server; without it, mail goes to the instance outbox"),
    "SMTP_PORT": Setting(int, 587, "SMTP port"),
    "SMTP_USERNAME": Setting(str, None, "SMTP login"),
    "SMTP_PASSWORD": Setting(str, None, "SMTP password", secret=True),
    "SMTP_SECURITY": Setting(str, "starttls", "'starttls', 'ssl' or 'none' (local relays only)"),
    "SMTP_TIMEOUT": Setting(int, 30, "seconds"),
    "MAIL_FROM": Setting(str, "badges@localhost", "sender address of every message"),
    "OUTBOX_DIR": Setting(str, None, "where mail is written without SMTP; default instance/outbox"),
    "UPLOAD_DIR": Setting(str, None, "uploaded images; default instance/uploads"),
    "MAX_UPLOAD_BYTES": Setting(int, 2 * 1024 * 1024, "largest accepted upload"),
    "EVIDENCE_DIR": Setting(str, None, "portfolio evidence files, by SHA-256; default "
                            "instance/evidence"),
    "EVIDENCE_MAX_BYTES": Setting(int, 200 * 1024 * 1024, "largest accepted evidence file "
                                  "(default 200 MiB: a short video)"),
    "EVIDENCE_TYPES": Setting(str, None, "media types accepted as evidence, comma-separated; "
                              "default: documents (PDF, Office, OpenDocument, text), images, "
                              "audio, video and archives (adapters/content_types.py)"),
    "MAX_IMPORT_BYTES": Setting(int, 10 * 1024 * 1024, "largest accepted import file"),
    "IMAGE_MAX_PIXELS": Setting(int, 4096 * 4096, "largest accepted badge/issuer PNG in "
                                      "pixels (width × height, read from its header before "
                                      "decoding); default 4096×4096, at most 89,478,485 "
                                      "(Pillow's decompression-bomb limit)"),
    "DEFAULT_LANGUAGE": Setting(str, DEFAULT_LANGUAGE, "'fr' or 'en'"),
    "SESSION_COOKIE_SECURE": Setting(bool, None, "default: on when PUBLIC_BASE_URL is https"),
    "LOGIN_LINK_MINUTES": Setting(int, 30, "validity of one-time login links"),
    "PASSWORD_RESET_MINUTES": Setting(int, 60, "validity of password reset links"),
    "LOGIN_FAILURES_PER_IP": Setting(int, 50, "failed password logins allowed from one client "
                                     "address within 15 minutes, over all accounts; then "
                                     "that address must wait (or log in by email link)"),
    "PAGE_SIZE": Setting(int, 50, "default page size of API lists"),
    "MAX_PAGE_SIZE": Setting(int, 500, "largest page size of API lists"),
    "TRUSTED_PROXIES": Setting(int, 0, "number of reverse proxies in front of the service "
                               "(nginx: 1); their X-Forwarded-For/Proto/Host are then trusted"),
    "VC_API_OPEN_ISSUE_FROM_LOOPBACK": Setting(bool, False, "local conformance runs only: accept "
                                               "VC-API issue requests without a token from "
                                               "loopback addresses (logged loudly)"),
    "VERIFY_RATE_PER_MINUTE": Setting(int, 60, "public verifications per client address per "
                                      "minute and worker (0: no limit)"),
    "REQUEST_TIMEOUT": Setting(int, 30, "seconds a request may take before the server's "
                               "worker is killed (gunicorn --timeout; `badge-service serve "
                               "--timeout` sets both); award batches are sized to finish "
                               "within half of it"),
    "AWARD_CREDENTIALS_PER_SECOND": Setting(int, 8, "credentials one award request signs per "
                                            "second on this server, awards and composites, "
                                            "database and mail included (measure with "
                                            "`python benchmarks/batch_limit.py`)"),
    "AWARD_BATCH_MAX": Setting(int, None, "credentials one award request may sign; default "
                               "floor(REQUEST_TIMEOUT × AWARD_CREDENTIALS_PER_SECOND × 0.5), "
                               "never more than 2000"),
    "TESTING": Setting(bool, False, "test mode"),
    "WTF_CSRF_ENABLED": Setting(bool, True, "CSRF protection of forms (tests may turn it off)"),
}


def _parse(name: str, raw: Any, source: str) -> Any:
    setting = SETTINGS[name]
    if raw is None:
        return None
    if setting.type is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"{source}: {name} must be true or false, not {raw!r}")
    if setting.type is int:
        if isinstance(raw, bool):
            raise ConfigError(f"{source}: {name} must be a whole number")
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{source}: {name} must be a whole number, not {raw!r}") from None
    if not isinstance(raw, str):
        raise ConfigError(f"{source}: {name} must be a string")
    return raw


def _layer(values: Mapping[str, Any], source: str, *, prefix: str = "") -> dict[str, Any]:
    out = {}
    for key, raw in values.items():
        name = key[len(prefix):] if prefix else key
        if name not in SETTINGS:
            known = ", ".join(prefix + k for k in sorted(SETTINGS))
            raise ConfigError(f"{source}: unknown setting {key!r}. Known settings: {known}")
        out[name] = _parse(name, raw, source)
    return out


def load(instance_path: Path, test_config: Mapping[str, Any] | None = None,
         environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The merged, validated configuration (without derived defaults)."""
    environ = os.environ if environ is None else environ
    config = {name: setting.default for name, setting in SETTINGS.items()}
    config_file = instance_path / "config.toml"
    if config_file.exists():
        try:
            data = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{config_file}: not valid TOML: {exc}") from None
        config.update(_layer(data, str(config_file)))
    env = {k: v for k, v in environ.items()
           if k.startswith(ENV_PREFIX) and k != INSTANCE_PATH_ENV}
    config.update(_layer(env, "environment", prefix=ENV_PREFIX))
    if test_config:
        config.update(_layer(test_config, "test config"))
    _validate(config)
    return config


def _validate(config: dict[str, Any]) -> None:
    if config["ISSUER_DID_METHOD"] not in {"web", "key"}:
        raise ConfigError("ISSUER_DID_METHOD must be 'web' or 'key'")
    if config["SMTP_SECURITY"] not in {"starttls", "ssl", "none"}:
        raise ConfigError("SMTP_SECURITY must be 'starttls', 'ssl' or 'none'")
    if config["DEFAULT_LANGUAGE"] not in LANGUAGES:
        raise ConfigError("DEFAULT_LANGUAGE must be 'fr' or 'en'")
    base = config["PUBLIC_BASE_URL"]
    if not base.startswith(("https://", "http://")) or base.endswith("/"):
        raise ConfigError(
            f"PUBLIC_BASE_URL must be an absolute http(s) URL without a trailing slash, "
            f"not {base!r}"
        )
    if config["VERIFY_RATE_PER_MINUTE"] < 0:
        raise ConfigError("VERIFY_RATE_PER_MINUTE must be 0 (no limit) or more")
    if not 14 <= config["KEY_SCRYPT_LOG_N"] <= 22:
        raise ConfigError("KEY_SCRYPT_LOG_N must be between 14 and 22")
    for name in ("MAX_UPLOAD_BYTES", "MAX_IMPORT_BYTES", "EVIDENCE_MAX_BYTES", "PAGE_SIZE",
                 "MAX_PAGE_SIZE", "SMTP_PORT", "SMTP_TIMEOUT", "LOGIN_LINK_MINUTES",
                 "PASSWORD_RESET_MINUTES",
                 "LOGIN_FAILURES_PER_IP", "REQUEST_TIMEOUT", "AWARD_CREDENTIALS_PER_SECOND"):
        if config[name] <= 0:
            raise ConfigError(f"{name} must be positive")
    if config["AWARD_BATCH_MAX"] is not None and not 1 <= config["AWARD_BATCH_MAX"] <= 2000:
        # 2000 is the issuing service's MAX_BATCH, the most any request may hold.
        raise ConfigError("AWARD_BATCH_MAX must be between 1 and 2000")
    if not 1 <= config["IMAGE_MAX_PIXELS"] <= 89_478_485:
        # Above Pillow's Image.MAX_IMAGE_PIXELS, its decoder would refuse what we accepted.
        raise ConfigError("IMAGE_MAX_PIXELS must be between 1 and 89478485")
    _require_deployment_secrets(config)


#: Settings a deployment must set itself, and why; a loopback PUBLIC_BASE_URL (local development,
#: ``badge-service demo``) and TESTING may leave them unset.
REQUIRED_IN_DEPLOYMENT = {
    "KEY_PASSPHRASE": "it protects the organisations' signing keys, which must never be "
                      "encrypted under a default or a passphrase nobody chose",
    "SECRET_KEY": "it signs sessions, CSRF tokens and email links, and must be the same on "
                  "every host and worker (the random one kept in the instance folder is for a "
                  "single local instance)",
}


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` points at this machine only: nobody else can reach such a service."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _require_deployment_secrets(config: dict[str, Any]) -> None:
    # A public URL means other people reach this service: falling back to generated secrets
    # there would protect real keys by accident and break sessions across workers silently.
    if config["TESTING"] or is_loopback_url(config["PUBLIC_BASE_URL"]):
        return
    missing = [name for name in REQUIRED_IN_DEPLOYMENT if not config[name]]
    if missing:
        reasons = "; ".join(f"{ENV_PREFIX}{name}: {REQUIRED_IN_DEPLOYMENT[name]}"
                            for name in missing)
        raise ConfigError(
            f"missing required setting{'s' if len(missing) > 1 else ''} for the deployment at "
            f"{config['PUBLIC_BASE_URL']}: {reasons}. Set "
            f"{' and '.join(ENV_PREFIX + name for name in missing)} in the environment or in "
            f"the instance config.toml (only a loopback PUBLIC_BASE_URL, as in local "
            f"development and the demo, may go without)."
        )
