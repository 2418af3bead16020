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
#   load      the rows loaded with the database's own bulk path into a table keyed by
#             mobile: LOAD DATA LOCAL INFILE on MariaDB, CSVREAD on H2 (through H2's
#             shell, whose JVM start it includes, about half a second)
# It prints users/s for each and the ratio job / floor, the peak heap of each sync (the
# largest heap before a collection, from the GC log), and the CPU seconds the sync's JVM
# and the database server used during it (the database's only when it runs here, as
# mariadbd or in the JVM for H2). A last row per database, 'start', is a sync of a UAP
# holding one user into an empty database: what every sync costs before its first user
# (JVM start, Spring context, job repository, lock, deletion step). Last, against a demo UAP that
# takes 50 ms per answer, a sync with UAP_CONCURRENCY 1 and 4 (BENCH_SLOW_USERS, 100000),
# compared on the syncs' own durations (their summary line), without the JVM start.
# Floors are rated over all N users, though about 2% of them are rejects the load skips.
# The demo UAP keeps each user's JSON once made: every page is asked for once before
# anything is timed, so that the floor and the syncs alike find the users made.
#
# Each database's runs are repeated BENCH_ROUNDS times (default 3), each round from an
# empty database, and each row shows the median round with the fastest and slowest: on a
# shared machine one run can be off by a few seconds.
# BENCH_DATABASES (default "h2 mariadb"; empty for none) picks the databases; BENCH_SLOW=0 skips the
# slow-UAP part. Other settings of the sync pass through the environment, e.g.
# UAP_LOAD_DATA=false to time the INSERT path on MariaDB.
# MariaDB: 127.0.0.1:3306, user root, empty password (BENCH_MARIADB_* to change); the
# database uap_bench is dropped and created. Page size: UAP_PAGE_SIZE, default 1000. The
# demo users include about 2% that must be rejected, so the reject limit is set to N.
set -euo pipefail
cd "$(dirname "$0")/.."

users="${1:-1000000}"
page="${UAP_PAGE_SIZE:-1000}"
heap="${BENCH_HEAP:-256m}"
rounds="${BENCH_ROUNDS:-3}"
launch="${BENCH_LAUNCH:-prepared}"
mariadb_host="${BENCH_MARIADB_HOST:-127.0.0.1}"
mariadb_user="${BENCH_MARIADB_USER:-root}"
jar="target/uap-user-sync.jar"
work="$(mktemp -d)"
token="bench-$$"
port=$((20000 + RANDOM % 10000))
renamed_port=$((port + 1))
one_port=$((port + 3))
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
UAP_ACCESS_TOKEN="$token" java -jar "$jar" demo-server --port "$one_port" --users 1 >"$work/uap-one.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
	[ "$(grep -l "Demo UAP serving" "$work"/uap*.log 2>/dev/null | wc -l)" -eq 3 ] && break
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

ticks() { # pid -> CPU time used so far (user + system), in clock ticks; 0 when unknown
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
hz=$(getconf CLK_TCK)
mariadb_pid=$(pgrep -o -x mariadbd || pgrep -o -x mysqld || true)

if [ "$launch" = prepared ]; then
	UAP_SYNC_JAR="$jar" UAP_SYNC_APP="$work/app" jobs/uap-user-sync.sh prepare >/dev/null
fi

uap_sync() { # command... with the settings in the environment, started as $launch says;
	# the CPU seconds it used (user and system) go to $cpu_file when set
	local timed=()
	[ -x /usr/bin/time ] && timed=(/usr/bin/time -f '%U %S' -o "${cpu_file:-/dev/null}")
	if [ "$launch" = prepared ]; then
		UAP_SYNC_ENV=/dev/null UAP_SYNC_JAR="$jar" UAP_SYNC_APP="$work/app" JAVA_OPTS="${JAVA_OPTS:-}" \
			"${timed[@]}" jobs/uap-user-sync.sh "$@"
	else
		# shellcheck disable=SC2086
		"${timed[@]}" java ${JAVA_OPTS:-} -jar "$jar" "$@"
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

run_sync() { # label url user base [users] -> sets last_time, last_heap, last_cpu, last_db_cpu
	local label="$1" expected="${5:-$users}"
	local log="$work/$label.log" db_before=0
	[ -n "$mariadb_pid" ] && db_before=$(ticks "$mariadb_pid")
	last_time=$(cpu_file="$work/$label.cpu" seconds sync_to "$log" "$work/$label.gc" "$label" "$2" "$3" "$4") \
		|| { echo "sync $label failed; see its log:" >&2; tail -5 "$log" >&2; exit 1; }
	grep -q "read $expected," "$log" \
		|| { echo "sync $label did not read $expected users" >&2; tail -3 "$log" >&2; exit 1; }
	last_heap=$(peak_heap "$work/$label.gc")
	last_cpu=-
	[ -s "$work/$label.cpu" ] && last_cpu=$(awk '{ printf "%.1f", $1 + $2 }' "$work/$label.cpu")
	last_db_cpu=-
	if [ -n "$mariadb_pid" ] && [[ "$2" == jdbc:mysql:* ]]; then
		last_db_cpu=$(awk -v t=$(($(ticks "$mariadb_pid") - db_before)) -v hz="$hz" 'BEGIN { printf "%.1f", t / hz }')
	fi
}

base="http://127.0.0.1:$port/api/v1"
renamed_base="http://127.0.0.1:$renamed_port/api/v1"
one_base="http://127.0.0.1:$one_port/api/v1"

# The fetch floor: the same pages, one kept-alive connection, nothing done with them. Like
# the sync, each page after the first starts one user early.
for skip in $(seq 0 $((page - 1)) $((users - 2))); do
	echo "url = \"$base/apps/mapping/users?skip=$skip&limit=$page\""
	echo "output = /dev/null"
done >"$work/pages.curl"
sed "s|$base|$renamed_base|" "$work/pages.curl" >"$work/renamed-pages.curl"
curl -sf -H "X-App-Access-Token: $token" -K "$work/pages.curl" || { echo "the demo UAP did not answer" >&2; exit 1; }
curl -sf -H "X-App-Access-Token: $token" -K "$work/renamed-pages.curl" || { echo "the demo UAP did not answer" >&2; exit 1; }
fetch_time=$(seconds curl -sf -H "X-App-Access-Token: $token" -K "$work/pages.curl") \
	|| { echo "the fetch floor failed" >&2; exit 1; }

printf '\nuap-user-sync benchmark: %s users, page size %s, -Xmx%s, %s launch, %s rounds, %s, %s cores, %s\n' \
	"$users" "$page" "$heap" "$launch" "$rounds" "$(java -version 2>&1 | head -1)" "$(nproc)" "$(date -u +%Y-%m-%d)"
row() { # database run seconds job/floor heap jvm-cpu db-cpu range; no users/s for 'start' (one user)
	local per_second=-
	[ "$2" = start ] || per_second=$(rate "$3")
	printf '%-8s %-10s %8s %9s %10s %8s %8s %7s  %s\n' "$1" "$2" "$3" "$per_second" "$4" "$5" "$6" "$7" "$8"
}
printf '%-8s %-10s %8s %9s %10s %8s %8s %7s  %s\n' database run seconds users/s "job/floor" "heap MB" "JVM CPU" "DB CPU" \
	"range"
row - fetch "$fetch_time" - - - - -

median() { # file of "seconds heap cpu db-cpu" lines -> the line of the median seconds
	sort -n "$1" | awk '{ line[NR] = $0 } END { print line[int((NR + 1) / 2)] }'
}
spread() { # file -> "min-max" of the seconds
	sort -n "$1" | awk 'NR == 1 { min = $1 } { max = $1 } END { printf "%s-%s", min, max }'
}
largest_heap() { # file -> the largest peak heap of its runs
	awk '$2 > max { max = $2 } END { print max }' "$1"
}

for db in ${BENCH_DATABASES-h2 mariadb}; do
	rm -f "$work"/*.runs
	for round in $(seq 1 "$rounds"); do
		if [ "$db" = h2 ]; then
			url="jdbc:h2:file:$work/h2-$round/bench"
			one_url="jdbc:h2:file:$work/h2-one-$round/bench"
			user=sa
		else
			mariadb -h "$mariadb_host" -u "$mariadb_user" \
				-e "DROP DATABASE IF EXISTS uap_bench; CREATE DATABASE uap_bench;
					DROP DATABASE IF EXISTS uap_bench_one; CREATE DATABASE uap_bench_one"
			url="jdbc:mysql://$mariadb_host:3306/uap_bench"
			one_url="jdbc:mysql://$mariadb_host:3306/uap_bench_one"
			user="$mariadb_user"
		fi
		for run in fresh unchanged renamed; do
			source_base="$base"
			[ "$run" = renamed ] && source_base="$renamed_base"
			run_sync "$db-$run-$round" "$url" "$user" "$source_base"
			echo "$last_time $last_heap $last_cpu $last_db_cpu" >>"$work/$run.runs"
		done

		# The load floor: the rows the sync wrote, loaded by the database's own bulk path.
		if [ "$db" = h2 ]; then
			h2() {
				java -cp "$jar" -Dloader.main=org.h2.tools.Shell org.springframework.boot.loader.launch.PropertiesLauncher \
					-url "$url" -user sa -sql "$1" >/dev/null
			}
			# into a table keyed like uap_user; the time includes the H2 shell's JVM start
			h2 "CALL CSVWRITE('$work/rows.csv', 'SELECT mobile, name, english_name FROM uap_user');
				CREATE TABLE load_floor (mobile VARCHAR(32) PRIMARY KEY, name VARCHAR(510), english_name VARCHAR(510))"
			load_time=$(seconds h2 "INSERT INTO load_floor SELECT * FROM CSVREAD('$work/rows.csv')") \
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
		echo "$load_time - - -" >>"$work/load.runs"
		# What a sync costs before its first user: one user into an empty database.
		run_sync "$db-start-$round" "$one_url" "$user" "$one_base" 1
		echo "$last_time $last_heap $last_cpu $last_db_cpu" >>"$work/start.runs"
	done

	load_time=$(median "$work/load.runs" | cut -d' ' -f1)
	row "$db" load "$load_time" - - - - "$(spread "$work/load.runs")"
	for run in fresh unchanged renamed start; do
		read -r time _ cpu db_cpu < <(median "$work/$run.runs")
		row "$db" "$run" "$time" "$(ratio "$time" "$load_time")" "$(largest_heap "$work/$run.runs")" "$cpu" "$db_cpu" \
			"$(spread "$work/$run.runs")"
	done
	[ "$db" = mariadb ] && mariadb -h "$mariadb_host" -u "$mariadb_user" -e "DROP DATABASE uap_bench; DROP DATABASE uap_bench_one"
done
echo "(each database row: the median of $rounds rounds (the lower middle one for an even number), each"
echo " from an empty database; range: the fastest and slowest round; heap: the largest peak of the"
echo " rounds; CPU: of the median round)"
echo "(job/floor: the run's seconds over the load floor's; fetch is the HTTP floor, the same for both;"
echo " CPU: seconds of CPU the sync's JVM and the database server used during the run; H2 runs in the JVM)"

# Concurrency against a slow UAP: every answer takes 50 ms; pages of 100, on H2. The UAP
# is warmed first (every page asked for once, in parallel), so that neither run pays for
# making the users' JSON; concurrency 1 and 4 alternate for the rounds. 100,000 users make
# about a thousand requests: what a sync costs once whatever its concurrency (job set-up,
# the JIT's warm-up, the deletion step) then weighs little
# against the fetching it is meant to compare.
[ "${BENCH_SLOW:-1}" = 0 ] && exit 0
slow_users="${BENCH_SLOW_USERS:-100000}"
slow_port=$((port + 2))
UAP_ACCESS_TOKEN="$token" java -jar "$jar" demo-server --port "$slow_port" --users "$slow_users" --delay-ms 50 \
	>"$work/uap-slow.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do grep -q "Demo UAP serving" "$work/uap-slow.log" 2>/dev/null && break; sleep 0.2; done
for skip in $(seq 0 99 $((slow_users - 2))); do
	echo "url = \"http://127.0.0.1:$slow_port/api/v1/apps/mapping/users?skip=$skip&limit=100\""
	echo "output = /dev/null"
done >"$work/slow-pages.curl"
curl -sf --no-progress-meter --parallel --parallel-max 16 -H "X-App-Access-Token: $token" -K "$work/slow-pages.curl" \
	|| { echo "the slow demo UAP did not answer" >&2; exit 1; }
slow_sync() { # concurrency log
	(
		export UAP_BASE_URL="http://127.0.0.1:$slow_port/api/v1" UAP_ACCESS_TOKEN="$token" UAP_PAGE_SIZE=100 \
			UAP_CONCURRENCY="$1" UAP_REJECT_LIMIT="$slow_users" \
			SPRING_DATASOURCE_URL="jdbc:h2:file:$work/slow-$1-$round/db" JAVA_OPTS="-Xmx$heap"
		uap_sync sync >"$2" 2>&1
	)
}
rm -f "$work"/slow-*.runs
for round in $(seq 1 "$rounds"); do
	for c in 1 4; do
		log="$work/slow-$c-$round.log"
		t=$(seconds slow_sync "$c" "$log") || { tail -3 "$log" >&2; exit 1; }
		grep -q "read $slow_users," "$log" || { echo "slow sync $c incomplete" >&2; exit 1; }
		# the sync's own duration, from its summary, without the JVM's start
		own=$(grep -o 'COMPLETED in [0-9.]* s' "$log" | grep -o '[0-9.]*' | head -1)
		echo "$own $t" >>"$work/slow-$c.runs"
	done
done
printf '\nA UAP taking 50 ms per answer, %s users, page size 100, H2, the median of %s rounds:\n' "$slow_users" "$rounds"
printf '%-12s %9s %12s %10s %8s  %s\n' concurrency seconds "sync's own" users/s speedup "range (own)"
for c in 1 4; do
	read -r own t < <(median "$work/slow-$c.runs")
	[ "$c" = 1 ] && own1=$own
	printf '%-12s %9s %12s %10s %8s  %s\n' "$c" "$t" "$own" \
		"$(awk -v u="$slow_users" -v s="$own" 'BEGIN { printf "%d", u / s }')" "$(ratio "$own1" "$own")" \
		"$(spread "$work/slow-$c.runs")"
done
