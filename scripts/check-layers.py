#!/usr/bin/env python3
"""Checks FluxDesk's layer graph from the #include lines of core/, ui/ and app/.

Layers, lowest first (README "Layout"): base (torch-free engine parts), demo
(the demo model's writer), engine (LibTorch), cli, service (Qt Core), ui (Qt
Widgets), app (entry points). A file may include its own layer and the layers
this table allows; nothing runs up. Also: torch only in the engine, Qt only in
service/ui/app (and cli/serve_command.cpp, the one Qt command), the engine
never knows the demo model, and ui/ reaches the engine only through its
public request headers and the service layer.

Usage: check-layers.py [SOURCE_ROOT]. Prints every violation; exit 1 if any.
"""
import re
import sys
from pathlib import Path

FOLDER_LAYER = {
    "core/common": "base", "core/weights": "base", "core/text": "base", "core/hub": "base",
    "core/spm_shim": "spm_shim",
    "core/demo": "demo",
    "core/tensor": "engine", "core/models": "engine", "core/sampling": "engine",
    "core/lora": "engine", "core/pipeline": "engine",
    "core/cli": "cli",
    "core/service": "service",
    "ui": "ui",
    "app": "app",
}
# What each layer may include besides itself.
ALLOWED = {
    "base": {"spm_shim"},  # text/sentencepiece_library loads the shim through its C API header
    "spm_shim": set(),
    "demo": {"base"},
    "engine": {"base"},
    "cli": {"base", "engine", "demo", "service"},
    "service": {"base", "engine", "demo"},
    "ui": {"service"},  # plus UI_ENGINE_HEADERS below
    "app": {"cli", "ui"},
}
# The engine's public surface for the window: requests, their rules, errors.
UI_ENGINE_HEADERS = {
    "common/result.h", "pipeline/pipeline.h", "pipeline/request_limits.h",
    "pipeline/request_validation.h", "lora/lora_spec.h",
}
TORCH = re.compile(r"#\s*include\s*<(torch|ATen|c10)/")
QT = re.compile(r"#\s*include\s*<(Q[A-Za-z]+|Qt[A-Za-z]+/[^>]+)>")
PROJECT = re.compile(r'#\s*include\s*"([^"]+)"')
QT_COMMANDS = {"core/cli/serve_command.cpp"}


def layer_of(rel: str):
    for folder, layer in FOLDER_LAYER.items():
        if rel.startswith(folder + "/"):
            return layer
    return None


def include_layer(header: str, root: Path):
    """The layer of a project header; None for one beside the includer or outside the layers."""
    if "/" not in header:
        return None  # ui/ and app/ include their own headers by bare name
    for candidate in ("core/" + header, header):
        if (root / candidate).exists() or candidate.split("/")[0] in ("ui", "app"):
            return layer_of(candidate)
    return layer_of("core/" + header)


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1])
    problems = []
    files = [p for d in ("core", "ui", "app") for p in (root / d).rglob("*")
             if p.suffix in (".h", ".cpp", ".c", ".cu")]
    for path in sorted(files):
        rel = path.relative_to(root).as_posix()
        layer = layer_of(rel)
        if layer is None:
            problems.append(f"{rel}: in no layer (add its folder to scripts/check-layers.py)")
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            where = f"{rel}:{number}"
            if TORCH.search(line) and layer != "engine":
                problems.append(f"{where}: torch in the {layer} layer: {line.strip()}")
            if QT.search(line) and layer not in ("service", "ui", "app") and rel not in QT_COMMANDS:
                problems.append(f"{where}: Qt in the {layer} layer: {line.strip()}")
            m = PROJECT.search(line)
            if not m:
                continue
            header = m.group(1)
            target = include_layer(header, root)
            if target is None or target == layer:
                continue
            if layer == "ui" and header in UI_ENGINE_HEADERS:
                continue
            if target not in ALLOWED[layer]:
                problems.append(f"{where}: the {layer} layer includes {header} ({target})")
    for p in problems:
        print(p)
    print(f"check-layers: {len(files)} files, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
