# Issue 14, hostile input 10: the benchmarks of `make bench` leave no folder
# in the temporary directory, when they finish and when they are stopped.
. "$HERE/lib.sh"
B=$(dirname "$PO")/bench
[ -x "$B/bench_run" ] || { echo "skip: no bench programs next to $PO"; exit 0; }
mkdir tmp
TMPDIR=$PWD/tmp
export TMPDIR
"$B/bench_run" 1 > run.txt || die "bench_run failed: $(cat run.txt)"
[ -z "$(ls -A tmp)" ] || die "bench_run left: $(ls -A tmp)"
"$B/bench_batch" 1 > batch.txt || die "bench_batch failed: $(cat batch.txt)"
[ -z "$(ls -A tmp)" ] || die "bench_batch left: $(ls -A tmp)"
"$B/bench_bridge" > bridge.txt || die "bench_bridge failed: $(cat bridge.txt)"
[ -z "$(ls -A tmp)" ] || die "bench_bridge left: $(ls -A tmp)"
# stopped half-way (SIGTERM, as a ^C or a CI timeout would)
"$B/bench_scale" > scale.txt &
pid=$!
n=0
while [ -z "$(ls -A tmp)" ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
sleep 0.3
kill -TERM $pid
wait $pid
[ -z "$(ls -A tmp)" ] || die "bench_scale stopped by SIGTERM left: $(ls -A tmp)"
