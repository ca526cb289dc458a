"""Reads a VisualDL log directory with VisualDL's own reader and prints it as JSON.

    python vdl_check.py DIR

Prints {"file": NAME, "scalars": {TAG: [[step, value, timestamp_ms], ...]}, "canonical": BOOL}
for the file VisualDL shows for DIR (LogReader.logs: the greatest name containing
"vdlrecords"), read as VisualDL's server reads it (LogReader.get_log_data, the data behind
the scalar charts and their CSV download). Values are the float32 values as Python floats.
"canonical" says whether every record's bytes equal Python protobuf's serialisation of the
parsed record. Exits 1 when the file fails VisualDL's own file check (is_VDLRecord_file
with check=True: the first record must be the meta-data record).
"""
import json
import os
import sys

from visualdl import LogReader
from visualdl.proto import record_pb2
from visualdl.reader.reader import is_VDLRecord_file
from visualdl.reader.record_reader import RecordReader


def main():
    logdir = sys.argv[1]
    reader = LogReader(logdir=logdir)
    walks = reader.logs(update=True)
    if logdir not in walks:
        print("no VisualDL log file in %s" % logdir, file=sys.stderr)
        sys.exit(1)
    name = walks[logdir]
    path = os.path.join(logdir, name)
    if not is_VDLRecord_file(path, check=True):
        print("%s fails VisualDL's file check" % path, file=sys.stderr)
        sys.exit(1)

    scalars = {}
    prefix = os.path.join(logdir, "")
    for key, component in sorted(reader.tags().items()):
        if component != "scalar" or not key.startswith(prefix):
            continue
        tag = key[len(prefix):]
        rows = reader.get_log_data("scalar", logdir, tag)
        scalars[tag] = [[int(step), float(value), int(ts)] for step, _, ts, value in rows]

    canonical = True
    for raw in RecordReader(path).get_all():
        rec = record_pb2.Record()
        rec.ParseFromString(raw)
        canonical = canonical and rec.SerializeToString() == raw

    json.dump({"file": name, "scalars": scalars, "canonical": canonical}, sys.stdout, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
