#!/usr/bin/env bash
# Runs one uap-user-sync command, for cron, systemd or by hand, with the settings of an
# env file (KEY=value lines: UAP_BASE_URL, UAP_ACCESS_TOKEN_FILE, SPRING_DATASOURCE_URL...).
#
#   jobs/uap-user-sync.sh sync
#   jobs/uap-user-sync.sh prepare      (once after each build: a faster start, see below)
#
# UAP_SYNC_ENV names the env file (default /etc/uap-user-sync/env), UAP_SYNC_JAR the jar
# (default: target/uap-user-sync.jar beside this script), JAVA_OPTS the JVM options.
# The exit code is the jar's: 0 completed, 1 failed or stopped, 2 could not start,
# 3 another sync is running on the same database.
#
# 'prepare' unpacks the jar into UAP_SYNC_APP (default: target/app beside the jar) and
# records there a class data sharing archive of the classes a sync loads, from a demo sync
# into a scratch H2 database (Spring Boot's "efficient deployments"). Later commands then
# start from it: a sync of one user into H2 took 3.4 to 4.2 s so, against 6.2 to 6.8 s
# from the jar (two cores, four runs each). 'prepare' records the jar's checksum;
# when the jar is no longer the one prepared (a new build, a package, a rollback), the
# jar runs as it is and a line on standard error says to prepare again. Do not prepare
# while a sync runs from the same folder: it replaces the files that sync runs from.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
env_file="${UAP_SYNC_ENV:-/etc/uap-user-sync/env}"
if [ -f "$env_file" ]; then
	set -a
	# shellcheck disable=SC1090
	. "$env_file"
	set +a
fi
absolute() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
jar="$(absolute "${UAP_SYNC_JAR:-$here/../target/uap-user-sync.jar}")"
app="$(absolute "${UAP_SYNC_APP:-$(dirname "$jar")/app}")"
archive="$app/uap-user-sync.jsa"
stamp="$app/prepared-from.cksum"
# the unpacked application jar, named alike whatever the jar's own name (a version in it,
# a link such as current.jar)
thin="$app/uap-user-sync.jar"
marker="$app/.made-by-prepare"

if [ ! -f "$jar" ]; then
	echo "No jar at $jar: build it with 'mvn -q -DskipTests package' or set UAP_SYNC_JAR" >&2
	exit 2
fi

if [ "${1:-}" = prepare ]; then
	if [ "$(cd "$(dirname "$jar")" && pwd)" = "$(cd "$app" 2>/dev/null && pwd)" ]; then
		echo "UAP_SYNC_APP ($app) is the jar's own folder: set it to a folder of its own" >&2
		exit 2
	fi
	if [ -e "$app" ] && [ ! -f "$marker" ] && [ -n "$(ls -A "$app" 2>/dev/null)" ]; then
		echo "$app exists and was not made by 'prepare': empty it or set UAP_SYNC_APP elsewhere" >&2
		exit 2
	fi
	scratch="$(mktemp -d)"
	trap 'rm -rf "$scratch"' EXIT
	rm -rf "$app"
	java -Djarmode=tools -jar "$jar" extract --destination "$app" --application-filename "$(basename "$thin")" >/dev/null
	: >"$marker"
	# the training run: a whole demo sync, so that the job's own classes are archived too
	(cd "$scratch" && env -i PATH="$PATH" HOME="$scratch" SPRING_DATASOURCE_URL="jdbc:h2:file:$scratch/demo" \
		java -XX:ArchiveClassesAtExit="$archive" -jar "$thin" demo >"$scratch/training.log" 2>&1) \
		|| { echo "The training run failed:" >&2; tail -5 "$scratch/training.log" >&2; exit 1; }
	cksum <"$jar" >"$stamp"
	echo "Prepared $app; commands now start from $archive"
	exit 0
fi

launch=(-jar "$jar")
if [ -f "$archive" ] && [ -f "$thin" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(cksum <"$jar")" ]; then
	launch=(-XX:SharedArchiveFile="$archive" -Xlog:cds=off -Xlog:cds+dynamic=off -jar "$thin")
elif [ -f "$archive" ]; then
	echo "$jar is not the jar prepared in $app: starting from the jar itself; run '$0 prepare' again" >&2
fi

# exec, so that a SIGTERM from the scheduler reaches the JVM itself.
# shellcheck disable=SC2086
exec java ${JAVA_OPTS:-} "${launch[@]}" "$@"
