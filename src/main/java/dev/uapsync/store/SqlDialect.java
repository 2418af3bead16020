package dev.uapsync.store;

import java.sql.DatabaseMetaData;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.JdbcOperations;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.support.JdbcUtils;
import org.springframework.jdbc.support.MetaDataAccessException;

import dev.uapsync.ConfigurationException;
import dev.uapsync.user.SyncItem.NormalizedUser;

/**
 * What differs between the databases the sync supports: where their DDL lives, how they
 * upsert a user, and how a chunk's users are looked up.
 */
public enum SqlDialect {

	/**
	 * H2 2.x, the embedded default. H2 measures text in UTF-16 units, so its name columns
	 * hold 510 of them: room for 255 code points of any kind.
	 */
	H2("h2", """
			MERGE INTO uap_user t
			USING (SELECT a.mobile, a.name, a.english_name, CAST(? AS BIGINT)
					FROM UNNEST(CAST(? AS VARCHAR(32) ARRAY), CAST(? AS VARCHAR(510) ARRAY),
						CAST(? AS VARCHAR(510) ARRAY)) a(mobile, name, english_name))
				s(mobile, name, english_name, seen)
			ON t.mobile = s.mobile
			WHEN MATCHED THEN UPDATE SET
				updated_at = CASE WHEN t.name IS DISTINCT FROM s.name OR t.english_name IS DISTINCT FROM s.english_name
					THEN LOCALTIMESTAMP(3) ELSE t.updated_at END,
				name = s.name, english_name = s.english_name, last_seen_instance = s.seen, deleted_at = NULL
			WHEN NOT MATCHED THEN INSERT (mobile, name, english_name, created_at, updated_at, last_seen_instance)
				VALUES (s.mobile, s.name, s.english_name, LOCALTIMESTAMP(3), LOCALTIMESTAMP(3), s.seen)
			""", "LOCALTIMESTAMP(3)", "MERGE INTO uap_sync_seen KEY (job_instance_id, mobile) VALUES (?, ?)") {

		/**
		 * A join with the mobiles as one array: H2 checks every row it finds against an
		 * {@code IN} list of parameters one by one, which costs a chunk of 1000 users a
		 * million comparisons.
		 */
		@Override
		void queryStored(NamedParameterJdbcTemplate jdbc, Collection<String> mobiles, RowCallbackHandler rows) {
			jdbc.getJdbcOperations()
				.query("SELECT u.mobile, u.name, u.english_name, u.deleted_at IS NOT NULL "
						+ "FROM UNNEST(CAST(? AS VARCHAR(32) ARRAY)) t(mobile) JOIN uap_user u ON u.mobile = t.mobile",
						(statement) -> statement.setObject(1, mobiles.toArray(String[]::new)), rows);
		}

		/**
		 * One statement over three arrays rather than a JDBC batch of one {@code MERGE}
		 * per user: in a test of 200 chunks of 1000 new users, half the time.
		 */
		@Override
		void upsert(JdbcOperations jdbc, List<NormalizedUser> users, long jobInstanceId) {
			jdbc.update(upsertSql(), jobInstanceId, users.stream().map(NormalizedUser::mobile).toArray(String[]::new),
					users.stream().map(NormalizedUser::name).toArray(String[]::new),
					users.stream().map(NormalizedUser::englishName).toArray(String[]::new));
		}

	},

	/**
	 * MySQL 8 and MariaDB. {@code updated_at} is assigned before the names, because MySQL
	 * evaluates the assignments left to right and must compare the old names.
	 * {@code VALUES(col)} rather than a row alias, because MariaDB knows no row alias.
	 */
	MYSQL("mysql", """
			INSERT INTO uap_user (mobile, name, english_name, created_at, updated_at, last_seen_instance)
			VALUES (?, ?, ?, CURRENT_TIMESTAMP(3), CURRENT_TIMESTAMP(3), ?)
			ON DUPLICATE KEY UPDATE
				updated_at = IF(name <=> VALUES(name) AND english_name <=> VALUES(english_name),
					updated_at, VALUES(updated_at)),
				name = VALUES(name),
				english_name = VALUES(english_name),
				last_seen_instance = VALUES(last_seen_instance),
				deleted_at = NULL
						""", "CURRENT_TIMESTAMP(3)",
			"INSERT IGNORE INTO uap_sync_seen (job_instance_id, mobile) VALUES (?, ?)") {

		/**
		 * The mobiles written into the statement as literals when each is a plain number
		 * ({@link #literals}), else as parameters: Connector/J parses a statement of a
		 * thousand parameters and escapes each value on every chunk, which in syncs of
		 * 1,000,000 users cost 1.3 to 2.1 s of their 17 to 20 s.
		 */
		@Override
		void queryStored(NamedParameterJdbcTemplate jdbc, Collection<String> mobiles, RowCallbackHandler rows) {
			String list = literals(mobiles);
			if (list == null) {
				super.queryStored(jdbc, mobiles, rows);
				return;
			}
			jdbc.getJdbcOperations().query(SELECT_STORED + "(" + list + ")", rows);
		}

	};

	private static final String SELECT_STORED = "SELECT mobile, name, english_name, deleted_at IS NOT NULL "
			+ "FROM uap_user WHERE mobile IN ";

	private static final String SELECT_STORED_SQL = SELECT_STORED + "(:mobiles)";

	private final String folder;

	private final String upsertSql;

	private final String now;

	private final String seenSql;

	SqlDialect(String folder, String upsertSql, String now, String seenSql) {
		this.folder = folder;
		this.upsertSql = upsertSql;
		this.now = now;
		this.seenSql = seenSql;
	}

	/**
	 * Reads the stored users among some mobiles, in one statement: for each, its mobile,
	 * name, English name and whether it is soft-deleted, in that order.
	 * @param jdbc the template of the chunk's transaction
	 * @param mobiles the mobiles, each once
	 * @param rows gets each stored user
	 */
	void queryStored(NamedParameterJdbcTemplate jdbc, Collection<String> mobiles, RowCallbackHandler rows) {
		jdbc.query(SELECT_STORED_SQL, new MapSqlParameterSource("mobiles", mobiles), rows);
	}

	/**
	 * Writes mobiles as a list of SQL string literals, when each is a plain number: up to
	 * 32 characters, digits with at most a leading {@code +}, which no quoting or
	 * escaping rule of any SQL mode can change the meaning of.
	 * @param mobiles the mobiles
	 * @return the list, comma separated, or null when a mobile is not such a number
	 */
	static @Nullable String literals(Collection<String> mobiles) {
		StringBuilder list = new StringBuilder(mobiles.size() * 16);
		for (String mobile : mobiles) {
			if (mobile.isEmpty() || mobile.length() > 32) {
				return null;
			}
			for (int i = 0; i < mobile.length(); i++) {
				char c = mobile.charAt(i);
				if ((c < '0' || c > '9') && (c != '+' || i > 0)) {
					return null;
				}
			}
			if (!list.isEmpty()) {
				list.append(',');
			}
			list.append('\'').append(mobile).append('\'');
		}
		return list.toString();
	}

	/**
	 * Upserts a chunk's new and changed users: inserts the new, updates the changed, and
	 * marks them all seen by the pass and not deleted. Here one JDBC batch of
	 * {@link #upsertSql()}, which MySQL's driver sends as one multi-row statement. The
	 * counts a driver reports are not checked (a rewritten batch reports none).
	 * @param jdbc the operations of the chunk's transaction
	 * @param users the users, each mobile once
	 * @param jobInstanceId the pass that saw them
	 */
	void upsert(JdbcOperations jdbc, List<NormalizedUser> users, long jobInstanceId) {
		jdbc.batchUpdate(upsertSql(), users, users.size(), (statement, user) -> {
			statement.setString(1, user.mobile());
			statement.setString(2, user.name());
			statement.setString(3, user.englishName());
			statement.setLong(4, jobInstanceId);
		});
	}

	/**
	 * Returns the statement that records a user seen by a dry run, once however often it
	 * is seen; its parameters are the job instance and the mobile.
	 * @return the SQL
	 */
	String seenSql() {
		return this.seenSql;
	}

	/**
	 * Returns the classpath location of this database's DDL, the file under {@code sql/}.
	 * @return the schema location
	 */
	public String schemaLocation() {
		return "classpath:sql/" + this.folder + "/schema.sql";
	}

	/**
	 * Returns the upsert: on MySQL of one user, its parameters mobile, name, English name
	 * and the job instance that saw it; on H2 of a chunk, its parameters the job instance
	 * and the arrays of mobiles, names and English names. It also clears
	 * {@code deleted_at}: a user seen exists.
	 * @return the SQL
	 */
	String upsertSql() {
		return this.upsertSql;
	}

	/**
	 * Returns the SQL expression of the current time, in milliseconds.
	 * @return the SQL expression
	 */
	String now() {
		return this.now;
	}

	/**
	 * Returns the JDBC URL of a data source without what may hold credentials (user info,
	 * query and H2 settings), fit for a log line.
	 * @param dataSource the data source; a connection is opened to read its metadata
	 * @return the URL to show
	 */
	public static String displayUrl(DataSource dataSource) {
		try {
			String url = JdbcUtils.extractDatabaseMetaData(dataSource, DatabaseMetaData::getURL);
			return String.valueOf(url).replaceAll("//[^/@]*@", "//").replaceAll("[?;].*$", "");
		}
		catch (MetaDataAccessException ex) {
			return "(unknown database)";
		}
	}

	/**
	 * Finds the dialect of the database behind a data source.
	 * @param dataSource the data source; a connection is opened to read its metadata
	 * @return the dialect
	 * @throws ConfigurationException when the database is not one the sync supports
	 */
	public static SqlDialect of(DataSource dataSource) {
		String product;
		try {
			product = JdbcUtils.extractDatabaseMetaData(dataSource, DatabaseMetaData::getDatabaseProductName);
		}
		catch (MetaDataAccessException ex) {
			throw new ConfigurationException("Cannot connect to the database of SPRING_DATASOURCE_URL ("
					+ ex.getMostSpecificCause().getMessage() + "): check the URL, SPRING_DATASOURCE_USERNAME and "
					+ "SPRING_DATASOURCE_PASSWORD, and that the database is up", ex);
		}
		String name = String.valueOf(product).toLowerCase(Locale.ROOT);
		if (name.contains("h2")) {
			return H2;
		}
		if (name.contains("mysql") || name.contains("mariadb")) {
			return MYSQL;
		}
		throw new ConfigurationException(
				"The database is " + product + ", which uap-user-sync does not support: use H2, MySQL or MariaDB");
	}

}
