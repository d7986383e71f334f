#!/usr/bin/env python3
"""Regenerates the bundled GenAI price table from LiteLLM's published wheel.

Usage: python3 crates/telemetry-genai/prices/regenerate.py [LITELLM_VERSION]

Downloads the `litellm` wheel of that version (the newest without one) from PyPI with
`pip download --no-deps`, reads `litellm/model_prices_and_context_window_backup.json` (the
`model_prices_and_context_window.json` LiteLLM publishes, shipped inside the wheel) and its MIT
licence, and writes next to this script:

- `litellm_prices.json`: the entries priced per token for chat, completion, responses and
  embedding models, each with only the price fields the crate reads (LiteLLM's format, one
  entry per line so updates diff well);
- `LICENSE-litellm`: the licence text from the wheel;
- `VERSION`: the LiteLLM version the table came from.
"""

import json
import pathlib
import subprocess
import sys
import tempfile
import zipfile

HERE = pathlib.Path(__file__).resolve().parent
TABLE = "litellm/model_prices_and_context_window_backup.json"
MODES = {"chat", "completion", "responses", "embedding"}
FIELDS = [
    "input_cost_per_token",
    "output_cost_per_token",
    "cache_read_input_token_cost",
    "cache_creation_input_token_cost",
    "output_cost_per_reasoning_token",
]


def is_price(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0


def main():
    spec = "litellm" if len(sys.argv) < 2 else f"litellm=={sys.argv[1]}"
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", spec, "--no-deps", "-d", tmp],
            check=True,
        )
        wheels = list(pathlib.Path(tmp).glob("litellm-*.whl"))
        if len(wheels) != 1:
            sys.exit(f"expected one litellm wheel in {tmp}, found {wheels}")
        version = wheels[0].name.split("-")[1]
        with zipfile.ZipFile(wheels[0]) as whl:
            table = json.loads(whl.read(TABLE))
            licence = next(
                (n for n in whl.namelist() if n.endswith(".dist-info/licenses/LICENSE")),
                None,
            )
            if licence is None:
                sys.exit("the wheel has no dist-info licence file")
            licence_text = whl.read(licence).decode()
    kept = {}
    for name, entry in sorted(table.items()):
        if name == "sample_spec" or not isinstance(entry, dict):
            continue
        if entry.get("mode") not in MODES or not is_price(entry.get("input_cost_per_token")):
            continue
        kept[name] = {
            f: entry[f]
            for f in FIELDS
            if f in entry and is_price(entry[f])
        }
    lines = [f"  {json.dumps(k)}: {json.dumps(v, separators=(',', ':'))}" for k, v in kept.items()]
    (HERE / "litellm_prices.json").write_text("{\n" + ",\n".join(lines) + "\n}\n")
    (HERE / "LICENSE-litellm").write_text(licence_text)
    (HERE / "VERSION").write_text(version + "\n")
    print(f"litellm {version}: kept {len(kept)} of {len(table)} entries")


if __name__ == "__main__":
    main()
