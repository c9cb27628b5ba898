"""`make bench`: run every benchmark in its own process and print its figures.

Each script prints a table of measured figures against the issue's targets; nothing
here asserts a time (DEVELOPERS.md: targets are met in a benchmark, not in tests).
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = ["bench_annotate.py", "bench_export.py", "bench_import.py", "bench_arabic.py"]


def main() -> int:
    failures = 0
    for name in BENCHES:
        script = HERE / name
        print(f"\n=== {name} ===", flush=True)
        if not script.exists():
            print(f"missing: {script}")
            failures += 1
            continue
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent, check=False)
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
