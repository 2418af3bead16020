package dev.uapsync.store;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.jdbc.core.JdbcTemplate;

import dev.uapsync.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Finding the users a pass did not see from what it wrote and what it listed, on H2 and
 * MariaDB, with the listed mobiles held at once or in shares.
 */
class SoftDeletesTests {

	private static final long PASS = 7;

	@TempDir
	Path folder;

	private TestDatabase database;

	private SqlDialect dialect;

	@AfterEach
	void close() {
		if (this.database != null) {
			this.database.close();
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "mariadb" })
	void unseenAreThePresentUsersThePassNeitherWroteNorListed(String kind) {
		JdbcTemplate jdbc = open(kind);
		// 0-9 written by the pass, 10-19 by an older one, 20-29 never; 30-39 already
		// deleted; listed by the pass: 10-14 and 20-24, and by an older pass 15-19
		insert(jdbc, range(0, 10), PASS, false);
		insert(jdbc, range(10, 20), PASS - 2, false);
		insert(jdbc, range(20, 30), null, false);
		insert(jdbc, range(30, 40), PASS - 1, true);
		list(jdbc, PASS, range(10, 13));
		list(jdbc, PASS, List.of(mobile(13), mobile(14), mobile(20)));
		list(jdbc, PASS, range(21, 25));
		list(jdbc, PASS - 1, range(15, 20));
		List<String> expected = new ArrayList<>(range(15, 20));
		expected.addAll(range(25, 30));

		for (int partitionUsers : new int[] { 1_000_000, 4, 1 }) {
			SoftDeletes softDeletes = new SoftDeletes(dataSource(jdbc), this.dialect, partitionUsers);
			SoftDeletes.Unseen unseen = softDeletes.unseen(PASS, false);
			assertThat(unseen.count()).as("shares of %d", partitionUsers).isEqualTo(10);
			assertThat(unseen.mobiles()).as("shares of %d", partitionUsers)
				.containsExactlyInAnyOrderElementsOf(expected);
		}

		SoftDeletes softDeletes = new SoftDeletes(dataSource(jdbc), this.dialect, 4);
		assertThat(softDeletes.softDelete(PASS, softDeletes.unseen(PASS, false))).isEqualTo(10);
		assertThat(jdbc.queryForList("SELECT mobile FROM uap_user WHERE deleted_at IS NOT NULL AND mobile < ?",
				String.class, mobile(30)))
			.containsExactlyInAnyOrderElementsOf(expected);
		assertThat(softDeletes.unseen(PASS, false).count()).isZero();
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "mariadb" })
	void manyUnseenAreCountedThenDeletedByReadingThemAgain(String kind) {
		JdbcTemplate jdbc = open(kind);
		// more than a page of present users, more unseen than a count keeps, and more
		// lists than are read at a time
		insert(jdbc, range(0, 25_000), PASS - 1, false);
		for (int from = 0; from < 5_000; from += 20) {
			list(jdbc, PASS, range(from, from + 20));
		}
		SoftDeletes softDeletes = new SoftDeletes(dataSource(jdbc), this.dialect, 3_000);

		SoftDeletes.Unseen unseen = softDeletes.unseen(PASS, false);

		assertThat(unseen.count()).isEqualTo(20_000);
		assertThat(unseen.mobiles()).isNull();
		assertThat(softDeletes.softDelete(PASS, unseen)).isEqualTo(20_000);
		assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM uap_user WHERE deleted_at IS NULL AND mobile < ?",
				Long.class, mobile(5_000)))
			.isEqualTo(5_000);
		assertThat(softDeletes.unseen(PASS, false).count()).isZero();
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "mariadb" })
	void whatALaterPassListedIsSeenTooButOnlyThePassOwnListsCountAsItsOwn(String kind) {
		JdbcTemplate jdbc = open(kind);
		insert(jdbc, range(0, 6), PASS - 1, false);
		list(jdbc, PASS, range(0, 2));
		list(jdbc, PASS + 1, range(2, 4));
		list(jdbc, PASS - 1, range(4, 5));
		SoftDeletes softDeletes = new SoftDeletes(dataSource(jdbc), this.dialect);

		assertThat(softDeletes.unseen(PASS, false).mobiles()).containsExactly(mobile(4), mobile(5));
		assertThat(softDeletes.listedUsers(PASS)).isEqualTo(2);
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "mariadb" })
	void forgettingAPassDropsItsListsAndThoseOfPassesBefore(String kind) {
		JdbcTemplate jdbc = open(kind);
		list(jdbc, PASS - 1, range(0, 3));
		list(jdbc, PASS, range(0, 3));
		list(jdbc, PASS + 1, range(0, 3));

		new SoftDeletes(dataSource(jdbc), this.dialect).forget(PASS);

		assertThat(jdbc.queryForList("SELECT job_instance_id FROM uap_sync_seen_list", Long.class))
			.containsExactly(PASS + 1);
	}

	@Test
	void seenMobilesTellApartWhatTheirNumbersCouldConfuse() {
		List<String> mobiles = List.of("123", "0123", "00123", "+123", "+0123", "12345678901234567",
				"99999999999999999", "123456789012345678", "+123456789012345678", "12a", "", "+", "1+2");
		SoftDeletes.SeenMobiles seen = new SoftDeletes.SeenMobiles(2);
		mobiles.forEach(seen::add);
		for (String mobile : mobiles) {
			assertThat(seen.contains(mobile)).as(mobile).isTrue();
		}
		for (String other : List.of("1230", "0", "+00123", "1234567890123456", "023", "+1", "12b")) {
			assertThat(seen.contains(other)).as(other).isFalse();
		}
		assertThat(mobiles.stream().map(SoftDeletes.SeenMobiles::number).filter((number) -> number != 0).distinct())
			.hasSize(7);
		// many more than the table was sized for: it grows
		SoftDeletes.SeenMobiles many = new SoftDeletes.SeenMobiles(1);
		range(0, 5_000).forEach(many::add);
		assertThat(range(0, 5_000)).allMatch(many::contains);
		assertThat(range(5_000, 6_000)).noneMatch(many::contains);
	}

	private JdbcTemplate open(String kind) {
		this.database = kind.equals("h2") ? TestDatabase.h2(this.folder) : TestDatabase.mariaDb();
		JdbcTemplate jdbc = this.database.jdbc();
		this.dialect = SqlDialect.of(dataSource(jdbc));
		new UserSchemaInitializer(dataSource(jdbc), this.dialect).initializeDatabase();
		return jdbc;
	}

	private static DataSource dataSource(JdbcTemplate jdbc) {
		DataSource dataSource = jdbc.getDataSource();
		assertThat(dataSource).isNotNull();
		return dataSource;
	}

	private static String mobile(int i) {
		return String.format("138%08d", i);
	}

	private static List<String> range(int from, int to) {
		return IntStream.range(from, to).mapToObj(SoftDeletesTests::mobile).toList();
	}

	private static void insert(JdbcTemplate jdbc, List<String> mobiles, Long lastSeen, boolean deleted) {
		jdbc.batchUpdate(
				"INSERT INTO uap_user (mobile, name, created_at, updated_at, deleted_at, last_seen_instance) "
						+ "VALUES (?, 'n', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, "
						+ (deleted ? "CURRENT_TIMESTAMP" : "NULL") + ", ?)",
				mobiles.stream().map((mobile) -> new Object[] { mobile, lastSeen }).toList());
	}

	private static void list(JdbcTemplate jdbc, long pass, List<String> mobiles) {
		jdbc.update("INSERT INTO uap_sync_seen_list (job_instance_id, users, mobiles) VALUES (?, ?, ?)", pass,
				mobiles.size(), String.join(",", mobiles));
	}

}
