"""Prepares, on this machine, everything a device call of scripts/train/
launch.py needs, in the ignored folder `.gpu/` (name it in the call's
`carry`): the dataset archive and one model config per entry of
plan.json's "configs" (a registry variant's config, from
`shiftscope info --json`, with the entry's "set" fields changed).

    python3 scripts/train/pack.py [--shiftscope BIN] [--data ../shared/datasets/cifar10-jpeg.tar.gz]
"""
import argparse
import json
import os
import shutil
import subprocess

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUNDLE = os.path.join(ROOT, ".gpu")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shiftscope", default=os.path.join(ROOT, "target", "debug", "shiftscope"))
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "datasets", "cifar10-jpeg.tar.gz"))
    ap.add_argument("--plan", default=os.path.join(ROOT, "scripts", "gpu", "plan.json"))
    args = ap.parse_args()
    with open(args.plan) as f:
        plan = json.load(f)
    os.makedirs(os.path.join(BUNDLE, "configs"), exist_ok=True)
    ignored = subprocess.run(["git", "check-ignore", "-q", BUNDLE + "/"], cwd=ROOT).returncode == 0
    if not ignored:
        raise SystemExit(f"{BUNDLE} is not ignored by git: it must travel only through `carry`")
    variants = {v["name"]: v["config"] for v in json.loads(
        subprocess.run([args.shiftscope, "info", "--json"], check=True, capture_output=True, text=True).stdout)}
    paths = []
    for name, entry in plan["configs"].items():
        config = dict(variants[entry["from"]])
        unknown = set(entry.get("set", {})) - set(config)
        if unknown:
            raise SystemExit(f"{name}: {sorted(unknown)} are not fields of {entry['from']}'s config")
        config.update(entry.get("set", {}))
        path = os.path.join(BUNDLE, "configs", f"{name}.json")
        with open(path, "w") as f:
            json.dump(config, f, indent=2)
            f.write("\n")
        paths.append(path)
    shutil.copy(args.data, os.path.join(BUNDLE, plan["data"]))
    subprocess.run([args.shiftscope, "info", *paths], check=True)
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(BUNDLE) for f in fs)
    print(f"\n{BUNDLE}: {size / 2**20:.1f} MiB (a call carries at most 64 MiB with the working tree)")
    for group in plan["groups"]:
        print(f"device call for {group!r}: run(command='python3 scripts/train/launch.py {group} --out $OUT "
              f"--budget 540', carry=['.gpu'], timeout_s=600)")


if __name__ == "__main__":
    main()
