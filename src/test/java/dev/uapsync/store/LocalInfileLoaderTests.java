package dev.uapsync.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.transaction.support.TransactionTemplate;

import dev.uapsync.TestDatabase;
import dev.uapsync.user.SyncItem.NormalizedUser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.entry;

/**
 * {@link LocalInfileLoader} against MariaDB, through a connection set up as the sync sets
 * up its pool.
 */
class LocalInfileLoaderTests {

	private TestDatabase database;

	private LocalInfileLoader loader;

	private SingleConnectionDataSource dataSource;

	private JdbcTemplate jdbc;

	private TransactionTemplate transaction;

	@BeforeEach
	void open() {
		this.database = TestDatabase.mariaDb();
		this.loader = LocalInfileLoader.create();
		assertThat(this.loader).isNotNull();
		this.dataSource = new SingleConnectionDataSource(this.database.url(), "root", "", true);
		Properties properties = new Properties();
		properties.setProperty(LocalInfileLoader.DRIVER_PROPERTY, this.loader.folder().toString());
		this.dataSource.setConnectionProperties(properties);
		this.dataSource.setAutoCommit(true);
		new UserSchemaInitializer(this.dataSource, SqlDialect.MYSQL).initializeDatabase();
		this.jdbc = new JdbcTemplate(this.dataSource);
		this.transaction = new TransactionTemplate(new DataSourceTransactionManager(this.dataSource));
	}

	@AfterEach
	void close() {
		if (this.dataSource != null) {
			this.dataSource.destroy();
		}
		if (this.loader != null) {
			this.loader.close();
		}
		if (this.database != null) {
			this.database.close();
		}
	}

	@Test
	void everyCharacterTheFieldFormatGivesMeaningToRoundTripsAsSent() {
		List<NormalizedUser> users = List.of(new NormalizedUser("13800000001", "tab\there", "line\nbreak"),
				new NormalizedUser("13800000002", "back\\slash\\", "carriage\rreturn"),
				new NormalizedUser("13800000003", "nul\0byte", "\\N"), new NormalizedUser("13800000004", null, null),
				new NormalizedUser("13800000005", "王小明 😀", ""), new NormalizedUser("+8613800000006", "\\t", "end\\"));

		this.transaction.executeWithoutResult((status) -> this.loader.insert(this.jdbc, users, 42));

		List<NormalizedUser> stored = this.jdbc.query("SELECT mobile, name, english_name FROM uap_user ORDER BY mobile",
				(rs, row) -> new NormalizedUser(rs.getString(1), rs.getString(2), rs.getString(3)));
		List<NormalizedUser> expected = new ArrayList<>(users);
		expected.sort((a, b) -> a.mobile().compareTo(b.mobile()));
		assertThat(stored).containsExactlyElementsOf(expected);
		assertThat(this.jdbc.queryForList(
				"SELECT DISTINCT last_seen_instance, created_at = updated_at, deleted_at IS NULL FROM uap_user"))
			.singleElement()
			.satisfies((row) -> assertThat(row.values()).containsExactly(42L, 1, 1));
	}

	@Test
	void aTentativeLoadStoresAllTheUsersOrNoneAndTheTransactionGoesOn() {
		this.jdbc.update("INSERT INTO uap_user (mobile, name, created_at, updated_at) VALUES ('13800000002', 'Stored', "
				+ "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)");
		List<NormalizedUser> oneStored = List.of(new NormalizedUser("13800000001", "New", null),
				new NormalizedUser("13800000002", "Stored again", null),
				new NormalizedUser("13800000003", "New too", null));
		List<NormalizedUser> allNew = List.of(new NormalizedUser("13800000004", "A", null),
				new NormalizedUser("13800000005", "B", "b"));
		List<Boolean> results = new ArrayList<>();

		this.transaction.executeWithoutResult((status) -> {
			this.jdbc.update("UPDATE uap_user SET english_name = 'before the load' WHERE mobile = '13800000002'");
			results.add(this.loader.insertIfAllNew(this.jdbc, oneStored, 7));
			results.add(this.loader.insertIfAllNew(this.jdbc, allNew, 7));
		});

		assertThat(results).containsExactly(false, true);
		assertThat(this.jdbc
			.queryForList("SELECT mobile, name, english_name, last_seen_instance FROM uap_user " + "ORDER BY mobile"))
			.map((row) -> row.values().toString())
			.as("nothing of the first load, the whole second one, and what the transaction did before")
			.containsExactly("[13800000002, Stored, before the load, null]", "[13800000004, A, null, 7]",
					"[13800000005, B, b, 7]");
	}

	@Test
	void theRowsFileLivesOnlyDuringItsLoadInAFolderOnlyItsOwnerCanRead() throws Exception {
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(this.loader.folder())))
			.isEqualTo("rwx------");

		this.transaction.executeWithoutResult((status) -> this.loader.insert(this.jdbc,
				List.of(new NormalizedUser("13800000001", "Li Lei", "Lei Li")), 1));

		try (var files = Files.list(this.loader.folder())) {
			assertThat(files.map((file) -> file.getFileName().toString())).as("the lock, and no rows")
				.containsExactly("lock");
		}
		this.loader.close();
		assertThat(this.loader.folder()).doesNotExist();
	}

	@Test
	void theServerCanReadNoFileOutsideTheLoadersFolder() throws Exception {
		Path outside = Files.createTempFile("uap-user-sync-secret", ".tsv");
		try {
			Files.writeString(outside, "13900000000\tsecret\tsecret\n");
			String sneaking = this.loader.folder().resolve("..").resolve(outside.getFileName()).toString();

			for (String path : List.of(outside.toString(), sneaking)) {
				assertThatExceptionOfType(Exception.class)
					.isThrownBy(() -> this.jdbc.execute(
							"LOAD DATA LOCAL INFILE '" + path + "' INTO TABLE uap_user (mobile, name, english_name)"))
					.withStackTraceContaining("is not under the safe path");
			}

			assertThat(this.jdbc.queryForObject("SELECT COUNT(*) FROM uap_user", Integer.class)).isZero();
		}
		finally {
			Files.delete(outside);
		}
	}

	@Test
	void aLoadTheServerRefusesIsARefusalAndTheTransactionGoesOn() {
		refusedAndTheTransactionGoesOn((users) -> this.loader.insert(this.jdbc, users, 7));
	}

	@Test
	void aTentativeLoadTheServerRefusesIsARefusalAndTheTransactionGoesOn() {
		refusedAndTheTransactionGoesOn((users) -> this.loader.insertIfAllNew(this.jdbc, users, 7));
	}

	private void refusedAndTheTransactionGoesOn(Consumer<List<NormalizedUser>> load) {
		withLocalInfileOff(() -> this.transaction.executeWithoutResult((status) -> {
			assertThatExceptionOfType(LoadDataException.class)
				.isThrownBy(() -> load.accept(List.of(new NormalizedUser("13800000001", "A", null))))
				.matches(LoadDataException::isRefusal);
			this.jdbc.update("INSERT INTO uap_user (mobile, name, created_at, updated_at) "
					+ "VALUES ('13800000001', 'A', NOW(3), NOW(3))");
		}));

		assertThat(this.jdbc.queryForObject("SELECT COUNT(*) FROM uap_user", Integer.class)).isOne();
	}

	private void withLocalInfileOff(Runnable action) {
		this.jdbc.execute("SET GLOBAL local_infile = 0");
		try {
			action.run();
		}
		finally {
			this.jdbc.execute("SET GLOBAL local_infile = 1");
		}
	}

	@Test
	void aUserStoredMeanwhileFailsTheLoadWhichRollsBackWithTheOthers() {
		this.jdbc.update("INSERT INTO uap_user (mobile, name, created_at, updated_at) "
				+ "VALUES ('13800000002', 'already here', NOW(3), NOW(3))");
		List<NormalizedUser> users = List.of(new NormalizedUser("13800000001", "A", null),
				new NormalizedUser("13800000002", "B", null), new NormalizedUser("13800000003", "C", null));

		assertThatExceptionOfType(LoadDataException.class)
			.isThrownBy(
					() -> this.transaction.executeWithoutResult((status) -> this.loader.insert(this.jdbc, users, 7)))
			.withMessageContaining("stored 2 of 3 new users")
			.withMessageContaining("Duplicate entry")
			.withMessageContaining("rolled back");

		assertThat(this.jdbc.queryForMap("SELECT COUNT(*) AS users, MAX(name) AS name FROM uap_user"))
			.containsExactly(entry("users", 1L), entry("name", "already here"));
	}

	@Test
	void aValueTheServerWouldCutFailsTheLoadInsteadOfBeingStoredCut() {
		List<NormalizedUser> users = List.of(new NormalizedUser("13800000001", "x".repeat(256), null));

		assertThatExceptionOfType(LoadDataException.class)
			.isThrownBy(
					() -> this.transaction.executeWithoutResult((status) -> this.loader.insert(this.jdbc, users, 7)))
			.withMessageContaining("the server warned")
			.withMessageContaining("name");

		assertThat(this.jdbc.queryForObject("SELECT COUNT(*) FROM uap_user", Integer.class)).isZero();
	}

	@Test
	void aTentativeLoadOfAValueTheServerWouldCutStoresNoneAndTheTransactionGoesOn() {
		List<NormalizedUser> users = List.of(new NormalizedUser("13800000001", "A", null),
				new NormalizedUser("13800000002", "x".repeat(256), null));
		List<Boolean> results = new ArrayList<>();

		this.transaction.executeWithoutResult((status) -> {
			results.add(this.loader.insertIfAllNew(this.jdbc, users, 7));
			this.jdbc.update("INSERT INTO uap_user (mobile, name, created_at, updated_at) "
					+ "VALUES ('13800000009', 'after', NOW(3), NOW(3))");
		});

		assertThat(results).containsExactly(false);
		assertThat(this.jdbc.queryForList("SELECT mobile FROM uap_user", String.class))
			.as("neither loaded user, not even the one that fitted; what came after the load")
			.containsExactly("13800000009");
	}

	@Test
	void theServersSettingSaysWhetherItAcceptsLocalLoads() {
		assertThat(LocalInfileLoader.serverAllows(this.jdbc)).as("MariaDB's default").isTrue();
		withLocalInfileOff(() -> assertThat(LocalInfileLoader.serverAllows(this.jdbc)).isFalse());
	}

}
