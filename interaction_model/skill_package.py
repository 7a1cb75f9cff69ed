"""Generate the ASK CLI project that ``ask deploy`` expects, from ``skill.json`` and the models here.

    python -m interaction_model.skill_package --out build/ask \\
        --endpoint arn:aws:lambda:us-east-1:123456789012:function:spine-check \\
        --privacy-url https://example.org/spine-check/privacy \\
        --small-icon icon-108.png --large-icon icon-512.png

writes::

    build/ask/ask-resources.json                               (skill metadata only: no code deployer)
    build/ask/skill-package/skill.json                         (the manifest, with the options above)
    build/ask/skill-package/interactionModels/custom/<locale>.json   (one per interaction_model/<locale>.json)
    build/ask/skill-package/assets/images/<locale>_smallIconUri.png  (with --small-icon/--large-icon)

Then ``cd build/ask && ask deploy``. The code is deployed apart from the skill metadata: Lambda with
template.yaml (SAM), or a web service; ``--endpoint`` takes the Lambda ARN or the HTTPS URL.

Every locale in the manifest needs its model and every model its manifest locale; a mismatch is an
error. What certification will refuse (placeholder URLs, missing icons) is listed as warnings, and
``--strict`` makes them errors. Every check runs before anything is written: an error (including
``--strict`` refusing a gap) leaves the output directory as it was.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import shutil
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
MANIFEST_PATH = REPO_ROOT / "skill.json"
MODEL_DIR = Path(__file__).resolve().parent
LOCALE_FILE = re.compile(r"[a-z]{2}-[A-Z]{2}\.json")
PLACEHOLDER_HOST = "example.invalid"
# Alexa's icon sizes: PNG, 108 x 108 and 512 x 512 pixels.
ICON_SIZES = {"smallIconUri": (108, 108), "largeIconUri": (512, 512)}
ASK_RESOURCES = {
    "askcliResourcesVersion": "2020-03-31",
    "profiles": {"default": {"skillMetadata": {"src": "./skill-package"}}},
}


class PackageError(Exception):
    """The skill package cannot be generated; the message says why."""


class CertificationGaps(PackageError):
    """``strict`` generation refused: certification would refuse these (nothing was written)."""

    def __init__(self, gaps: list[str]) -> None:
        super().__init__("; ".join(gaps))
        self.gaps = gaps


@dataclass
class SkillPackage:
    """What :func:`generate` wrote, and what certification would still refuse."""

    root: Path
    locales: list[str]
    warnings: list[str] = field(default_factory=list)


def model_locales(model_dir: Path = MODEL_DIR) -> dict[str, Path]:
    """``{locale: path}`` for every interaction model file (``en-US.json``, ...) in ``model_dir``."""
    return {path.stem: path for path in sorted(model_dir.iterdir()) if LOCALE_FILE.fullmatch(path.name)}


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of PNG ``data``; PackageError if it is not a PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR" or len(data) < 24:
        raise PackageError("an icon must be a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def endpoint_for(target: str, current: dict[str, Any]) -> dict[str, Any]:
    """The manifest's ``apis.custom.endpoint`` for a Lambda ARN or an HTTPS URL."""
    if re.fullmatch(r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?", target):
        return {"uri": target}
    if target.startswith("https://"):
        return {"uri": target, "sslCertificateType": current.get("sslCertificateType", "Trusted")}
    raise PackageError(f"--endpoint must be a Lambda function ARN or an https:// URL, not {target!r}")


def _manifest(manifest_path: Path) -> dict[str, Any]:
    try:
        skill = json.loads(manifest_path.read_text(encoding="utf-8"))
        skill["manifest"]["publishingInformation"]["locales"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PackageError(f"{manifest_path}: not a readable skill manifest ({exc})") from None
    return skill


def generate(out: Path, *, endpoint: str | None = None, privacy_url: str | None = None,
             terms_url: str | None = None, small_icon: Path | None = None, large_icon: Path | None = None,
             manifest_path: Path = MANIFEST_PATH, model_dir: Path = MODEL_DIR,
             strict: bool = False) -> SkillPackage:
    """Write the ASK CLI project into ``out`` (its ``skill-package`` is replaced).

    Every check runs before anything is written: a bad option (PackageError) or, with ``strict``,
    anything certification would refuse (CertificationGaps) leaves ``out`` as it was."""
    files, skill, locales = _package_files(
        endpoint=endpoint, privacy_url=privacy_url, terms_url=terms_url, small_icon=small_icon,
        large_icon=large_icon, manifest_path=manifest_path, model_dir=model_dir)
    gaps = certification_gaps(skill)
    if strict and gaps:
        raise CertificationGaps(gaps)
    package = out / "skill-package"
    if package.exists():
        shutil.rmtree(package)
    for relative, data in files.items():
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        (out / relative).write_bytes(data)
    return SkillPackage(out, locales, gaps)


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _package_files(*, endpoint: str | None, privacy_url: str | None, terms_url: str | None,
                   small_icon: Path | None, large_icon: Path | None, manifest_path: Path,
                   model_dir: Path) -> tuple[dict[str, bytes], dict[str, Any], list[str]]:
    """Every file of the project (path relative to ``out`` -> bytes), the manifest, the locales.

    Reads and checks everything; writes nothing."""
    skill = copy.deepcopy(_manifest(manifest_path))
    manifest = skill["manifest"]
    published = manifest["publishingInformation"]["locales"]
    models = model_locales(model_dir)
    if set(published) - set(models):
        raise PackageError(f"manifest locales without an interaction model in {model_dir}: "
                           f"{', '.join(sorted(set(published) - set(models)))}")
    if set(models) - set(published):
        raise PackageError(f"interaction models without a manifest locale in {manifest_path.name}: "
                           f"{', '.join(sorted(set(models) - set(published)))}")

    custom = manifest.setdefault("apis", {}).setdefault("custom", {})
    if endpoint is not None:
        custom["endpoint"] = endpoint_for(endpoint, custom.get("endpoint", {}))
    privacy = manifest.setdefault("privacyAndCompliance", {}).setdefault("locales", {})
    for locale in published:
        urls = privacy.setdefault(locale, {})
        if privacy_url is not None:
            urls["privacyPolicyUrl"] = privacy_url
        if terms_url is not None:
            urls["termsOfUseUrl"] = terms_url

    files: dict[str, bytes] = {}
    icons = {"smallIconUri": small_icon, "largeIconUri": large_icon}
    for key, icon in icons.items():
        if icon is None:
            continue
        data = icon.read_bytes()
        if png_size(data) != ICON_SIZES[key]:
            width, height = ICON_SIZES[key]
            raise PackageError(f"{icon}: {key} must be a {width} x {height} PNG, not "
                               f"{' x '.join(map(str, png_size(data)))}")
        for locale in published:
            # The names and file:// form the ASK CLI itself uses when it exports a skill package.
            files[f"skill-package/assets/images/{locale}_{key}.png"] = data
            published[locale][key] = f"file://assets/images/{locale}_{key}.png"

    for locale, path in models.items():
        try:
            model = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise PackageError(f"{path}: not a readable interaction model ({exc})") from None
        files[f"skill-package/interactionModels/custom/{locale}.json"] = _json_bytes(model)
    files["skill-package/skill.json"] = _json_bytes(skill)
    files["ask-resources.json"] = _json_bytes(ASK_RESOURCES)
    return files, skill, sorted(models)


def certification_gaps(skill: dict[str, Any]) -> list[str]:
    """What certification would refuse in this manifest: placeholders and missing fields."""
    manifest = skill["manifest"]
    gaps = []
    uri = manifest.get("apis", {}).get("custom", {}).get("endpoint", {}).get("uri", "")
    if not uri or PLACEHOLDER_HOST in uri:
        gaps.append("apis.custom.endpoint.uri is a placeholder: pass --endpoint (Lambda ARN or https URL)")
    compliance = manifest.get("privacyAndCompliance", {})
    for locale, details in manifest["publishingInformation"]["locales"].items():
        for key in ICON_SIZES:
            if not details.get(key):
                gaps.append(f"{locale}: no {key}: pass --small-icon/--large-icon (108 and 512 pixel PNGs)")
        privacy = compliance.get("locales", {}).get(locale, {}).get("privacyPolicyUrl", "")
        if compliance.get("usesPersonalInfo") and (not privacy or PLACEHOLDER_HOST in privacy):
            gaps.append(f"{locale}: privacyPolicyUrl is required (the skill asks for personal "
                        "information) and is a placeholder: pass --privacy-url")
        terms = compliance.get("locales", {}).get(locale, {}).get("termsOfUseUrl", "")
        if PLACEHOLDER_HOST in terms:
            gaps.append(f"{locale}: termsOfUseUrl is a placeholder: pass --terms-url")
    return gaps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m interaction_model.skill_package",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("build/ask"),
                        help="the ASK CLI project directory to write (default build/ask)")
    parser.add_argument("--endpoint", help="the Lambda function ARN or the https:// URL of /alexa")
    parser.add_argument("--privacy-url", help="privacy policy URL, for every locale")
    parser.add_argument("--terms-url", help="terms of use URL, for every locale")
    parser.add_argument("--small-icon", type=Path, help="108 x 108 PNG")
    parser.add_argument("--large-icon", type=Path, help="512 x 512 PNG")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 if anything certification asks for is missing or a placeholder")
    args = parser.parse_args(argv)
    try:
        package = generate(args.out, endpoint=args.endpoint, privacy_url=args.privacy_url,
                           terms_url=args.terms_url, small_icon=args.small_icon, large_icon=args.large_icon,
                           strict=args.strict)
    except CertificationGaps as gaps:
        for gap in gaps.gaps:
            print(f"error: {gap}", file=sys.stderr)
        print(f"error: --strict: nothing written to {args.out}", file=sys.stderr)
        return 1
    except (PackageError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {package.root / 'skill-package'} with interaction models for "
          f"{', '.join(package.locales)}; deploy with: cd {package.root} && ask deploy")
    for gap in package.warnings:
        print(f"warning: {gap}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
