"""The JSON objects of a device check's .jsonl outputs (lines that do not parse are skipped:
a tool's stdout may hold other lines)."""
import json


def rows(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    try:
                        out.append(json.loads(line))
                    except json.JSONDecodeError:
                        pass
    except OSError:
        pass
    return out
