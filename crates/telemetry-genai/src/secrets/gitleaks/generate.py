#!/usr/bin/env python3
"""Regenerates rules.json from the vendored gitleaks.toml (Python 3.11+, standard library only).

    python3 crates/telemetry-genai/src/secrets/gitleaks/generate.py

Keeps the fields the redactor uses (id, regex, secretGroup, entropy, keywords, allowlists)
and the global allowlist's regexes and stopwords; drops rules that only apply to file paths
(`path`), which mean nothing for telemetry text.
"""
import json
import pathlib
import tomllib

HERE = pathlib.Path(__file__).parent
VERSION = "v8.30.1"

# Corrections applied to the upstream global allowlist, each a regex whose intent its
# neighbours make plain but whose text says otherwise. `(?i)^true|false|null$` parses as
# `^true` OR `false` OR `null$`, so it allowed any secret that merely starts with "true",
# holds "false" anywhere or ends in "null" (`password=falsepositive99` went unmasked); the
# intent is the three literals as the whole value.
ALLOWLIST_FIXES = {"(?i)^true|false|null$": "(?i)^(?:true|false|null)$"}


def allowlist(a):
    out = {}
    for k in ("condition", "regexTarget", "regexes", "stopwords", "paths"):
        if k in a:
            out[k] = a[k]
    return out


def main():
    config = tomllib.loads((HERE / "gitleaks.toml").read_text())
    rules, skipped = [], []
    for r in config["rules"]:
        if "path" in r or "regex" not in r:
            skipped.append(r["id"])
            continue
        rule = {"id": r["id"], "regex": r["regex"], "keywords": r.get("keywords", [])}
        if "secretGroup" in r:
            rule["secretGroup"] = r["secretGroup"]
        if "entropy" in r:
            rule["entropy"] = r["entropy"]
        if "allowlists" in r:
            rule["allowlists"] = [allowlist(a) for a in r["allowlists"]]
        rules.append(rule)
    g = config["allowlist"]
    out = {
        "source": f"gitleaks {VERSION} config/gitleaks.toml (MIT, see LICENSE)",
        "skipped_path_rules": skipped,
        "allowlist": {
            "regexes": [ALLOWLIST_FIXES.get(x, x) for x in g.get("regexes", [])],
            "stopwords": g.get("stopwords", []),
        },
        "rules": rules,
    }
    (HERE / "rules.json").write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
