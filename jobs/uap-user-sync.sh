#!/usr/bin/env bash
# Runs one uap-user-sync command, for cron, systemd or by hand, with the settings of an
# env file (KEY=value lines: UAP_BASE_URL, UAP_ACCESS_TOKEN_FILE, SPRING_DATASOURCE_URL...).
#
#   jobs/uap-user-sync.sh sync
#
# UAP_SYNC_ENV names the env file (default /etc/uap-user-sync/env), UAP_SYNC_JAR the jar
# (default: target/uap-user-sync.jar beside this script), JAVA_OPTS the JVM options.
# The exit code is the jar's: 0 completed, 1 failed or stopped, 2 could not start,
# 3 another sync is running on the same database.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
env_file="${UAP_SYNC_ENV:-/etc/uap-user-sync/env}"
jar="${UAP_SYNC_JAR:-$here/../target/uap-user-sync.jar}"

if [ -f "$env_file" ]; then
	set -a
	# shellcheck disable=SC1090
	. "$env_file"
	set +a
fi
if [ ! -f "$jar" ]; then
	echo "No jar at $jar: build it with 'mvn -q -DskipTests package' or set UAP_SYNC_JAR" >&2
	exit 2
fi

# exec, so that a SIGTERM from the scheduler reaches the JVM itself.
# shellcheck disable=SC2086
exec java ${JAVA_OPTS:-} -jar "$jar" "$@"
