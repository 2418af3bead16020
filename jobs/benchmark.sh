#!/usr/bin/env bash
# Benchmark of uap-user-sync against the demo UAP, on H2 and on MariaDB, with the floors
# it is measured against. Not part of the test suite.
#
#   mvn -q -DskipTests package && jobs/benchmark.sh [users]        (default 1000000)
#
# Each sync is started as jobs/uap-user-sync.sh starts it once prepared (the unpacked jar
# and its class data sharing archive); BENCH_LAUNCH=jar starts 'java -jar' instead.
# For each database it times, JVM start included, with -Xmx$BENCH_HEAP (default 256m):
#   fresh     a sync into an empty database
#   unchanged a second sync over the same users
#   renamed   a third sync over the same users with 1% renamed
# and the floors, on the same rows:
#   fetch     every page fetched with curl over one kept-alive connection, nothing else
#   load      the rows loaded with the database's own bulk path: LOAD DATA LOCAL INFILE on
#             MariaDB, CSVREAD on H2
# It prints users/s for each and the ratio job / floor, and the peak heap of each sync
# (the largest heap before a collection, from the GC log). Last, against a demo UAP that
# takes 50 ms per answer, a sync with UAP_CONCURRENCY 1 and 4 (BENCH_SLOW_USERS, 20000),
# compared on the syncs' own durations (their summary line), without the JVM start.
# Floors are rated over all N users, though about 2% of them are rejects the load skips.
# The demo UAP keeps each user's JSON once made: every page is asked for once before
# anything is timed, so that the floor and the syncs alike find the users made.
#
# MariaDB: 127.0.0.1:3306, user root, empty password (BENCH_MARIADB_* to change); the
# database uap_bench is dropped and created. Page size: UAP_PAGE_SIZE, default 1000. The
# demo users include about 2% that must be rejected, so the reject limit is set to N.
set -euo pipefail
cd "$(dirname "$0")/.."

users="${1:-1000000}"
page="${UAP_PAGE_SIZE:-1000}"
heap="${BENCH_HEAP:-256m}"
launch="${BENCH_LAUNCH:-prepared}"
mariadb_host="${BENCH_MARIADB_HOST:-127.0.0.1}"
mariadb_user="${BENCH_MARIADB_USER:-root}"
jar="target/uap-user-sync.jar"
work="$(mktemp -d)"
token="bench-$$"
port=$((20000 + RANDOM % 10000))
renamed_port=$((port + 1))
pids=()

cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

[ -f "$jar" ] || { echo "No $jar: run 'mvn -q -DskipTests package' first" >&2; exit 2; }
[ "$page" -le 1000 ] || { echo "The demo UAP serves at most 1000 users a page: set UAP_PAGE_SIZE to 1000 or less" >&2; exit 2; }

UAP_ACCESS_TOKEN="$token" java -jar "$jar" demo-server --port "$port" --users "$users" >"$work/uap.log" 2>&1 &
pids+=($!)
UAP_ACCESS_TOKEN="$token" java -jar "$jar" demo-server --port "$renamed_port" --users "$users" \
	--renamed-percent 1 >"$work/uap-renamed.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
	grep -q "Demo UAP serving" "$work/uap.log" "$work/uap-renamed.log" 2>/dev/null \
		&& [ "$(grep -l "Demo UAP serving" "$work"/uap*.log | wc -l)" -eq 2 ] && break
	sleep 0.2
done

seconds() { # command... -> prints elapsed seconds, to the millisecond
	local start end
		start=$(date +%s%N)
	"$@" || return $?
	end=$(date +%s%N)
	awk -v n=$((end - start)) 'BEGIN { printf "%.3f", n / 1e9 }'
}

rate() { awk -v u="$users" -v s="$1" 'BEGIN { printf "%d", u / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

peak_heap() { # gc log -> largest heap before a collection, in MB
	grep -o '[0-9]*M->' "$1" | sed 's/M->//' | sort -n | tail -1
}

if [ "$launch" = prepared ]; then
	UAP_SYNC_JAR="$jar" UAP_SYNC_APP="$work/app" jobs/uap-user-sync.sh prepare >/dev/null
fi

uap_sync() { # command... with the settings in the environment, started as $launch says
	if [ "$launch" = prepared ]; then
		UAP_SYNC_ENV=/dev/null UAP_SYNC_JAR="$jar" UAP_SYNC_APP="$work/app" JAVA_OPTS="${JAVA_OPTS:-}" \
			jobs/uap-user-sync.sh "$@"
	else
		# shellcheck disable=SC2086
		java ${JAVA_OPTS:-} -jar "$jar" "$@"
	fi
}

sync_to() { # log gclog label url user base
	(
		export UAP_BASE_URL="$6" UAP_ACCESS_TOKEN="$token" UAP_PAGE_SIZE="$page" UAP_REJECT_LIMIT="$users" \
			SPRING_DATASOURCE_URL="$4" SPRING_DATASOURCE_USERNAME="$5" SPRING_DATASOURCE_PASSWORD= \
			JAVA_OPTS="-Xmx$heap -Xlog:gc:file=$2"
		uap_sync sync >"$1" 2>&1
	)
}

run_sync() { # label url user base -> sets last_time, last_heap
	local label="$1"
	local log="$work/$label.log"
	last_time=$(seconds sync_to "$log" "$work/$label.gc" "$@") \
		|| { echo "sync $label failed; see its log:" >&2; tail -5 "$log" >&2; exit 1; }
	grep -q "read $users," "$log" || { echo "sync $label did not read $users users" >&2; tail -3 "$log" >&2; exit 1; }
	last_heap=$(peak_heap "$work/$label.gc")
}

base="http://127.0.0.1:$port/api/v1"
renamed_base="http://127.0.0.1:$renamed_port/api/v1"

# The fetch floor: the same pages, one kept-alive connection, nothing done with them.
for skip in $(seq 0 "$page" $((users - 1))); do
	echo "url = \"$base/apps/mapping/users?skip=$skip&limit=$page\""
	echo "output = /dev/null"
done >"$work/pages.curl"
sed "s|$base|$renamed_base|" "$work/pages.curl" >"$work/renamed-pages.curl"
curl -sf -H "X-App-Access-Token: $token" -K "$work/pages.curl" || { echo "the demo UAP did not answer" >&2; exit 1; }
curl -sf -H "X-App-Access-Token: $token" -K "$work/renamed-pages.curl" || { echo "the demo UAP did not answer" >&2; exit 1; }
fetch_time=$(seconds curl -sf -H "X-App-Access-Token: $token" -K "$work/pages.curl") \
	|| { echo "the fetch floor failed" >&2; exit 1; }

printf '\nuap-user-sync benchmark: %s users, page size %s, -Xmx%s, %s launch, %s, %s cores, %s\n' "$users" "$page" \
	"$heap" "$launch" "$(java -version 2>&1 | head -1)" "$(nproc)" "$(date -u +%Y-%m-%d)"
printf '%-10s %-10s %9s %10s %12s %9s\n' database run seconds users/s "job/floor" "heap MB"
printf '%-10s %-10s %9s %10s %12s %9s\n' - fetch "$fetch_time" "$(rate "$fetch_time")" - -

for db in h2 mariadb; do
	if [ "$db" = h2 ]; then
		url="jdbc:h2:file:$work/h2/bench"
		user=sa
	else
		mariadb -h "$mariadb_host" -u "$mariadb_user" -e "DROP DATABASE IF EXISTS uap_bench; CREATE DATABASE uap_bench"
		url="jdbc:mysql://$mariadb_host:3306/uap_bench"
		user="$mariadb_user"
	fi
	run_sync "$db-fresh" "$url" "$user" "$base"
	fresh_time=$last_time fresh_heap=$last_heap
	run_sync "$db-unchanged" "$url" "$user" "$base"
	unchanged_time=$last_time unchanged_heap=$last_heap
	run_sync "$db-renamed" "$url" "$user" "$renamed_base"
	renamed_time=$last_time renamed_heap=$last_heap

	# The load floor: the rows the sync wrote, loaded by the database's own bulk path.
	if [ "$db" = h2 ]; then
		h2() {
			java -cp "$jar" -Dloader.main=org.h2.tools.Shell org.springframework.boot.loader.launch.PropertiesLauncher \
				-url "$url" -user sa -sql "$1" >/dev/null
		}
		h2 "CALL CSVWRITE('$work/rows.csv', 'SELECT mobile, name, english_name FROM uap_user')"
				load_time=$(seconds h2 "CREATE TABLE load_floor AS SELECT * FROM CSVREAD('$work/rows.csv')") \
			|| { echo "the H2 load floor failed" >&2; exit 1; }
	else
		mariadb -h "$mariadb_host" -u "$mariadb_user" uap_bench --batch --skip-column-names --raw \
			-e "SELECT mobile, name, english_name FROM uap_user" >"$work/rows.tsv"
		mariadb -h "$mariadb_host" -u "$mariadb_user" uap_bench \
			-e "CREATE TABLE load_floor LIKE uap_user; ALTER TABLE load_floor MODIFY created_at DATETIME(3) NULL, MODIFY updated_at DATETIME(3) NULL"
		load_time=$(seconds mariadb --local-infile=1 -h "$mariadb_host" -u "$mariadb_user" uap_bench \
						-e "LOAD DATA LOCAL INFILE '$work/rows.tsv' INTO TABLE load_floor (mobile, name, english_name)") \
			|| { echo "the MariaDB load floor failed" >&2; exit 1; }
	fi
	printf '%-10s %-10s %9s %10s %12s %9s\n' "$db" load "$load_time" "$(rate "$load_time")" - -
	printf '%-10s %-10s %9s %10s %12s %9s\n' "$db" fresh "$fresh_time" "$(rate "$fresh_time")" \
		"$(ratio "$fresh_time" "$load_time")" "$fresh_heap"
	printf '%-10s %-10s %9s %10s %12s %9s\n' "$db" unchanged "$unchanged_time" "$(rate "$unchanged_time")" \
		"$(ratio "$unchanged_time" "$load_time")" "$unchanged_heap"
	printf '%-10s %-10s %9s %10s %12s %9s\n' "$db" renamed "$renamed_time" "$(rate "$renamed_time")" \
		"$(ratio "$renamed_time" "$load_time")" "$renamed_heap"
	[ "$db" = mariadb ] && mariadb -h "$mariadb_host" -u "$mariadb_user" -e "DROP DATABASE uap_bench"
done
echo "(job/floor: the run's seconds over the load floor's; fetch is the HTTP floor, the same for both)"

# Concurrency against a slow UAP: every answer takes 50 ms; pages of 100, on H2.
slow_users="${BENCH_SLOW_USERS:-20000}"
slow_port=$((port + 2))
UAP_ACCESS_TOKEN="$token" java -jar "$jar" demo-server --port "$slow_port" --users "$slow_users" --delay-ms 50 \
	>"$work/uap-slow.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do grep -q "Demo UAP serving" "$work/uap-slow.log" 2>/dev/null && break; sleep 0.2; done
slow_sync() { # concurrency log
	(
		export UAP_BASE_URL="http://127.0.0.1:$slow_port/api/v1" UAP_ACCESS_TOKEN="$token" UAP_PAGE_SIZE=100 \
			UAP_CONCURRENCY="$1" UAP_REJECT_LIMIT="$slow_users" \
			SPRING_DATASOURCE_URL="jdbc:h2:file:$work/slow-$1/db" JAVA_OPTS="-Xmx$heap"
		uap_sync sync >"$2" 2>&1
	)
}
printf '\nA UAP taking 50 ms per answer, %s users, page size 100, H2:\n' "$slow_users"
printf '%-12s %9s %12s %10s %8s\n' concurrency seconds "sync's own" users/s speedup
for c in 1 4; do
	t=$(seconds slow_sync "$c" "$work/slow-$c.log") || { tail -3 "$work/slow-$c.log" >&2; exit 1; }
	grep -q "read $slow_users," "$work/slow-$c.log" || { echo "slow sync $c incomplete" >&2; exit 1; }
	# the sync's own duration, from its summary, without the JVM's start
	own=$(grep -o 'COMPLETED in [0-9.]* s' "$work/slow-$c.log" | grep -o '[0-9.]*' | head -1)
	[ "$c" = 1 ] && own1=$own
	printf '%-12s %9s %12s %10s %8s\n' "$c" "$t" "$own" "$(awk -v u="$slow_users" -v s="$own" 'BEGIN { printf "%d", u / s }')" \
		"$(ratio "$own1" "$own")"
done
