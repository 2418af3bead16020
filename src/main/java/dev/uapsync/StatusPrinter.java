package dev.uapsync;

import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

import dev.uapsync.job.SyncStatus.Row;

/**
 * Prints what {@code status} shows: one line on the last successful sync and its age,
 * then the recent executions, newest first; as a table for people or as JSON for
 * machines.
 */
final class StatusPrinter {

	private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss");

	private static final String[] HEADER = { "ID", "TRIGGER", "STATUS", "START", "END", "DURATION", "READ", "WRITTEN",
			"REJECTED", "DELETED", "RESTORED", "SKIPPED", "RESUME AT", "UAP TOTAL", "EXIT" };

	private final @Nullable Row lastSuccess;

	private final List<Row> recent;

	private final Duration maxAge;

	private final LocalDateTime now;

	StatusPrinter(@Nullable Row lastSuccess, List<Row> recent, Duration maxAge, LocalDateTime now) {
		this.lastSuccess = lastSuccess;
		this.recent = recent;
		this.maxAge = maxAge;
		this.now = now;
	}

	/**
	 * Tells whether the last success is missing or older than the maximum age.
	 * @return whether monitoring should alert
	 */
	boolean stale() {
		Duration age = age();
		return age == null || age.compareTo(this.maxAge) > 0;
	}

	private @Nullable Duration age() {
		if (this.lastSuccess == null || this.lastSuccess.end() == null) {
			return null;
		}
		return Duration.between(this.lastSuccess.end(), this.now);
	}

	String text() {
		StringBuilder text = new StringBuilder(headline()).append('\n');
		List<String[]> rows = new ArrayList<>();
		rows.add(HEADER);
		for (Row row : this.recent) {
			rows.add(new String[] { String.valueOf(row.executionId()), row.trigger(), row.status().name(),
					time(row.start()), time(row.end()), duration(row.duration()), String.valueOf(row.read()),
					String.valueOf(row.written()), String.valueOf(row.rejected()), String.valueOf(row.softDeleted()),
					String.valueOf(row.restored()), String.valueOf(row.skipped()), orDash(row.resumeOffset()),
					orDash(row.uapTotal()), exit(row) });
		}
		int[] widths = new int[HEADER.length];
		for (String[] row : rows) {
			for (int i = 0; i < row.length; i++) {
				widths[i] = Math.max(widths[i], row[i].length());
			}
		}
		for (String[] row : rows) {
			StringBuilder line = new StringBuilder();
			for (int i = 0; i < row.length; i++) {
				line.append((i < row.length - 1) ? String.format("%-" + widths[i] + "s  ", row[i]) : row[i]);
			}
			text.append(line.toString().stripTrailing()).append('\n');
		}
		if (this.recent.isEmpty()) {
			text.append("(no sync has run yet)\n");
		}
		return text.toString();
	}

	private String headline() {
		if (this.lastSuccess == null) {
			return "No sync has completed yet: STALE";
		}
		Duration age = age();
		String line = "Last successful sync: " + this.lastSuccess.executionId() + " (" + this.lastSuccess.trigger()
				+ "), ended " + time(this.lastSuccess.end()) + ", " + duration(age) + " ago";
		return stale() ? line + ": STALE, older than UAP_STATUS_MAX_AGE=" + duration(this.maxAge) : line;
	}

	String json() {
		Map<String, Object> root = new LinkedHashMap<>();
		root.put("lastSuccess", (this.lastSuccess != null) ? json(this.lastSuccess) : null);
		Duration age = age();
		root.put("lastSuccessAgeSeconds", (age != null) ? age.toSeconds() : null);
		root.put("maxAgeSeconds", this.maxAge.toSeconds());
		root.put("stale", stale());
		root.put("executions", this.recent.stream().map(StatusPrinter::json).toList());
		return JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build().writeValueAsString(root);
	}

	private static Map<String, Object> json(Row row) {
		Map<String, Object> map = new LinkedHashMap<>();
		map.put("executionId", row.executionId());
		map.put("trigger", row.trigger());
		map.put("status", row.status().name());
		map.put("exitCode", row.exitCode());
		map.put("exitMessage", row.exitMessage());
		map.put("start", (row.start() != null) ? row.start().toString() : null);
		map.put("end", (row.end() != null) ? row.end().toString() : null);
		map.put("durationMs", row.duration().toMillis());
		map.put("read", row.read());
		map.put("written", row.written());
		map.put("unchanged", row.unchanged());
		map.put("rejected", row.rejected());
		map.put("softDeleted", row.softDeleted());
		map.put("restored", row.restored());
		map.put("skipped", row.skipped());
		map.put("resumeOffset", row.resumeOffset());
		map.put("uapTotal", row.uapTotal());
		return map;
	}

	private static String exit(Row row) {
		return row.exitMessage().isEmpty() ? row.exitCode() : row.exitCode() + ": " + row.exitMessage();
	}

	private static String time(@Nullable LocalDateTime time) {
		return (time != null) ? time.format(TIME) : "-";
	}

	private static String orDash(@Nullable Long value) {
		return (value != null) ? value.toString() : "-";
	}

	static String duration(@Nullable Duration duration) {
		if (duration == null) {
			return "-";
		}
		long seconds = Math.max(0, duration.toSeconds());
		if (seconds < 60) {
			return seconds + " s";
		}
		if (seconds < 3600) {
			return (seconds / 60) + " min " + (seconds % 60) + " s";
		}
		return (seconds / 3600) + " h " + (seconds % 3600 / 60) + " min";
	}

}
