package dev.uapsync;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import javax.sql.DataSource;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

import dev.uapsync.demo.DemoServer;
import dev.uapsync.demo.DemoUsers;
import dev.uapsync.demo.DemoUsers.DemoUser;
import dev.uapsync.job.SyncLauncher;
import dev.uapsync.job.SyncSchedule;
import dev.uapsync.store.RejectLimitExceededException;
import dev.uapsync.store.SqlDialect;
import dev.uapsync.store.SyncLock;
import dev.uapsync.store.UserSchemaInitializer;
import dev.uapsync.user.UserNormalizer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole sync, run through the command line against the demo UAP (a real local HTTP
 * server) and a real database; subclasses choose the database.
 */
@ExtendWith(OutputCaptureExtension.class)
abstract class AbstractSyncJobTests {

	private static final String TOKEN = "token-" + UUID.randomUUID();

	private static final int USERS = 3000;

	@TempDir
	Path folder;

	TestDatabase database;

	private DemoServer server;

	abstract TestDatabase database(Path folder);

	@BeforeEach
	void openDatabase() {
		this.database = database(this.folder);
	}

	@AfterEach
	void close() {
		if (this.server != null) {
			this.server.close();
		}
		this.database.close();
	}

	@Test
	void syncMirrorsEveryMessyUserExactlyAndRecordsEveryReject(CapturedOutput output) throws IOException {
		DemoUsers users = new DemoUsers(USERS, 7);

		int exitCode = sync(users, Map.of());

		assertThat(exitCode).isEqualTo(CommandLine.COMPLETED);
		Map<String, List<String>> expected = expectedTable(users);
		assertThat(expected.values()).as("the source has emoji, so the test shows they round-trip")
			.anyMatch((names) -> names.toString().contains("🌸") || names.toString().contains("😀"));
		assertThat(differences(expected, table())).isEmpty();
		assertThat(differences(expectedRejects(users), rejectedRawMobiles())).isEmpty();
		assertThat(expected.size() + expectedRejects(users).size()).isEqualTo(USERS);
		assertThat(output.getAll()).contains("read " + USERS + ", inserted " + expected.size()
				+ ", updated 0, unchanged 0, rejected " + expectedRejects(users).size());
		assertThat(output.getAll()).doesNotContain(TOKEN);
		assertThat(batchTablesText()).contains("uapUserReader.offset").doesNotContain(TOKEN);
	}

	@Test
	void secondSyncOverAnUnchangedSourceMovesNoUpdatedAt(CapturedOutput output) throws IOException {
		DemoUsers users = new DemoUsers(USERS, 11);
		assertThat(sync(users, Map.of())).isEqualTo(CommandLine.COMPLETED);
		Map<String, List<Timestamp>> before = times();

		int exitCode = sync(users, Map.of());

		assertThat(exitCode).isEqualTo(CommandLine.COMPLETED);
		assertThat(times()).isEqualTo(before);
		assertThat(output.getAll()).contains("read " + USERS + ", inserted 0, updated 0, unchanged " + before.size());
	}

	@Test
	void renamedUsersAreUpdatedAndOnlyTheirUpdatedAtMoves() throws IOException {
		DemoUsers users = new DemoUsers(USERS, 13);
		assertThat(sync(users, Map.of())).isEqualTo(CommandLine.COMPLETED);
		Map<String, List<Timestamp>> before = times();
		Map<String, List<String>> namesBefore = table();
		DemoUsers renamed = users.withRenamed(5);

		int exitCode = sync(renamed, Map.of());

		assertThat(exitCode).isEqualTo(CommandLine.COMPLETED);
		Map<String, List<String>> expected = expectedTable(renamed);
		assertThat(differences(expected, table())).isEmpty();
		Map<String, List<Timestamp>> after = times();
		List<String> changed = new ArrayList<>();
		expected.forEach((mobile, names) -> {
			assertThat(after.get(mobile).get(0)).isEqualTo(before.get(mobile).get(0));
			boolean renamedHere = !names.equals(namesBefore.get(mobile));
			assertThat(after.get(mobile).get(1).equals(before.get(mobile).get(1))).as(mobile).isNotEqualTo(renamedHere);
			if (renamedHere) {
				changed.add(mobile);
			}
		});
		assertThat(changed).hasSizeGreaterThan(50);
	}

	@Test
	void syncFailsWhenRejectsPassTheLimit(CapturedOutput output) throws IOException {
		DemoUsers users = new DemoUsers(USERS, 7);

		int exitCode = sync(users, Map.of("uap.reject-limit", 5, "uap.page-size", 100));

		assertThat(exitCode).isEqualTo(CommandLine.FAILED);
		assertThat(output.getErr()).contains("more than UAP_REJECT_LIMIT=5 allows");
		// the chunk that passed the limit rolled back; the rejects of the chunks before
		// it stay
		long committed = committedOffset();
		long rejectsBefore = expectedRejects(users).keySet().stream().filter((offset) -> offset < committed).count();
		assertThat(rejectsBefore).isPositive();
		assertThat(this.database.jdbc().queryForObject("SELECT COUNT(*) FROM uap_user_reject", Long.class))
			.isEqualTo(rejectsBefore)
			.isLessThanOrEqualTo(5);
		assertThat(output.getErr()).contains(rejectsBefore + " of them recorded in uap_user_reject (job_execution_id");
	}

	@Test
	void aDryRunThatPassesTheRejectLimitSaysItRecordsNoReject(CapturedOutput output) throws IOException {
		serve(new DemoUsers(USERS, 7));

		int exitCode = run(Map.of("uap.reject-limit", 5, "uap.page-size", 100), "sync", "--dry-run");

		assertThat(exitCode).isEqualTo(CommandLine.FAILED);
		assertThat(output.getErr())
			.contains("allows; a dry run records none in uap_user_reject; the chunk that passed the limit has ")
			.doesNotContain("of them recorded");
	}

	@Test
	void whenTheFirstChunkPassesTheRejectLimitTheMessageNamesItsRejectsSinceNoneIsRecorded(CapturedOutput output)
			throws IOException {
		DemoUsers users = new DemoUsers(USERS, 7);
		List<Long> rejectOffsets = List.copyOf(expectedRejects(users).keySet());
		assertThat(rejectOffsets).hasSizeGreaterThan(RejectLimitExceededException.NAMED);

		// the default commit interval: the whole sync is one chunk
		int exitCode = sync(users, Map.of("uap.reject-limit", 5, "uap.commit-interval", 5000));

		assertThat(exitCode).isEqualTo(CommandLine.FAILED);
		assertThat(this.database.jdbc().queryForObject("SELECT COUNT(*) FROM uap_user_reject", Long.class)).isZero();
		List<String> named = rejectOffsets.stream()
			.limit(RejectLimitExceededException.NAMED)
			.map((offset) -> ((offset.equals(rejectOffsets.get(0))) ? "offset " : ", ") + offset + " (")
			.toList();
		assertThat(output.getErr()).contains(rejectOffsets.size() + " records rejected, more than UAP_REJECT_LIMIT=5")
			.contains("0 of them recorded in uap_user_reject; the chunk that passed the limit rolled back with its "
					+ rejectOffsets.size() + ", the first 5 at offset " + rejectOffsets.get(0) + " (")
			.containsSubsequence(named)
			.doesNotContain(", " + rejectOffsets.get(RejectLimitExceededException.NAMED) + " (");
	}

	@Test
	void syncSurvivesAFaultyUapAndEndsExact(CapturedOutput output) throws IOException {
		DemoUsers users = new DemoUsers(USERS, 17);
		serve(users).faultRate(0.3).slowAnswer(Duration.ofMillis(800));

		int exitCode = run(Map.of("uap.page-size", 50, "uap.http.read-timeout", "300ms", "uap.retry.max-attempts", 12,
				"uap.retry.delay", "5ms", "uap.retry.max-delay", "20ms"), "sync");

		assertThat(exitCode).isEqualTo(CommandLine.COMPLETED);
		assertThat(differences(expectedTable(users), table())).isEmpty();
		assertThat(differences(expectedRejects(users), rejectedRawMobiles())).isEmpty();
		assertThat(output.getOut()).contains("with HTTP 502")
			.contains("HTTP 429")
			.contains("not JSON")
			.contains("HttpTimeoutException")
			.contains("Cannot reach the UAP");
		assertThat(this.server.servedOffsets()).as("each page served once").doesNotHaveDuplicates();
	}

	@Test
	void persistentFailureFailsTheSyncAndRestartResumesWithoutWritingAnyUserTwice(CapturedOutput output)
			throws IOException {
		DemoUsers users = new DemoUsers(USERS, 19);
		serve(users).failFrom(1500);
		Map<String, Object> fastRetries = Map.of("uap.retry.max-attempts", 2, "uap.retry.delay", "5ms");
		assertThat(run(fastRetries, "sync")).isEqualTo(CommandLine.FAILED);
		assertThat(output.getErr()).contains("Sync 1 FAILED after 1500 users: Gave up after 2 attempts")
			.contains("'restart' resumes it at offset 1500");
		this.server.failFrom(Long.MAX_VALUE);
		int servedBefore = this.server.servedOffsets().size();

		int exitCode = run(fastRetries, "restart");

		assertThat(exitCode).isEqualTo(CommandLine.COMPLETED);
		List<Long> restartOffsets = this.server.servedOffsets()
			.subList(servedBefore, this.server.servedOffsets().size());
		// the page for offset 1500 is asked for one user early, to begin with user 1499
		assertThat(restartOffsets).first().isEqualTo(1499L);
		assertThat(differences(expectedTable(users), table())).isEmpty();
		assertThat(differences(expectedRejects(users), rejectedRawMobiles())).isEmpty();
		assertThat(output.getOut()).contains("Restarting sync 1 (FAILED) at offset 1500")
			.contains("read " + USERS + ", inserted " + expectedTable(users).size() + ", updated 0, unchanged 0");
	}

	@Test
	void aCommitIntervalThatSpansPagesUnevenlyCommitsAtItsOwnBoundariesAndResumesExactly(CapturedOutput output)
			throws IOException {
		DemoUsers users = new DemoUsers(USERS, 23);
		// chunks of 700 users over pages of 250: the failure at 1600 rolls back the chunk
		// from 1400, which began in the middle of a page
		serve(users).failFrom(1600);
		Map<String, Object> settings = Map.of("uap.commit-interval", 700, "uap.retry.max-attempts", 1);
		assertThat(run(settings, "sync")).isEqualTo(CommandLine.FAILED);
		assertThat(committedOffset()).isEqualTo(1400);
		assertThat(output.getErr()).contains("'restart' resumes it at offset 1400");
		this.server.failFrom(Long.MAX_VALUE);
		int servedBefore = this.server.servedOffsets().size();

		assertThat(run(settings, "restart")).isEqualTo(CommandLine.COMPLETED);

		assertThat(this.server.servedOffsets().subList(servedBefore, this.server.servedOffsets().size())).first()
			.isEqualTo(1399L);
		assertThat(differences(expectedTable(users), table())).isEmpty();
		assertThat(differences(expectedRejects(users), rejectedRawMobiles())).isEmpty();
		assertThat(output.getOut())
			.contains("read " + USERS + ", inserted " + expectedTable(users).size() + ", updated 0, unchanged 0");
		assertThat(this.database.jdbc()
			.queryForObject("SELECT COMMIT_COUNT FROM BATCH_STEP_EXECUTION WHERE STEP_NAME = 'uapUserSyncStep' "
					+ "ORDER BY STEP_EXECUTION_ID DESC LIMIT 1", Integer.class))
			.as("chunks of 700 from 1400 to 3000, the last one short")
			.isEqualTo(3);
	}

	@Test
	void pagesFetchedFourAtATimeEndExactAndAFailedSyncResumesExactly(CapturedOutput output) throws IOException {
		DemoUsers users = new DemoUsers(USERS, 71);
		serve(users).failFrom(1750).delay(Duration.ofMillis(5));
		Map<String, Object> concurrent = Map.of("uap.concurrency", 4, "uap.retry.max-attempts", 1);
		assertThat(run(concurrent, "sync")).isEqualTo(CommandLine.FAILED);
		assertThat(output.getErr()).contains("'restart' resumes it at offset 1750");
		this.server.failFrom(Long.MAX_VALUE);

		assertThat(run(concurrent, "restart")).isEqualTo(CommandLine.COMPLETED);

		assertThat(differences(expectedTable(users), table())).isEmpty();
		assertThat(differences(expectedRejects(users), rejectedRawMobiles())).isEmpty();
		assertThat(output.getOut())
			.contains("read " + USERS + ", inserted " + expectedTable(users).size() + ", updated 0, unchanged 0");
	}

	@Test
	void restartWithNothingToRestartSaysSoAndSucceeds(CapturedOutput output) throws IOException {
		assertThat(sync(new DemoUsers(200, 3), Map.of())).isEqualTo(CommandLine.COMPLETED);

		int exitCode = run(Map.of(), "restart");

		assertThat(exitCode).isEqualTo(CommandLine.COMPLETED);
		assertThat(output.getOut()).contains("Nothing to restart");
	}

	@Test
	void syncIsRefusedWhileAnotherProcessHoldsTheSyncLock(CapturedOutput output) throws IOException {
		assertThat(sync(new DemoUsers(200, 3), Map.of())).isEqualTo(CommandLine.COMPLETED);
		SyncLock lock = new SyncLock(this.database.dataSource(), this.database.dialect());

		int exitCode;
		try (SyncLock.Held held = lock.tryAcquire().orElseThrow()) {
			exitCode = run(Map.of(), "sync");
		}

		assertThat(exitCode).isEqualTo(CommandLine.ALREADY_RUNNING);
		assertThat(output.getErr()).contains("Not started: Another process is running").contains("holds its sync lock");
		assertThat(run(Map.of(), "sync")).as("free again once released").isEqualTo(CommandLine.COMPLETED);
	}

	@Test
	void statusListsTheRecentSyncsNewestFirstAndWhereAFailedOneWouldResume(CapturedOutput output) throws IOException {
		int before = completedThenFailedSync(output);

		int exitCode = run(Map.of(), "status");

		assertThat(exitCode).as("a fresh success is not stale").isEqualTo(CommandLine.COMPLETED);
		List<String> lines = output.getOut().substring(before).lines().toList();
		assertThat(lines.get(0)).startsWith("Last successful sync: 1 (manual ").doesNotContain("STALE");
		assertThat(lines.get(1)).startsWith("ID").contains("RESUME AT").contains("UAP TOTAL");
		assertThat(lines.get(2))
			.matches("2\\s+manual \\d+\\s+FAILED\\s+.*\\s500\\s+1000\\s+FAILED: UAP failed the page at offset 747 .*");
		assertThat(lines.get(3)).matches(
				"1\\s+manual \\d+\\s+COMPLETED\\s+.*\\s1000\\s+\\d+\\s+\\d+\\s+0\\s+0\\s+0\\s+-\\s+1000\\s+COMPLETED");
	}

	@Test
	void statusAsJsonGivesTheSameFiguresAsTheSqlViewForTheDatabase(CapturedOutput output) throws Exception {
		int before = completedThenFailedSync(output);

		assertThat(run(Map.of(), "status", "--json", "--limit", "5")).isEqualTo(CommandLine.COMPLETED);

		JsonNode status = JsonMapper.builder().build().readTree(output.getOut().substring(before));
		assertThat(status.get("stale").asBoolean()).isFalse();
		assertThat(status.get("lastSuccess").get("executionId").asLong()).isEqualTo(1);
		List<Map<String, Object>> view = statusView();
		assertThat(view).hasSize(2);
		for (int i = 0; i < 2; i++) {
			JsonNode execution = status.get("executions").get(i);
			Map<String, Object> row = view.get(i);
			assertThat(((Number) row.get("EXECUTION_ID")).longValue()).isEqualTo(execution.get("executionId").asLong());
			assertThat(row.get("STATUS")).isEqualTo(execution.get("status").asString());
			assertThat(((Number) row.get("USERS_READ")).longValue()).isEqualTo(execution.get("read").asLong());
			assertThat(((Number) row.get("USERS_WRITTEN")).longValue()).isEqualTo(execution.get("written").asLong());
			assertThat(((Number) row.get("USERS_REJECTED")).longValue()).isEqualTo(execution.get("rejected").asLong());
			assertThat(row.get("RESUME_OFFSET") != null ? ((Number) row.get("RESUME_OFFSET")).longValue() : null)
				.isEqualTo(execution.get("resumeOffset").isNull() ? null : execution.get("resumeOffset").asLong());
			assertThat(row.get("SYNC_TRIGGER")).isEqualTo(execution.get("trigger").asString());
			assertThat(((Number) row.get("USERS_SOFT_DELETED")).longValue())
				.isEqualTo(execution.get("softDeleted").asLong());
			assertThat(((Number) row.get("USERS_RESTORED")).longValue()).isEqualTo(execution.get("restored").asLong());
		}
		assertThat(view.get(0).get("RESUME_OFFSET")).isNotNull();
		assertThat(((Number) view.get(0).get("RESUME_OFFSET")).longValue()).isEqualTo(500);
	}

	@Test
	void statusIsStaleWithoutASuccessOrWithAnOldOne(CapturedOutput output) throws IOException {
		serve(new DemoUsers(100, 5));
		assertThat(run(Map.of(), "status")).isEqualTo(CommandLine.FAILED);
		assertThat(output.getOut()).contains("No sync has completed yet: STALE");
		assertThat(run(Map.of(), "sync")).isEqualTo(CommandLine.COMPLETED);

		int exitCode = run(Map.of("uap.status.max-age", "1ms"), "status");

		assertThat(exitCode).isEqualTo(CommandLine.FAILED);
		assertThat(output.getOut()).containsPattern("Last successful sync: 1 .*: STALE, older than UAP_STATUS_MAX_AGE");
	}

	@Test
	void scheduledSlotIsSyncedOnceAndTheScheduleSyncsEachSlot() throws Exception {
		serve(new DemoUsers(300, 5));
		try (ConfigurableApplicationContext context = application(Map.of("uap.schedule.cron", "*/2 * * * * *"))) {
			SyncLauncher launcher = context.getBean(SyncLauncher.class);
			assertThat(launcher.syncSlot("2026-12-04T02:00:00+08:00")).get()
				.extracting(JobExecution::getStatus)
				.isEqualTo(BatchStatus.COMPLETED);
			assertThat(launcher.syncSlot("2026-12-04T02:00:00+08:00")).as("a slot is synced once").isEmpty();

			SyncSchedule schedule = context.getBean(SyncSchedule.class);
			Thread scheduler = new Thread(schedule::run);
			scheduler.start();
			Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> slots().size() >= 3);
			schedule.stop();
			scheduler.join(30_000);
			assertThat(scheduler.isAlive()).isFalse();
		}
		List<String> slots = slots();
		assertThat(slots).doesNotHaveDuplicates().contains("2026-12-04T02:00:00+08:00");
		assertThat(slots.subList(1, slots.size()))
			.allMatch((slot) -> slot.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(Z|[+-]\\d\\d:\\d\\d)"));
		assertThat(this.database.jdbc()
			.queryForObject("SELECT COUNT(*) FROM BATCH_JOB_EXECUTION WHERE STATUS <> 'COMPLETED'", Integer.class))
			.isZero();
	}

	@Test
	void usersDeletedAtTheUapAreSoftDeletedAndAUserAddedBackIsRestored(CapturedOutput output) throws IOException {
		DemoUsers users = new DemoUsers(1000, 47);
		assertThat(sync(users, Map.of())).isEqualTo(CommandLine.COMPLETED);
		List<String> gone = validMobiles(users, 10, 15);
		this.server.delete(range(10, 15));

		assertThat(run(Map.of(), "sync")).isEqualTo(CommandLine.COMPLETED);

		assertThat(deletedMobiles()).containsExactlyInAnyOrderElementsOf(gone);
		assertThat(output.getOut()).contains("soft-deleted " + gone.size() + ", restored 0");
		this.server.restore(12);

		assertThat(run(Map.of(), "sync")).isEqualTo(CommandLine.COMPLETED);

		assertThat(deletedMobiles()).doesNotContain(users.user(12).mobile()).hasSize(gone.size() - 1);
		assertThat(output.getOut()).contains("soft-deleted 0, restored 1");
		assertThat(liveTable()).isEqualTo(expectedTableWithout(users, range(10, 12), range(13, 15)));
	}

	@Test
	void usersDeletedAtTheFrontWhileAPassPagesCauseNoSoftDeleteAndTheNextPassEndsExact(CapturedOutput output)
			throws IOException {
		DemoUsers users = new DemoUsers(1000, 53);
		assertThat(sync(users, Map.of())).isEqualTo(CommandLine.COMPLETED);
		this.server.afterServing(400, () -> this.server.delete(range(0, 5)));

		assertThat(run(Map.of(), "sync")).isEqualTo(CommandLine.COMPLETED);

		assertThat(deletedMobiles()).isEmpty();
		assertThat(output.getOut())
			.contains("Deletions wait for the next consistent pass: the UAP's total changed from 1000 to 995");
		assertThat(run(Map.of(), "status")).isEqualTo(CommandLine.COMPLETED);
		assertThat(output.getOut()).contains("COMPLETED: Deletions wait for the next consistent pass");

		assertThat(run(Map.of(), "sync")).isEqualTo(CommandLine.COMPLETED);

		assertThat(deletedMobiles()).containsExactlyInAnyOrderElementsOf(validMobiles(users, 0, 5));
		assertThat(liveTable()).isEqualTo(expectedTableWithout(users, range(0, 5)));
	}

	@Test
	void usersRemovedAtTheFrontAndAsManyAddedWhileAPassPagesCauseNoSoftDeleteThoughTheTotalStays(CapturedOutput output)
			throws IOException {
		DemoUsers users = new DemoUsers(1000, 71);
		serve(users).delete(998, 999);
		assertThat(run(Map.of(), "sync")).isEqualTo(CommandLine.COMPLETED);
		// pages of 250 overlap by one: 0, 249, 498, 747; two users gone before 747
		// would let user 748 slip past the page boundary unseen
		assertThat(users.user(748).isReject()).isFalse();
		this.server.afterServing(400, () -> this.server.delete(0, 1).restore(998, 999));

		assertThat(run(Map.of(), "sync")).isEqualTo(CommandLine.COMPLETED);

		assertThat(deletedMobiles()).isEmpty();
		assertThat(output.getOut()).contains("Deletions wait for the next consistent pass: the page at offset 747 "
				+ "did not begin with the user the page before ended with");
		assertThat(run(Map.of(), "status")).isEqualTo(CommandLine.COMPLETED);
		assertThat(output.getOut()).contains("(the total stayed 998)");

		assertThat(run(Map.of(), "sync")).isEqualTo(CommandLine.COMPLETED);

		assertThat(deletedMobiles()).containsExactlyInAnyOrderElementsOf(validMobiles(users, 0, 2));
		assertThat(liveTable()).isEqualTo(expectedTableWithout(users, range(0, 2)));
	}

	@Test
	void aTotalThatChangesAndComesBackDuringAPassStillCausesNoSoftDelete(CapturedOutput output) throws IOException {
		DemoUsers users = new DemoUsers(1000, 79);
		serve(users).delete(999);
		assertThat(run(Map.of(), "sync")).isEqualTo(CommandLine.COMPLETED);
		this.server.delete(500);
		// user 999 comes back after the page at 249 and goes again after the one at 747
		this.server.afterServing(249, () -> this.server.restore(999)).afterServing(747, () -> this.server.delete(999));

		assertThat(run(Map.of(), "sync")).isEqualTo(CommandLine.COMPLETED);

		assertThat(deletedMobiles()).isEmpty();
		assertThat(output.getOut()).contains("Deletions wait for the next consistent pass: the UAP's total was 998 "
				+ "at the first and the last page but differed in between");
	}

	@Test
	void aStoredUserWhoseRecordIsNowRejectedCountsAsSeenAndIsNotSoftDeleted(CapturedOutput output) throws IOException {
		DemoUsers users = new DemoUsers(1000, 83);
		String mobile = rejectedWithAValidMobile(users, 0);
		assertThat(sync(users, Map.of())).isEqualTo(CommandLine.COMPLETED);
		// stored by an earlier pass, before the UAP's record grew a name too long to
		// store
		this.database.jdbc()
			.update("INSERT INTO uap_user (mobile, name, created_at, updated_at) VALUES (?, 'short', "
					+ "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)", mobile);

		assertThat(run(Map.of(), "sync")).isEqualTo(CommandLine.COMPLETED);

		assertThat(deletedMobiles()).isEmpty();
		assertThat(output.getOut()).contains("soft-deleted 0, restored 0");
		assertThat(
				this.database.jdbc().queryForObject("SELECT name FROM uap_user WHERE mobile = ?", String.class, mobile))
			.isEqualTo("short");
	}

	@Test
	void aStoredUserRejectedInAChunkOfOnlyNewUsersCountsAsSeenAndIsNotSoftDeleted(CapturedOutput output)
			throws IOException {
		DemoUsers users = new DemoUsers(1000, 102);
		// past the first page of 250, which is looked up: its page follows a page of
		// only new users, so MariaDB loads it without a look-up
		String mobile = rejectedWithAValidMobile(users, 500);
		DataSource dataSource = this.database.jdbc().getDataSource();
		new UserSchemaInitializer(dataSource, SqlDialect.of(dataSource)).initializeDatabase();
		// and a stored user the UAP no longer lists, which the pass must soft-delete
		String gone = "19999999999";
		for (String stored : List.of(mobile, gone)) {
			this.database.jdbc()
				.update("INSERT INTO uap_user (mobile, name, created_at, updated_at) VALUES (?, 'short', "
						+ "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)", stored);
		}

		assertThat(sync(users, Map.of())).isEqualTo(CommandLine.COMPLETED);

		assertThat(deletedMobiles()).containsExactly(gone);
		assertThat(output.getOut()).contains("soft-deleted 1, restored 0");
	}

	@Test
	void restartOfAFailedSyncThatALaterCompletedSyncSupersededIsRefused(CapturedOutput output) throws IOException {
		completedThenFailedSync(output);
		this.server.failFrom(Long.MAX_VALUE);
		assertThat(run(Map.of(), "sync")).isEqualTo(CommandLine.COMPLETED);
		this.server.delete(range(0, 10));

		int exitCode = run(Map.of(), "restart", "2");

		assertThat(exitCode).isEqualTo(CommandLine.NOT_STARTED);
		assertThat(output.getErr()).contains("Sync 2 cannot be restarted: sync 3 started after it and completed, "
				+ "so it is superseded; run 'sync' for a new pass");
		assertThat(deletedMobiles()).isEmpty();
	}

	@Test
	void aSyncThatFailedInItsDeletionStepRestartsOnlyThatStepAndReportsThePassFigures(CapturedOutput output)
			throws IOException {
		List<String> gone = syncedThenFiveGone(new DemoUsers(1000, 89));
		// the deletion step ends by emptying this table: without it, the step fails
		this.server.afterServing(747,
				() -> this.database.jdbc().execute("ALTER TABLE uap_sync_seen RENAME TO uap_sync_seen_away"));
		assertThat(run(Map.of(), "sync")).isEqualTo(CommandLine.FAILED);
		assertThat(deletedMobiles()).as("the step's transaction rolled back").isEmpty();
		this.database.jdbc().execute("ALTER TABLE uap_sync_seen_away RENAME TO uap_sync_seen");
		int before = output.getOut().length();

		assertThat(run(Map.of(), "restart")).isEqualTo(CommandLine.COMPLETED);

		assertThat(deletedMobiles()).containsExactlyInAnyOrderElementsOf(gone);
		assertThat(output.getOut().substring(before)).contains("read 995, inserted 0, updated 0")
			.contains("soft-deleted " + gone.size() + ", restored 0");
	}

	@Test
	void anUnchangedSyncThatFailedMidPassAndResumedDeletesExactlyTheUsersTheUapDropped(CapturedOutput output)
			throws IOException {
		List<String> gone = syncedThenFiveGone(new DemoUsers(1000, 107));
		this.server.failFrom(500);
		assertThat(run(Map.of("uap.retry.max-attempts", 1), "sync")).isEqualTo(CommandLine.FAILED);
		this.server.failFrom(Long.MAX_VALUE);
		int before = output.getOut().length();

		assertThat(run(Map.of(), "restart")).isEqualTo(CommandLine.COMPLETED);

		// the users seen unchanged before the failure are listed by the first run, the
		// rest by the restart: together, all but the five gone
		assertThat(deletedMobiles()).containsExactlyInAnyOrderElementsOf(gone);
		assertThat(output.getOut().substring(before)).contains("soft-deleted " + gone.size() + ", restored 0");
	}

	@Test
	void aPassWhoseListsOfUsersSeenAreNotWholeDeletesNobody(CapturedOutput output) throws IOException {
		syncedThenFiveGone(new DemoUsers(1000, 109));
		this.server.failFrom(500);
		assertThat(run(Map.of("uap.retry.max-attempts", 1), "sync")).isEqualTo(CommandLine.FAILED);
		// as a later sync that completed would have done
		assertThat(this.database.jdbc().update("DELETE FROM uap_sync_seen_list")).isPositive();
		this.server.failFrom(Long.MAX_VALUE);

		assertThat(run(Map.of(), "restart")).isEqualTo(CommandLine.COMPLETED);

		assertThat(deletedMobiles()).isEmpty();
		assertThat(output.getOut()).containsPattern("Deletions wait for the next consistent pass: the pass listed \\d+ "
				+ "users it saw unchanged, but uap_sync_seen_list holds \\d+ of them");
	}

	@Test
	void whatAFailedDryRunSawIsForgottenOnceALaterSyncCompletes() throws IOException {
		assertThat(sync(new DemoUsers(1000, 97), Map.of())).isEqualTo(CommandLine.COMPLETED);
		this.server.failFrom(500);
		assertThat(run(Map.of("uap.retry.max-attempts", 1), "sync", "--dry-run")).isEqualTo(CommandLine.FAILED);
		assertThat(seenByDryRuns()).isPositive();
		this.server.failFrom(Long.MAX_VALUE);

		assertThat(run(Map.of(), "sync")).isEqualTo(CommandLine.COMPLETED);

		assertThat(seenByDryRuns()).isZero();
	}

	private long seenByDryRuns() {
		return this.database.jdbc().queryForObject("SELECT COUNT(*) FROM uap_sync_seen", Long.class);
	}

	@Test
	void anEmptyUapSoftDeletesNobodyUntilConfirmed(CapturedOutput output) throws IOException {
		DemoUsers users = new DemoUsers(200, 59);
		assertThat(sync(users, Map.of())).isEqualTo(CommandLine.COMPLETED);
		this.server.delete(range(0, 200));

		assertThat(run(Map.of(), "sync")).isEqualTo(CommandLine.DELETES_HELD);

		assertThat(deletedMobiles()).isEmpty();
		assertThat(output.getErr()).contains("deletions were held")
			.contains("the UAP reports no users at all")
			.contains("sync --allow-mass-delete");

		assertThat(run(Map.of(), "sync", "--allow-mass-delete")).isEqualTo(CommandLine.COMPLETED);

		assertThat(liveTable()).isEmpty();
		assertThat(deletedMobiles()).hasSize(expectedTable(users).size());
	}

	@Test
	void theBrakeHoldsAMassDeleteAndTheFlagReleasesIt(CapturedOutput output) throws IOException {
		DemoUsers users = new DemoUsers(1000, 61);
		assertThat(sync(users, Map.of())).isEqualTo(CommandLine.COMPLETED);
		this.server.delete(range(100, 300));
		List<String> gone = validMobiles(users, 100, 300);

		assertThat(run(Map.of(), "sync")).isEqualTo(CommandLine.DELETES_HELD);

		assertThat(deletedMobiles()).isEmpty();
		assertThat(output.getErr()).contains(gone.size() + " users would be soft-deleted")
			.contains("more than UAP_DELETE_MAX_RATIO=0.1 allows");
		assertThat(run(Map.of(), "status")).as("status shows it").isEqualTo(CommandLine.COMPLETED);
		assertThat(output.getOut()).contains("DELETES_HELD: " + gone.size() + " users would be soft-deleted");

		assertThat(run(Map.of(), "sync", "--allow-mass-delete")).isEqualTo(CommandLine.COMPLETED);

		assertThat(deletedMobiles()).containsExactlyInAnyOrderElementsOf(gone);
	}

	@Test
	void aDryRunChangesNothingAndReportsTheCountsTheRealRunThenMakes(CapturedOutput output) throws IOException {
		DemoUsers users = new DemoUsers(1000, 67);
		assertThat(sync(users, Map.of())).isEqualTo(CommandLine.COMPLETED);
		Map<String, List<String>> before = table();
		Map<String, List<Timestamp>> timesBefore = times();
		long rejectsBefore = this.database.jdbc().queryForObject("SELECT COUNT(*) FROM uap_user_reject", Long.class);
		serve(users.withRenamed(5)).delete(range(40, 60));

		assertThat(run(Map.of(), "sync", "--dry-run")).isEqualTo(CommandLine.COMPLETED);

		assertThat(table()).isEqualTo(before);
		assertThat(times()).isEqualTo(timesBefore);
		assertThat(deletedMobiles()).isEmpty();
		assertThat(this.database.jdbc().queryForObject("SELECT COUNT(*) FROM uap_user_reject", Long.class))
			.isEqualTo(rejectsBefore);
		String dryRun = output.getOut().lines().filter((line) -> line.startsWith("Dry run ")).findFirst().orElseThrow();
		Matcher counts = Pattern
			.compile("would insert (\\d+), update (\\d+), leave (\\d+) unchanged, reject (\\d+), "
					+ "soft-delete (\\d+) and restore (\\d+)")
			.matcher(dryRun);
		assertThat(counts.find()).as(dryRun).isTrue();
		assertThat(Long.parseLong(counts.group(5))).isPositive();

		assertThat(run(Map.of(), "sync")).isEqualTo(CommandLine.COMPLETED);

		assertThat(output.getOut()).contains("inserted " + counts.group(1) + ", updated " + counts.group(2)
				+ ", unchanged " + counts.group(3) + ", rejected " + counts.group(4) + ", soft-deleted "
				+ counts.group(5) + ", restored " + counts.group(6));
	}

	@Test
	void aDryRunThatWouldPassTheBrakeSaysSoChangesNothingAndForgetsWhatItSaw(CapturedOutput output) throws IOException {
		DemoUsers users = new DemoUsers(1000, 73);
		assertThat(sync(users, Map.of())).isEqualTo(CommandLine.COMPLETED);
		this.server.delete(range(100, 300));
		List<String> gone = validMobiles(users, 100, 300);

		assertThat(run(Map.of(), "sync", "--dry-run")).isEqualTo(CommandLine.DELETES_HELD);

		assertThat(deletedMobiles()).isEmpty();
		assertThat(seenByDryRuns()).isZero();
		assertThat(output.getOut()).contains("soft-delete 0 and restore 0; nothing was changed. " + gone.size()
				+ " users would be soft-deleted, but that is " + gone.size() + " of " + expectedTable(users).size()
				+ " present users");

		assertThat(run(Map.of(), "sync", "--dry-run", "--allow-mass-delete")).isEqualTo(CommandLine.COMPLETED);

		assertThat(deletedMobiles()).isEmpty();
		assertThat(seenByDryRuns()).isZero();
		assertThat(output.getOut()).contains("soft-delete " + gone.size() + " and restore 0; nothing was changed");
	}

	private static long[] range(long from, long to) {
		return LongStream.range(from, to).toArray();
	}

	private static List<String> validMobiles(DemoUsers users, long from, long to) {
		return LongStream.range(from, to)
			.mapToObj(users::user)
			.filter((user) -> !user.isReject())
			.map(DemoUser::mobile)
			.toList();
	}

	private static Map<String, List<String>> expectedTableWithout(DemoUsers users, long[]... deleted) {
		Map<String, List<String>> expected = expectedTable(users);
		for (long[] indexes : deleted) {
			for (long index : indexes) {
				expected.remove(users.user(index).mobile());
			}
		}
		return expected;
	}

	/**
	 * The normalized mobile of the first demo user, from an index on, whose record is
	 * rejected though its mobile is valid: a user stored before, whose record then went
	 * bad (a name grown too long, say).
	 */
	private static String rejectedWithAValidMobile(DemoUsers users, long from) {
		DemoUser grown = LongStream.range(from, users.count())
			.mapToObj(users::user)
			.filter((user) -> user.isReject() && user.rawMobile() != null
					&& UserNormalizer.isValidMobile(UserNormalizer.mobile(user.rawMobile())))
			.findFirst()
			.orElseThrow();
		return UserNormalizer.mobile(grown.rawMobile());
	}

	private List<String> deletedMobiles() {
		return this.database.jdbc()
			.queryForList("SELECT mobile FROM uap_user WHERE deleted_at IS NOT NULL", String.class);
	}

	private Map<String, List<String>> liveTable() {
		Map<String, List<String>> table = new TreeMap<>();
		this.database.jdbc().query("SELECT mobile, name, english_name FROM uap_user WHERE deleted_at IS NULL", (rs) -> {
			table.put(rs.getString(1), Arrays.asList(rs.getString(2), rs.getString(3)));
		});
		return table;
	}

	/**
	 * Runs a sync of 1000 users that completes, then one that fails at offset 500.
	 * @return the length of the output so far, where what follows begins
	 */
	/**
	 * Syncs the users, then removes five of them at the UAP.
	 * @return the valid mobiles of the five, which a consistent pass must soft-delete
	 */
	private List<String> syncedThenFiveGone(DemoUsers users) throws IOException {
		assertThat(sync(users, Map.of())).isEqualTo(CommandLine.COMPLETED);
		this.server.delete(range(10, 15));
		return validMobiles(users, 10, 15);
	}

	private int completedThenFailedSync(CapturedOutput output) throws IOException {
		assertThat(sync(new DemoUsers(1000, 5), Map.of())).isEqualTo(CommandLine.COMPLETED);
		this.server.failFrom(500);
		assertThat(run(Map.of("uap.retry.max-attempts", 1), "sync")).isEqualTo(CommandLine.FAILED);
		return output.getOut().length();
	}

	private long committedOffset() {
		return this.database.jdbc()
			.queryForList("SELECT SHORT_CONTEXT FROM BATCH_STEP_EXECUTION_CONTEXT", String.class)
			.stream()
			.filter((context) -> context.contains("uapUserReader.offset"))
			.map((context) -> context.replaceAll(".*\"uapUserReader\\.offset\":\\[\"java\\.lang\\.Long\",(\\d+)\\].*",
					"$1"))
			.mapToLong(Long::parseLong)
			.max()
			.orElse(0);
	}

	private List<String> slots() {
		return this.database.jdbc()
			.queryForList("SELECT PARAMETER_VALUE FROM BATCH_JOB_EXECUTION_PARAMS WHERE PARAMETER_NAME = 'slot' "
					+ "ORDER BY JOB_EXECUTION_ID", String.class);
	}

	/**
	 * Runs the first statement of {@code sql/<db>/status.sql}, the recent syncs.
	 */
	private List<Map<String, Object>> statusView() throws IOException {
		String folder = (this.database.dialect() == SqlDialect.H2) ? "h2" : "mysql";
		String script = Files.readString(Path.of("sql", folder, "status.sql"));
		String withoutComments = script.lines()
			.filter((line) -> !line.startsWith("--"))
			.collect(Collectors.joining("\n"));
		String recent = withoutComments.split(";")[0];
		List<Map<String, Object>> rows = new ArrayList<>();
		for (Map<String, Object> row : this.database.jdbc().queryForList(recent)) {
			Map<String, Object> upper = new HashMap<>();
			row.forEach((key, value) -> upper.put(key.toUpperCase(Locale.ROOT), value));
			rows.add(upper);
		}
		return rows;
	}

	private ConfigurableApplicationContext application(Map<String, Object> settings) {
		Map<String, Object> properties = new HashMap<>(this.database.properties());
		properties.put("uap.base-url", this.server.baseUrl());
		properties.put("uap.access-token", TOKEN);
		properties.putAll(settings);
		SpringApplication application = new SpringApplication(UapUserSyncApplication.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		application.setRegisterShutdownHook(false);
		application.addInitializers((context) -> context.getEnvironment()
			.getPropertySources()
			.addFirst(new MapPropertySource("test", properties)));
		return application.run();
	}

	DemoServer serve(DemoUsers users) throws IOException {
		if (this.server != null) {
			this.server.close();
		}
		this.server = DemoServer.start(0, users, TOKEN, 1000);
		return this.server;
	}

	private int sync(DemoUsers users, Map<String, Object> settings) throws IOException {
		serve(users);
		return run(settings, "sync");
	}

	int run(Map<String, Object> settings, String... command) {
		Map<String, Object> properties = new HashMap<>(this.database.properties());
		properties.put("uap.base-url", this.server.baseUrl());
		properties.put("uap.access-token", TOKEN);
		properties.put("uap.page-size", 250);
		properties.putAll(settings);
		// a chunk a page, unless a test says otherwise: the tests reason in pages
		properties.putIfAbsent("uap.commit-interval", properties.get("uap.page-size"));
		return new CommandLine(System.out, System.err, properties).run(command);
	}

	/**
	 * Returns the entries in which two maps differ, as "key: expected <> actual" lines,
	 * so that a failure shows only what is wrong.
	 */
	static <K, V> List<String> differences(Map<K, V> expected, Map<K, V> actual) {
		List<String> differences = new ArrayList<>();
		Set<K> keys = new TreeSet<>(expected.keySet());
		keys.addAll(actual.keySet());
		for (K key : keys) {
			if (!Objects.equals(expected.get(key), actual.get(key))) {
				differences.add(key + ": " + expected.get(key) + " <> " + actual.get(key));
			}
		}
		return differences;
	}

	static Map<String, List<String>> expectedTable(DemoUsers users) {
		Map<String, List<String>> expected = new TreeMap<>();
		for (long i = 0; i < users.count(); i++) {
			DemoUser user = users.user(i);
			if (!user.isReject()) {
				expected.put(user.mobile(), Arrays.asList(user.name(), user.englishName()));
			}
		}
		return expected;
	}

	static Map<Long, String> expectedRejects(DemoUsers users) {
		Map<Long, String> expected = new TreeMap<>();
		for (long i = 0; i < users.count(); i++) {
			DemoUser user = users.user(i);
			if (user.isReject()) {
				expected.put(i, user.rawMobile());
			}
		}
		return expected;
	}

	Map<String, List<String>> table() {
		Map<String, List<String>> table = new TreeMap<>();
		this.database.jdbc().query("SELECT mobile, name, english_name FROM uap_user", (rs) -> {
			table.put(rs.getString(1), Arrays.asList(rs.getString(2), rs.getString(3)));
		});
		return table;
	}

	Map<Long, String> rejectedRawMobiles() {
		Map<Long, String> rejects = new TreeMap<>();
		this.database.jdbc().query("SELECT item_offset, raw_mobile FROM uap_user_reject", (rs) -> {
			rejects.put(rs.getLong(1), rs.getString(2));
		});
		return rejects;
	}

	private Map<String, List<Timestamp>> times() {
		Map<String, List<Timestamp>> times = new TreeMap<>();
		this.database.jdbc().query("SELECT mobile, created_at, updated_at FROM uap_user", (rs) -> {
			times.put(rs.getString(1), List.of(rs.getTimestamp(2), rs.getTimestamp(3)));
		});
		return times;
	}

	/**
	 * Returns what the Spring Batch tables hold as text: parameters, exit messages, and
	 * the execution contexts decoded from their serialized form.
	 */
	private String batchTablesText() {
		StringBuilder text = new StringBuilder();
		List<String> plain = List.of("SELECT PARAMETER_VALUE FROM BATCH_JOB_EXECUTION_PARAMS",
				"SELECT EXIT_MESSAGE FROM BATCH_JOB_EXECUTION", "SELECT EXIT_MESSAGE FROM BATCH_STEP_EXECUTION");
		for (String sql : plain) {
			this.database.jdbc().queryForList(sql, String.class).forEach(text::append);
		}
		for (String table : List.of("BATCH_JOB_EXECUTION_CONTEXT", "BATCH_STEP_EXECUTION_CONTEXT")) {
			this.database.jdbc().queryForList("SELECT SHORT_CONTEXT FROM " + table, String.class).forEach(text::append);
		}
		return text.toString();
	}

}
