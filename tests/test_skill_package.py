"""The ASK CLI project generator (interaction_model/skill_package.py): the layout ``ask deploy``
expects, one interaction model per locale found, and what certification asks for."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from interaction_model.skill_package import (
    MANIFEST_PATH,
    MODEL_DIR,
    PackageError,
    generate,
    model_locales,
    png_size,
)

ROOT = Path(__file__).resolve().parents[1]
ARN = "arn:aws:lambda:us-east-1:123456789012:function:spine-check"


def png(path: Path, width: int, height: int) -> Path:
    """A real (grey) PNG file of the given size."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    return path


def test_every_locale_model_goes_into_the_package_with_the_manifest(tmp_path):
    package = generate(tmp_path, endpoint=ARN)
    models = model_locales()
    assert package.locales == sorted(models) and "en-US" in models and len(models) >= 1
    skill_package = tmp_path / "skill-package"
    written = sorted(p.name for p in (skill_package / "interactionModels" / "custom").iterdir())
    assert written == sorted(f"{locale}.json" for locale in models)
    for locale, source in models.items():
        generated = json.loads((skill_package / "interactionModels" / "custom" / f"{locale}.json").read_text())
        assert generated == json.loads(source.read_text())
    manifest = json.loads((skill_package / "skill.json").read_text())["manifest"]
    assert sorted(manifest["publishingInformation"]["locales"]) == sorted(models)
    assert manifest["apis"]["custom"]["endpoint"] == {"uri": ARN}
    resources = json.loads((tmp_path / "ask-resources.json").read_text())
    assert resources["profiles"]["default"]["skillMetadata"]["src"] == "./skill-package"
    # The committed manifest itself is left as it is.
    assert json.loads(MANIFEST_PATH.read_text()) != json.loads((skill_package / "skill.json").read_text())


def test_https_endpoint_privacy_and_icons_fill_what_certification_asks_for(tmp_path):
    small, large = png(tmp_path / "s.png", 108, 108), png(tmp_path / "l.png", 512, 512)
    package = generate(tmp_path / "out", endpoint="https://skill.example.org/alexa",
                       privacy_url="https://example.org/privacy", terms_url="https://example.org/terms",
                       small_icon=small, large_icon=large)
    assert package.warnings == []
    skill_package = tmp_path / "out" / "skill-package"
    manifest = json.loads((skill_package / "skill.json").read_text())["manifest"]
    assert manifest["apis"]["custom"]["endpoint"]["uri"] == "https://skill.example.org/alexa"
    assert manifest["apis"]["custom"]["endpoint"]["sslCertificateType"] == "Trusted"
    for locale, details in manifest["publishingInformation"]["locales"].items():
        uri = details["smallIconUri"]
        assert uri == f"file://assets/images/{locale}_smallIconUri.png"
        assert png_size((skill_package / uri.removeprefix("file://")).read_bytes()) == (108, 108)
        assert manifest["privacyAndCompliance"]["locales"][locale]["privacyPolicyUrl"] == "https://example.org/privacy"


def test_placeholders_are_reported_and_strict_refuses_them(tmp_path):
    package = generate(tmp_path)
    text = "\n".join(package.warnings)
    assert "endpoint" in text and "privacyPolicyUrl" in text and "smallIconUri" in text
    result = subprocess.run([sys.executable, "-m", "interaction_model.skill_package", "--out", str(tmp_path),
                             "--strict"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "error: " in result.stderr
    result = subprocess.run([sys.executable, "-m", "interaction_model.skill_package", "--out", str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "ask deploy" in result.stdout and "warning: " in result.stderr


@pytest.mark.parametrize("option, value, message", [
    ("endpoint", "http://plain.example.org/alexa", "Lambda function ARN or an https"),
    ("endpoint", "arn:aws:lambda:us-east-1:123:function:x", "Lambda function ARN or an https"),
    ("small_icon", (512, 512), "must be a 108 x 108 PNG"),
    ("large_icon", (108, 108), "must be a 512 x 512 PNG"),
    ("small_icon", b"GIF89a not a png", "must be a PNG"),
])
def test_bad_options_are_refused_with_the_reason(tmp_path, option, value, message):
    if isinstance(value, tuple):
        value = png(tmp_path / "icon.png", *value)
    elif isinstance(value, bytes):
        (tmp_path / "icon.png").write_bytes(value)
        value = tmp_path / "icon.png"
    with pytest.raises(PackageError, match=message):
        generate(tmp_path / "out", **{option: value})


@pytest.mark.parametrize("change, message", [
    ("drop a model", "manifest locales without an interaction model"),
    ("add a model", "interaction models without a manifest locale"),
])
def test_locale_mismatch_between_manifest_and_models_is_an_error(tmp_path, change, message):
    models = tmp_path / "models"
    models.mkdir()
    for path in model_locales().values():
        shutil.copy(path, models / path.name)
    if change == "drop a model":
        (models / "en-US.json").unlink()
    else:
        shutil.copy(MODEL_DIR / "en-US.json", models / "fr-FR.json")
    with pytest.raises(PackageError, match=message):
        generate(tmp_path / "out", model_dir=models)


def _tree(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


# Every way the command refuses: each must leave the output directory exactly as it was (an earlier
# package stays whole, a new directory is not created) and must not print "wrote ... ask deploy".
@pytest.mark.parametrize("options, status", [
    (["--strict"], 1),                                                     # every placeholder
    (["--strict", "--endpoint", ARN, "--privacy-url", "https://example.org/p"], 1),  # icons missing
    (["--strict", "--endpoint", ARN, "--privacy-url", "https://example.org/p",
      "--small-icon", "{small}"], 1),                                      # one icon missing
    (["--endpoint", "http://plain.example.org/alexa"], 2),                  # bad endpoint
    (["--endpoint", ARN, "--small-icon", "{large}"], 2),                    # icon of the wrong size
    (["--strict", "--endpoint", ARN, "--large-icon", "{small}"], 2),        # both kinds at once
])
def test_a_refused_package_writes_nothing(tmp_path, options, status):
    small, large = png(tmp_path / "small.png", 108, 108), png(tmp_path / "large.png", 512, 512)
    options = [option.format(small=small, large=large) for option in options]
    earlier = tmp_path / "earlier"
    generate(earlier, endpoint=ARN)
    (earlier / "skill-package" / "note.txt").write_text("kept")
    before = _tree(earlier)
    for out in (earlier, tmp_path / "new"):
        result = subprocess.run([sys.executable, "-m", "interaction_model.skill_package", "--out", str(out),
                                 *options], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert result.returncode == status, result.stderr
        assert "ask deploy" not in result.stdout and "wrote" not in result.stdout
        assert "error: " in result.stderr
    assert _tree(earlier) == before
    assert not (tmp_path / "new").exists()
