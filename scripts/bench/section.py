"""Replaces the "## <title>" section of BENCHMARKS.md (up to the next "## " heading) with the
markdown in FILE, or appends it when there is none; the other sections stay as they are.

usage: python3 scripts/bench/section.py "<title prefix>" FILE
"""
import sys


def main():
    prefix, path = sys.argv[1], sys.argv[2]
    new = open(path, encoding="utf-8").read().rstrip("\n") + "\n"
    try:
        old = open("BENCHMARKS.md", encoding="utf-8").read()
    except FileNotFoundError:
        old = "# Benchmarks\n"
    lines = old.splitlines(keepends=True)
    start = next((i for i, l in enumerate(lines) if l.startswith("## " + prefix)), None)
    if start is None:
        out = old.rstrip("\n") + "\n\n" + new
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
                   len(lines))
        tail = "".join(lines[end:])
        out = "".join(lines[:start]) + new + ("\n" + tail if tail else "")
    open("BENCHMARKS.md", "w", encoding="utf-8").write(out)


if __name__ == "__main__":
    main()
