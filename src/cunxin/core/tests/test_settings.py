import os
import subprocess
import sys

import cunxin.settings as project_settings


def test_passwords_are_hashed_with_argon2() -> None:
    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_the_defaults_are_chinese_and_shanghai_time() -> None:
    assert project_settings.LANGUAGE_CODE == "zh-hans"
    assert project_settings.TIME_ZONE == "Asia/Shanghai"
    assert project_settings.USE_TZ is True
    assert ("en", "English") in project_settings.LANGUAGES


def test_production_settings_pass_the_deployment_check(tmp_path: object) -> None:
    # The browser tests' async-safety switch must not leak into the deployment check.
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "CUNXIN_MODE": "production",
        "SECRET_KEY": "x" * 20 + "-production-secret-key-with-enough-entropy-9f8e7d6c5b4a",
        "CUNXIN_PII_KEYS": "n2bJ3YqzM2ZqVQ0m0WQZ8Y7tC2x1Wc3lq8m7b2k4v9E=",
        "CUNXIN_PII_HASH_KEY": "a-long-random-hash-key-for-id-numbers",
        "CUNXIN_LEDGER_KEYS": "2027a:a-long-random-secret-for-the-ledger-chain-links",
        "ALLOWED_HOSTS": "cunxin.example.gov.cn",
        "CUNXIN_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "cunxin", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_its_keys(tmp_path: object) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "CUNXIN_PII_KEYS"}}
    env.update({"CUNXIN_MODE": "production", "CUNXIN_DATA_DIR": str(tmp_path)})
    result = subprocess.run(
        [sys.executable, "-m", "cunxin", "check"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr
