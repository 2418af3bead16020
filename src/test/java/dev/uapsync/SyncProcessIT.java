package dev.uapsync;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.uapsync.demo.DemoServer;
import dev.uapsync.demo.DemoUsers;
import dev.uapsync.demo.DemoUsers.DemoUser;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged jar run as a child process and ended from outside, mid-run: by
 * {@code kill -9} (nothing of the process survives) and by SIGTERM (a deploy). Then
 * {@code restart}, at once, must resume past offset 0 and end with the table exact.
 */
class SyncProcessIT {

	private static final Path JAR = Path.of("target", "uap-user-sync.jar");

	private static final String TOKEN = "process-token-7c1e";

	private static final int USERS = 3000;

	private static final int PAGE_SIZE = 100;

	/**
	 * Chunks that end in the middle of a page, and several of them before the kill.
	 */
	private static final int COMMIT_INTERVAL = 250;

	private static final Pattern PROGRESS = Pattern.compile("Progress: (\\d+) of");

	@TempDir
	Path folder;

	private DemoServer server;

	private TestDatabase database;

	@AfterEach
	void close() {
		if (this.server != null) {
			this.server.close();
		}
		if (this.database != null) {
			this.database.close();
		}
	}

	@Test
	void syncKilledWithSigkillOnH2IsRestartedAtOnceAndEndsExact() throws Exception {
		killedSyncIsRestartedAtOnceAndEndsExact(TestDatabase.h2(this.folder));
	}

	@Test
	void syncKilledWithSigkillOnMariaDbIsRestartedAtOnceAndEndsExact() throws Exception {
		killedSyncIsRestartedAtOnceAndEndsExact(TestDatabase.mariaDb());
	}

	private void killedSyncIsRestartedAtOnceAndEndsExact(TestDatabase database) throws Exception {
		this.database = database;
		DemoUsers users = new DemoUsers(USERS, 23);
		this.server = DemoServer.start(0, users, TOKEN, 1000).delay(Duration.ofMillis(40));
		Path syncLog = this.folder.resolve("sync.log");
		Process sync = start("sync", syncLog);
		long progressed = awaitProgress(syncLog, 600);

		sync.destroyForcibly();
		assertThat(sync.waitFor(30, TimeUnit.SECONDS)).isTrue();
		assertThat(Files.readString(syncLog)).as("a progress line per chunk, and the chunks of COMMIT_INTERVAL")
			.contains("Progress: " + COMMIT_INTERVAL + " of");
		boolean loadsData = database.url().startsWith("jdbc:mysql:");
		try (Stream<Path> left = Files.list(this.folder.resolve("tmp"))) {
			assertThat(left.map((path) -> path.getFileName().toString()))
				.as("the killed sync could not remove its LOAD DATA folder")
				.filteredOn((name) -> name.startsWith("uap-user-sync-load-" + sync.pid() + "-"))
				.hasSize(loadsData ? 1 : 0);
		}
		int servedBefore = this.server.servedOffsets().size();
		String output = restartToTheEnd();
		assertThat(output).contains("Sync 1 was left STARTED by a process that no longer runs");
		Matcher restart = Pattern.compile("Restarting sync 1 \\(FAILED\\) at offset (\\d+)").matcher(output);
		assertThat(restart.find()).as(output).isTrue();
		long offset = Long.parseLong(restart.group(1));
		// the chunk whose progress line was seen may not have committed before the kill;
		// the one before it had
		assertThat(offset).isGreaterThanOrEqualTo(progressed - COMMIT_INTERVAL);
		List<Long> resumed = this.server.servedOffsets().subList(servedBefore, this.server.servedOffsets().size());
		// the restart asks for the page at the saved offset, one user early, and for none
		// before it (a request the killed sync had sent may be answered after the kill)
		assertThat(resumed).contains(offset - 1).allMatch((skip) -> skip >= offset - 1);
		assertTableExact(users, output);
		assertThat(output + Files.readString(syncLog)).doesNotContain(TOKEN);
		try (Stream<Path> left = Files.list(this.folder.resolve("tmp"))) {
			assertThat(left.map(Path::getFileName).map(Path::toString))
				.as("the killed sync's LOAD DATA folder is removed by the next, which removes its own")
				.noneMatch((name) -> name.startsWith("uap-user-sync-load-"));
		}
	}

	@Test
	void syncStoppedWithSigtermStopsGracefullyAndIsRestartedToTheEnd() throws Exception {
		this.database = TestDatabase.h2(this.folder);
		DemoUsers users = new DemoUsers(USERS, 29);
		this.server = DemoServer.start(0, users, TOKEN, 1000).delay(Duration.ofMillis(40));
		Path syncLog = this.folder.resolve("sync.log");
		Process sync = start("sync", syncLog);
		awaitProgress(syncLog, 600);

		sync.destroy();
		assertThat(sync.waitFor(60, TimeUnit.SECONDS)).isTrue();
		String stopped = Files.readString(syncLog);
		assertThat(sync.exitValue()).as(stopped).isEqualTo(CommandLine.FAILED);
		assertThat(stopped).contains("Stopping sync 1 before its next page")
			.containsPattern("Sync 1 STOPPED after [1-9]\\d* users");
		String output = restartToTheEnd();
		assertThat(output).containsPattern("Restarting sync 1 \\(STOPPED\\) at offset [1-9]");
		assertTableExact(users, output);
	}

	@Test
	void sigtermInTheMiddleOfAChunkStopsBeforeTheNextPageNotAtTheChunksEnd() throws Exception {
		this.database = TestDatabase.h2(this.folder);
		DemoUsers users = new DemoUsers(USERS, 31);
		this.server = DemoServer.start(0, users, TOKEN, 1000).delay(Duration.ofMillis(40));
		Path syncLog = this.folder.resolve("sync.log");
		// the whole sync is one chunk of 30 pages
		Process sync = start("sync", syncLog, Map.of("UAP_COMMIT_INTERVAL", String.valueOf(USERS)));
		Instant deadline = Instant.now().plusSeconds(60);
		while (this.server.servedOffsets().stream().noneMatch((skip) -> skip >= 1000)
				&& Instant.now().isBefore(deadline)) {
			Thread.sleep(5);
		}

		sync.destroy();
		assertThat(sync.waitFor(60, TimeUnit.SECONDS)).isTrue();
		String stopped = Files.readString(syncLog);
		assertThat(sync.exitValue()).as(stopped).isEqualTo(CommandLine.FAILED);
		assertThat(stopped).contains("Sync 1 STOPPED after 0 users");
		assertThat(this.server.servedOffsets()).as("pages asked for before the stop took effect")
			.allMatch((skip) -> skip < 2000);
		String output = restartToTheEnd();
		assertThat(output).contains("Restarting sync 1 (STOPPED)");
		assertTableExact(users, output);
	}

	@Test
	void secondSyncWhileOneRunsOnH2IsRefusedWithExitCode3() throws Exception {
		secondSyncWhileOneRunsIsRefused(TestDatabase.h2(this.folder), "The H2 database is open in another process");
	}

	@Test
	void secondSyncWhileOneRunsOnMariaDbIsRefusedWithExitCode3() throws Exception {
		secondSyncWhileOneRunsIsRefused(TestDatabase.mariaDb(), "Another process is running sync 1");
	}

	private void secondSyncWhileOneRunsIsRefused(TestDatabase database, String reason) throws Exception {
		this.database = database;
		// slow enough that the first sync is still running when the second JVM has
		// started
		this.server = DemoServer.start(0, new DemoUsers(USERS, 31), TOKEN, 1000).delay(Duration.ofMillis(400));
		Path firstLog = this.folder.resolve("first.log");
		Process first = start("sync", firstLog);
		awaitProgress(firstLog, 300);

		Path secondLog = this.folder.resolve("second.log");
		Process second = start("sync", secondLog);

		assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
		String refused = Files.readString(secondLog);
		assertThat(second.exitValue()).as(refused).isEqualTo(CommandLine.ALREADY_RUNNING);
		assertThat(refused).contains(reason);
		this.server.delay(Duration.ZERO);
		assertThat(first.waitFor(120, TimeUnit.SECONDS)).isTrue();
		assertThat(first.exitValue()).as(Files.readString(firstLog)).isEqualTo(CommandLine.COMPLETED);
	}

	@Test
	void scheduleModeSyncsItsSlotsAndEndsOnSigterm() throws Exception {
		this.database = TestDatabase.h2(this.folder);
		this.server = DemoServer.start(0, new DemoUsers(500, 37), TOKEN, 1000);
		Path log = this.folder.resolve("schedule.log");
		Process schedule = start("schedule", log, Map.of("UAP_SCHEDULE_CRON", "*/2 * * * * *"));
		Instant deadline = Instant.now().plusSeconds(60);
		while (Instant.now().isBefore(deadline) && countOf(Files.readString(log), " COMPLETED in ") < 2) {
			Thread.sleep(50);
		}

		schedule.destroy();

		assertThat(schedule.waitFor(60, TimeUnit.SECONDS)).isTrue();
		String output = Files.readString(log);
		assertThat(countOf(output, " COMPLETED in ")).as(output).isGreaterThanOrEqualTo(2);
		assertThat(output).contains("Schedule stopped");
		assertThat(schedule.exitValue()).as(output).isIn(CommandLine.COMPLETED, CommandLine.FAILED);
	}

	@Test
	void statusReadsTheBatchTablesWhileASyncRunsOnMariaDb() throws Exception {
		statusReadsTheBatchTablesWhileASyncRuns(TestDatabase.mariaDb());
	}

	@Test
	void statusReadsACopyOfTheH2DatabaseWhileASyncHasItOpen() throws Exception {
		statusReadsTheBatchTablesWhileASyncRuns(TestDatabase.h2(this.folder));
	}

	private void statusReadsTheBatchTablesWhileASyncRuns(TestDatabase database) throws Exception {
		this.database = database;
		this.server = DemoServer.start(0, new DemoUsers(USERS, 43), TOKEN, 1000).delay(Duration.ofMillis(400));
		Path syncLog = this.folder.resolve("sync.log");
		Process sync = start("sync", syncLog);
		awaitProgress(syncLog, 300);

		Path statusLog = this.folder.resolve("status.log");
		Process status = start("status", statusLog);

		assertThat(status.waitFor(60, TimeUnit.SECONDS)).isTrue();
		String output = Files.readString(statusLog);
		assertThat(status.exitValue()).as(output).isEqualTo(CommandLine.FAILED);
		assertThat(output).contains("No sync has completed yet: STALE")
			.containsPattern("\\n1\\s+manual \\d+\\s+STARTED\\s+");
		try (Stream<Path> folders = Files.list(this.folder.resolve("tmp"))) {
			assertThat(folders.map((path) -> path.getFileName().toString()))
				.as("status, which removes the LOAD DATA folders of ended syncs, leaves the running one's")
				.filteredOn((name) -> name.startsWith("uap-user-sync-load-" + sync.pid() + "-"))
				.hasSize(database.url().startsWith("jdbc:mysql:") ? 1 : 0);
		}
		this.server.delay(Duration.ZERO);
		assertThat(sync.waitFor(120, TimeUnit.SECONDS)).isTrue();
		assertThat(sync.exitValue()).isEqualTo(CommandLine.COMPLETED);
	}

	/**
	 * Runs {@code restart} at full speed and returns its output, once it has completed.
	 */
	private String restartToTheEnd() throws Exception {
		this.server.delay(Duration.ZERO);
		Path restartLog = this.folder.resolve("restart.log");
		Process restart = start("restart", restartLog);
		assertThat(restart.waitFor(120, TimeUnit.SECONDS)).isTrue();
		String output = Files.readString(restartLog);
		assertThat(restart.exitValue()).as(output).isEqualTo(CommandLine.COMPLETED);
		return output;
	}

	private static int countOf(String text, String part) {
		return text.split(Pattern.quote(part), -1).length - 1;
	}

	private Process start(String command, Path log) throws IOException {
		return start(command, log, Map.of());
	}

	private Process start(String command, Path log, Map<String, String> settings) throws IOException {
		String java = ProcessHandle.current().info().command().orElse("java");
		// a temporary folder of the test's own, where the loader's folders can be seen
		Path temporary = Files.createDirectories(this.folder.resolve("tmp"));
		ProcessBuilder builder = new ProcessBuilder(java, "-Djava.io.tmpdir=" + temporary, "-jar", JAR.toString(),
				command);
		Map<String, Object> datasource = this.database.properties();
		Map<String, String> environment = builder.environment();
		environment.put("SPRING_DATASOURCE_URL", (String) datasource.get("spring.datasource.url"));
		environment.put("SPRING_DATASOURCE_USERNAME", (String) datasource.get("spring.datasource.username"));
		environment.put("SPRING_DATASOURCE_PASSWORD", "");
		environment.put("UAP_BASE_URL", this.server.baseUrl());
		environment.put("UAP_ACCESS_TOKEN", TOKEN);
		environment.put("UAP_PAGE_SIZE", String.valueOf(PAGE_SIZE));
		environment.put("UAP_COMMIT_INTERVAL", String.valueOf(COMMIT_INTERVAL));
		environment.put("UAP_PROGRESS_INTERVAL", "0");
		environment.putAll(settings);
		return builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
	}

	/**
	 * Waits until the child has logged progress past the given number of users.
	 * @return the progress seen
	 */
	private static long awaitProgress(Path log, long atLeast) throws Exception {
		Instant deadline = Instant.now().plusSeconds(60);
		while (Instant.now().isBefore(deadline)) {
			if (Files.exists(log)) {
				Matcher progress = PROGRESS.matcher(Files.readString(log));
				long last = 0;
				while (progress.find()) {
					last = Long.parseLong(progress.group(1));
				}
				if (last >= atLeast) {
					return last;
				}
			}
			Thread.sleep(20);
		}
		throw new AssertionError("No progress past " + atLeast + " within 60 s:\n" + Files.readString(log));
	}

	private void assertTableExact(DemoUsers users, String output) {
		Map<String, List<String>> expected = new TreeMap<>();
		int rejects = 0;
		for (long i = 0; i < users.count(); i++) {
			DemoUser user = users.user(i);
			if (user.isReject()) {
				rejects++;
			}
			else {
				expected.put(user.mobile(), Arrays.asList(user.name(), user.englishName()));
			}
		}
		Map<String, List<String>> table = new TreeMap<>();
		this.database.jdbc().query("SELECT mobile, name, english_name FROM uap_user", (rs) -> {
			table.put(rs.getString(1), Arrays.asList(rs.getString(2), rs.getString(3)));
		});
		assertThat(table).isEqualTo(expected);
		List<Long> rejectOffsets = new ArrayList<>(
				this.database.jdbc().queryForList("SELECT item_offset FROM uap_user_reject", Long.class));
		assertThat(rejectOffsets).doesNotHaveDuplicates().hasSize(rejects);
		assertThat(output).contains(
				"read " + USERS + ", inserted " + expected.size() + ", updated 0, unchanged 0, rejected " + rejects);
	}

}
