package dev.uapsync;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.uapsync.demo.DemoUsers;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole sync on MariaDB through MySQL Connector/J, each test in a database of its
 * own.
 */
@ExtendWith(OutputCaptureExtension.class)
class SyncJobMariaDbTests extends AbstractSyncJobTests {

	@Override
	TestDatabase database(Path folder) {
		return TestDatabase.mariaDb();
	}

	@Test
	void chunkWhoseCommitFailsIsWrittenAgainOnRestartAndNoUserIsSkipped(CapturedOutput output) throws IOException {
		DemoUsers users = new DemoUsers(3000, 41);
		serve(users);
		assertThat(run(Map.of(), "status")).as("creates the tables").isEqualTo(CommandLine.FAILED);
		// fails the step's update in the transaction of the 4th chunk (page size 250)
		this.database.jdbc()
			.execute("CREATE TRIGGER fail_fourth_commit BEFORE UPDATE ON BATCH_STEP_EXECUTION FOR EACH ROW "
					+ "BEGIN IF NEW.READ_COUNT = 1000 AND NEW.STATUS = 'STARTED' THEN "
					+ "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected commit failure'; END IF; END");
		assertThat(run(Map.of(), "sync")).isEqualTo(CommandLine.FAILED);
		assertThat(output.getErr()).contains("'restart' resumes it at offset 750");
		this.database.jdbc().execute("DROP TRIGGER fail_fourth_commit");

		int exitCode = run(Map.of(), "restart");

		assertThat(exitCode).isEqualTo(CommandLine.COMPLETED);
		assertThat(differences(expectedTable(users), table())).isEmpty();
		assertThat(differences(expectedRejects(users), rejectedRawMobiles())).isEmpty();
		assertThat(output.getOut()).contains("Restarting sync 1 (FAILED) at offset 750")
			.contains("read 3000, inserted " + expectedTable(users).size() + ", updated 0, unchanged 0");
	}

	@Test
	void newUsersGoInByLoadDataByDefault(CapturedOutput output) throws IOException {
		DemoUsers users = new DemoUsers(3000, 43);
		serve(users);
		long loadsBefore = loads();

		assertThat(run(Map.of(), "sync")).isEqualTo(CommandLine.COMPLETED);

		assertThat(loads() - loadsBefore).as("one LOAD DATA per chunk of 250").isEqualTo(12);
		assertThat(differences(expectedTable(users), table())).isEmpty();
		assertThat(output.getAll()).doesNotContain("local_infile");
	}

	@Test
	void aChunkAfterAllNewOnesIsLoadedWithoutALookUpUnlessItHoldsStoredUsers(CapturedOutput output) throws IOException {
		DemoUsers users = new DemoUsers(3000, 43);
		serve(users);
		assertThat(run(Map.of(), "sync")).isEqualTo(CommandLine.COMPLETED);
		// the first two chunks of 250 are new again; the third holds, besides new users,
		// a
		// stored user, a renamed one and a soft-deleted one
		JdbcTemplate admin = this.database.jdbc();
		List<String> third = new ArrayList<>();
		for (long index = 0; index < 750; index++) {
			DemoUsers.DemoUser user = users.user(index);
			if (user.isReject()) {
				continue;
			}
			if (index < 500 || third.size() >= 3) {
				admin.update("DELETE FROM uap_user WHERE mobile = ?", user.mobile());
			}
			else {
				third.add(user.mobile());
			}
		}
		admin.update("UPDATE uap_user SET name = 'Old name' WHERE mobile = ?", third.get(1));
		admin.update("UPDATE uap_user SET deleted_at = CURRENT_TIMESTAMP(3) WHERE mobile = ?", third.get(2));
		int stored = admin.queryForObject("SELECT COUNT(*) FROM uap_user", Integer.class);
		long loadsBefore = loads();

		assertThat(run(Map.of(), "sync")).isEqualTo(CommandLine.COMPLETED);

		assertThat(differences(expectedTable(users), table())).isEmpty();
		int inserted = expectedTable(users).size() - stored;
		assertThat(output.getOut()).contains("Sync 2 COMPLETED")
			.contains("read 3000, inserted " + inserted + ", updated 1, unchanged " + (stored - 1) + ", rejected "
					+ expectedRejects(users).size() + ", soft-deleted 0, restored 1");
		assertThat(loads() - loadsBefore)
			.as("the first chunk after its look-up, the second without, the third tried, undone, then after its "
					+ "look-up")
			.isEqualTo(4);
	}

	@Test
	void withLoadDataOffNewUsersGoInByInsertAndTheMirrorIsTheSame() throws IOException {
		DemoUsers users = new DemoUsers(3000, 43);
		serve(users);
		long loadsBefore = loads();

		assertThat(run(Map.of("uap.load-data", "false"), "sync")).isEqualTo(CommandLine.COMPLETED);

		assertThat(loads()).isEqualTo(loadsBefore);
		assertThat(differences(expectedTable(users), table())).isEmpty();
		assertThat(differences(expectedRejects(users), rejectedRawMobiles())).isEmpty();
	}

	@Test
	void aServerThatRefusesLocalLoadsGetsItsNewUsersByInsertAndTheLogSaysHowToAllowThem(CapturedOutput output)
			throws IOException {
		DemoUsers users = new DemoUsers(3000, 47);
		serve(users);
		long loadsBefore = loads();
		this.database.jdbc().execute("SET GLOBAL local_infile = 0");
		try {
			assertThat(run(Map.of(), "sync")).isEqualTo(CommandLine.COMPLETED);
		}
		finally {
			this.database.jdbc().execute("SET GLOBAL local_infile = 1");
		}

		assertThat(loads()).isEqualTo(loadsBefore);
		assertThat(differences(expectedTable(users), table())).isEmpty();
		assertThat(output.getAll()).contains("New users are inserted with INSERT statements: the server's "
				+ "local_infile is OFF. SET GLOBAL local_infile = ON");
	}

	@Test
	void aLoadTheServerRefusesInMidSyncGoesInByInsertAndLosesNothing(CapturedOutput output) throws IOException {
		DemoUsers users = new DemoUsers(3000, 53);
		JdbcTemplate admin = this.database.jdbc();
		// after the writer has seen local_infile on, before its first chunk
		serve(users).afterServing(0, () -> admin.execute("SET GLOBAL local_infile = 0"));
		try {
			assertThat(run(Map.of(), "sync")).isEqualTo(CommandLine.COMPLETED);
		}
		finally {
			admin.execute("SET GLOBAL local_infile = 1");
		}

		assertThat(differences(expectedTable(users), table())).isEmpty();
		assertThat(differences(expectedRejects(users), rejectedRawMobiles())).isEmpty();
		assertThat(output.getAll()).contains("LOAD DATA LOCAL INFILE of new users was refused")
			.contains("new users are inserted with INSERT statements for the rest of this sync");
	}

	/**
	 * Returns how many {@code LOAD DATA} statements the server has run, all sessions
	 * counted: the tests run one at a time.
	 */
	private long loads() {
		return this.database.jdbc()
			.queryForObject(
					"SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'COM_LOAD'",
					Long.class);
	}

}
