#!/usr/bin/env bash
# Interrupted runs lose nothing: real processes (and, on NP > 1 ranks, all of their ranks)
# are killed with SIGKILL at random moments, repeatedly, and then
#  - a recording program (ts_app.c through the plugin) leaves NAME.partial, a valid snapshot
#    file marked incomplete whose states are, bit for bit, the first states of an
#    uninterrupted recording, and nothing under NAME;
#  - `simulate` and `compare` leave every earlier file byte-identical and no partial file
#    under a final name (each output is either the earlier one or a complete new one);
#  - `fit` resumed from its checkpoint after any number of kills ends on the same model,
#    bit for bit, as an uninterrupted fit;
#  - on several ranks, one rank killed alone (fit with Adam and with TAO, a ROM run) ends the
#    job non-zero within 60 s.
# The random moments come from KILL_SEED (printed; set it to repeat a run).
# usage: kill_test.sh /path/to/metarom /path/to/metarom_ts_app /path/to/libmetarom.so NP [mpiexec]
set -u
exe=$1
app=$2
lib=$3
np=${4:-1}
mpiexec=${5:-mpiexec}
# shellcheck source=../test_lib.sh
. "$(dirname "$0")/../test_lib.sh"
seed=${KILL_SEED:-$$}
RANDOM=$seed
echo "kill test (np=$np): KILL_SEED=$seed"
py=/usr/bin/python3

# killed_at SECONDS command...: runs the command (on np ranks) and SIGKILLs it (mpiexec and
# every rank) after SECONDS, unless it ended before. Prints "killed"
# or "finished".
killed_at() {
  local deadline=$(($(date +%s%N) + $(awk -v d="$1" 'BEGIN { printf "%d", d * 1e9 }')))
  shift
  if [ "$np" -gt 1 ]; then "$mpiexec" -n "$np" "$@" > "$dir/killed.txt" 2>&1 &
  else "$@" > "$dir/killed.txt" 2>&1 & fi
  local pid=$!
  while kill -0 "$pid" 2> /dev/null && [ "$(date +%s%N)" -lt "$deadline" ]; do sleep 0.01; done
  if kill -0 "$pid" 2> /dev/null; then
    # mpiexec's ranks are its children, each in a process group of its own: all at once.
    kill -KILL $(pgrep -P "$pid") "$pid" 2> /dev/null
    wait "$pid" 2> /dev/null
    echo killed
  else
    wait "$pid" 2> /dev/null
    echo finished
  fi
}
# a random delay in [lo, hi) seconds
delay() { awk -v lo="$1" -v hi="$2" -v u="$RANDOM" 'BEGIN { printf "%.3f", lo + (hi - lo) * u / 32768 }'; }
# wall command...: the wall time of an uninterrupted run, to draw kill moments in.
wall() { local t0 t1; t0=$(date +%s.%N); "$@" > "$dir/wall.txt" 2>&1; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'; }

# 1. A recording program. The reference: an uninterrupted recording.
rec="-n 800 -ts_dt 1e-5 -ts_max_steps 8000 -ts_adapt_type none -dll_append $lib -ts_save_trajectory \
  -ts_trajectory_type metarom -ts_trajectory_metarom_stride 20 -ts_trajectory_metarom_flush 8 -ts_trajectory_metarom_rhs"
t_rec=$(wall par "$app" $rec -ts_trajectory_metarom_file "$dir/ref.h5")
[ -f "$dir/ref.h5" ] && ok || fail "uninterrupted recording: $(cat "$dir/wall.txt")"
states_seen=()
for i in 1 2 3 4 5 6; do
  d=$(delay 0.05 "$t_rec")
  how=$(killed_at "$d" "$app" $rec -ts_trajectory_metarom_file "$dir/rec.h5")
  if [ "$how" = finished ]; then
    [ -f "$dir/rec.h5" ] && [ ! -e "$dir/rec.h5.partial" ] && ok || fail "recording finished without its file"
    rm -f "$dir/rec.h5" "$dir/rec.xmf"
    states_seen+=("all")
    continue
  fi
  if [ -e "$dir/rec.h5" ]; then  # killed after the rename (writing the XDMF side file): complete
    "$exe" info "$dir/rec.h5" > "$dir/info.txt" 2>&1 && ! grep -q INCOMPLETE "$dir/info.txt" && [ ! -e "$dir/rec.h5.partial" ] \
      && ok || fail "kill at $d s: the file under the final name is not a complete recording: $(cat "$dir/info.txt")"
    rm -f "$dir/rec.h5" "$dir/rec.xmf"
    states_seen+=("all")
    continue
  fi
  if [ -e "$dir/rec.h5.partial" ]; then
    # A valid, readable file marked incomplete, holding a prefix of the reference; or, killed
    # between marking the finished file complete and renaming it, all 401 states marked complete.
    "$exe" info "$dir/rec.h5.partial" > "$dir/info.txt" 2>&1 \
      && { grep -q INCOMPLETE "$dir/info.txt" || grep -q "N = 401 snapshots" "$dir/info.txt"; } && ok \
      || fail "kill at $d s: the partial recording is not a readable, incomplete file: $(cat "$dir/info.txt")"
    "$exe" info "$dir/rec.h5.partial" -check > "$dir/info.txt" 2>&1 && ok \
      || fail "kill at $d s: the partial recording does not conform to the schema: $(cat "$dir/info.txt")"
    count=$("$py" - "$dir/rec.h5.partial" "$dir/ref.h5" << 'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as p, h5py.File(sys.argv[2], "r") as r:
    k = p["time"].shape[0]
    same = all(np.array_equal(p[s][:k], r[s][:k]) for s in ("states", "rhs")) and np.array_equal(p["time"][:], r["time"][:k])
    print(k if same and p.attrs["complete"] == 0 else -1)
PY
)
    [ "${count:--1}" -ge 0 ] && ok || fail "kill at $d s: the partial recording's states differ from the reference's"
    states_seen+=("$count")
    rm -f "$dir/rec.h5.partial"
  else
    states_seen+=("none")  # killed before the first step
  fi
done
echo "kill test (np=$np): recording ($t_rec s) killed 6 times; states kept: ${states_seen[*]} (reference $("$py" -c "import h5py,sys; print(h5py.File(sys.argv[1])['time'].shape[0])" "$dir/ref.h5"))"

# 2. simulate over an earlier output: the earlier file stays intact until the new one is whole.
sim="simulate heat -heat_nx 64 -heat_ny 64 -heat_steps 400 -heat_snapshot_stride 4 -quiet"
t_sim=$(wall par "$exe" $sim -o "$dir/heat.h5")
[ -f "$dir/heat.h5" ] && ok || fail "simulate: $(cat "$dir/wall.txt")"
fresh_outputs() {  # fresh_outputs FILE...: each file is the earlier one (same checksum) or a complete new one
  for f in "$@"; do
    if [ "$(md5sum < "$f")" = "$(cat "$f.md5")" ]; then ok
    elif [[ "$f" == *.h5 ]] && "$exe" info "$f" > /dev/null 2>&1; then ok
    elif [[ "$f" == *.json ]] && "$py" -c "import json,sys; json.load(open(sys.argv[1]))" "$f" 2> /dev/null; then ok
    elif [[ "$f" == *.md || "$f" == *.xmf ]] && [ -s "$f" ] && grep -q . "$f"; then ok
    else fail "$f is neither the earlier file nor a complete new one"; fi
    md5sum < "$f" > "$f.md5"
  done
}
for f in "$dir/heat.h5" "$dir/heat.xmf"; do md5sum < "$f" > "$f.md5"; done
for i in 1 2 3 4; do
  killed_at "$(delay 0.05 "$t_sim")" "$exe" $sim -o "$dir/heat.h5" > /dev/null
  fresh_outputs "$dir/heat.h5" "$dir/heat.xmf"
done
cp "$dir/heat.h5" "$dir/input.h5"
md5sum < "$dir/input.h5" > "$dir/input.h5.md5"

# 3. fit, resumed from its checkpoint after kills, against an uninterrupted fit.
fit="fit ae -i $dir/input.h5 -r 3 -ae_hidden 16 -ae_epochs 150 -ae_batch_size 8 -quiet"
t_fit=$(wall par "$exe" $fit -o "$dir/ae_ref.h5" -ae_checkpoint "$dir/ck_ref.h5")
[ -f "$dir/ae_ref.h5" ] && ok || fail "uninterrupted fit: $(cat "$dir/wall.txt")"
kills=0
for i in 1 2 3 4; do
  [ "$(killed_at "$(delay 0.3 "$t_fit")" "$exe" $fit -o "$dir/ae.h5" -ae_checkpoint "$dir/ck.h5")" = killed ] \
    && kills=$((kills + 1))
  [ ! -e "$dir/ae.h5" ] || "$exe" info "$dir/ae.h5" > /dev/null 2>&1 && ok || fail "a killed fit left a broken model file"
done
for f in "$dir"/ck.h5 "$dir"/ck.h5.rank[0-9]; do  # one checkpoint per rank on several ranks
  [ -e "$f" ] || continue
  "$exe" info "$f" -check > "$dir/info.txt" 2>&1 && ok || fail "checkpoint $f does not conform: $(cat "$dir/info.txt")"
done
par "$exe" $fit -o "$dir/ae.h5" -ae_checkpoint "$dir/ck.h5" > "$dir/resume.txt" 2>&1 && ok \
  || fail "resumed fit: $(cat "$dir/resume.txt")"
same=$("$py" - "$dir/ae.h5" "$dir/ae_ref.h5" << 'PY'
import sys, h5py, numpy as np
def arrays(path):
    out = {}
    with h5py.File(path, "r") as f:
        f["reducer"].visititems(lambda name, o: out.__setitem__(name, o[()]) if isinstance(o, h5py.Dataset) else None)
    return out
a, b = arrays(sys.argv[1]), arrays(sys.argv[2])
print(int(a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)), len(a))
PY
)
[ "${same%% *}" = 1 ] && ok || fail "the fit resumed after $kills kill(s) differs from the uninterrupted fit ($same)"
echo "kill test (np=$np): fit ($t_fit s) killed $kills time(s) and resumed: model equal to the uninterrupted fit's (${same#* } data sets compared bit for bit)"

# 4. compare over an earlier report: the inputs untouched, each output earlier or whole.
cmp_opts="compare -i $dir/input.h5 -reducers pod,$dir/ae_ref.h5 -r 3 -latent_dynamics none -o $dir/report -plots 0 -quiet"
t_cmp=$(wall par "$exe" $cmp_opts)
[ -f "$dir/report/compare.json" ] && ok || fail "compare: $(cat "$dir/wall.txt")"
outputs=("$dir/input.h5" "$dir/ae_ref.h5")
for f in "$dir"/report/*.h5 "$dir"/report/*.json "$dir"/report/*.md; do outputs+=("$f"); done
for f in "${outputs[@]}"; do md5sum < "$f" > "$f.md5"; done
for i in 1 2 3 4; do
  killed_at "$(delay 0.05 "$t_cmp")" "$exe" $cmp_opts > /dev/null
  fresh_outputs "${outputs[@]}"
  [ "$(md5sum < "$dir/input.h5")" = "$(md5sum < "$dir/heat.h5")" ] && ok || fail "compare changed its input"
done
echo "kill test (np=$np): simulate ($t_sim s) and compare ($t_cmp s) killed 4 times each: earlier files intact"

# 5. On several ranks, one rank killed alone (SIGKILL to the last rank only) in the middle of
# training with Adam, training with TAO and a ROM run: the job must end, with a non-zero
# status, within 60 s — never hang with the other ranks waiting for it.
one_rank_killed() {  # one_rank_killed WHAT SECONDS command...
  local what=$1 after=$2
  shift 2
  "$mpiexec" -n "$np" "$@" > "$dir/one.txt" 2>&1 &
  local pid=$! t0 ranks=() waited=0
  sleep "$after"
  mapfile -t ranks < <(pgrep -P "$pid")
  if [ ${#ranks[@]} -lt "$np" ]; then
    wait "$pid" 2> /dev/null
    fail "$what: ended before a rank could be killed ($after s): $(head -c 400 "$dir/one.txt")"
    return
  fi
  t0=$(date +%s.%N)
  kill -KILL "${ranks[$((${#ranks[@]} - 1))]}"
  while kill -0 "$pid" 2> /dev/null && [ $waited -lt 600 ]; do sleep 0.1; waited=$((waited + 1)); done
  if kill -0 "$pid" 2> /dev/null; then
    fail "$what: still running 60 s after one of its ranks was killed"
    kill -KILL $(pgrep -P "$pid") "$pid" 2> /dev/null
    wait "$pid" 2> /dev/null
    return
  fi
  wait "$pid"
  local rc=$?
  [ $rc -ne 0 ] && ok || fail "$what: exited 0 after one of its ranks was killed"
  echo "kill test (np=$np): $what: one rank killed after $after s; the job ended (status $rc) $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s later"
}
if [ "$np" -gt 1 ]; then
  long="-i $dir/input.h5 -r 3 -ae_hidden 16 -ae_epochs 1000000 -quiet -o $dir/never.h5"
  one_rank_killed "fit ae (Adam)" 1.5 "$exe" fit ae $long -ae_batch_size 8
  one_rank_killed "fit ae (TAO)" 1.5 "$exe" fit ae $long -ae_optimizer tao -ae_pod_modes 0
  one_rank_killed "rom (manifold Galerkin)" 1.5 "$exe" rom -m "$dir/ae_ref.h5" -heat_steps 1000000 -quiet
fi
summary "kill test (np=$np)"
