"""Replaces the "## <title>" section of BENCHMARKS.md (up to the next "## " heading) with the
markdown in FILE, or appends it when there is none; the other sections stay as they are.

usage: python3 scripts/bench/section.py "<title prefix>" FILE
       python3 scripts/bench/section.py "<title prefix>" FILE --sub "<subsection title prefix>"

With --sub, only the "### <subsection>" inside that section is replaced (up to the next "### "
or "## " heading), or FILE is added at the end of the section when it has none; the rest of
the section stays as it is. FILE then holds the subsection, its "### " heading first.
"""
import sys


def span(lines, start, stop, prefix, level):
    """(first, end) of the heading `level + " " + prefix` in lines[start:stop], end being the
    next heading of that level or above; None when absent."""
    head = level + " " + prefix
    first = next((i for i in range(start, stop) if lines[i].startswith(head)), None)
    if first is None:
        return None
    ends = ("## ",) if level == "##" else ("## ", "### ")
    end = next((i for i in range(first + 1, stop) if lines[i].startswith(ends)), stop)
    return first, end


def main():
    args = sys.argv[1:]
    sub = None
    if "--sub" in args:
        i = args.index("--sub")
        sub = args[i + 1]
        del args[i:i + 2]
    prefix, path = args
    new = open(path, encoding="utf-8").read().rstrip("\n") + "\n"
    try:
        old = open("BENCHMARKS.md", encoding="utf-8").read()
    except FileNotFoundError:
        old = "# Benchmarks\n"
    lines = old.splitlines(keepends=True)
    sec = span(lines, 0, len(lines), prefix, "##")
    if sub is not None:
        if sec is None:
            sys.exit('section.py: BENCHMARKS.md has no "## %s" section for --sub' % prefix)
        at = span(lines, sec[0] + 1, sec[1], sub, "###")
        if at is None:
            # After the section's last non-blank line.
            end = sec[1]
            while end > sec[0] + 1 and not lines[end - 1].strip():
                end -= 1
            at = (end, end)
            new = "\n" + new
        start, end = at
        tail = "".join(lines[end:])
        out = "".join(lines[:start]) + new + ("\n" + tail.lstrip("\n") if tail else "")
    elif sec is None:
        out = old.rstrip("\n") + "\n\n" + new
    else:
        start, end = sec
        tail = "".join(lines[end:])
        out = "".join(lines[:start]) + new + ("\n" + tail if tail else "")
    open("BENCHMARKS.md", "w", encoding="utf-8").write(out)


if __name__ == "__main__":
    main()
