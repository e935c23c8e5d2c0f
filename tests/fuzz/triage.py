"""Triage of the fuzz run's artifacts (crash-*, oom-*, timeout-*, leak-*): each input is run
again through the fuzz target and its sanitizer report read. A finding is the dependency's
when the first stack frame outside the sanitizer runtime, libFuzzer and the C library is in
Debian's HDF5 library (libhdf5): HDF5 1.10 itself crashes, recurses without bound or
allocates gigabytes on some damaged files before it returns an error, inside the API call
metarom made — nothing metarom can validate first. Any other finding (a frame of metarom,
Eigen, PETSc, or a report without frames) fails the run.
usage: triage.py FUZZ_TARGET ARTIFACT_DIR"""
import os
import re
import subprocess
import sys

target, artifacts = sys.argv[1], sys.argv[2]
own_binary = "/" + os.path.basename(target) + "+0x"
runtime = re.compile(r"__sanitizer|__asan|__ubsan|__lsan|__interceptor_|fuzzer::|\bmalloc\b|\bcalloc\b|\brealloc\b|"
                     r"libio/|stdio-common/|csu/|string/|sysdeps/|posix/|nptl/|libc\.so|_start\b|\bmain\b|LLVMFuzzer")
frame = re.compile(r"^\s*#\d+ 0x[0-9a-f]+ (?:in )?(.*)$")
ours, theirs = [], []
for name in sorted(os.listdir(artifacts)):
    path = os.path.join(artifacts, name)
    # A stack overflow's report sometimes has an empty stack (the unwinder itself runs out of
    # stack): run again, up to 5 times, for one with frames.
    for attempt in range(5):
        run = subprocess.run([target, "-rss_limit_mb=2048", "-timeout=30", path], capture_output=True, text=True,
                             env=dict(os.environ, ASAN_OPTIONS="detect_leaks=0"))
        report = run.stdout + run.stderr
        first = None
        for line in report.splitlines():
            m = frame.match(line)
            # Frames inside the fuzz target's own binary are the sanitizers' interceptors
            # (strcmp, pread: where a deep recursion happened to hit the guard page); the
            # readers themselves live in libmetarom.so.
            if m and not runtime.search(m.group(1)) and own_binary not in m.group(1):
                first = m.group(1)
                break
        if first or run.returncode == 0:
            break
    kind = next((k for k in ("stack-overflow", "SEGV", "out-of-memory", "timeout", "heap-buffer-overflow",
                             "runtime error") if k in report), "finding")
    if run.returncode != 0 and first and "libhdf5" in first:
        theirs.append((name, kind, first.split(" (")[0]))
    elif run.returncode != 0:
        ours.append((name, kind, first or "no stack frame"))
for name, kind, where in theirs:
    print(f"  dependency: {name}: {kind} in HDF5 ({where})")
for name, kind, where in ours:
    print(f"  METAROM: {name}: {kind} at {where}")
print(f"fuzz triage: {len(theirs)} finding(s) inside HDF5, {len(ours)} elsewhere")
sys.exit(1 if ours else 0)
