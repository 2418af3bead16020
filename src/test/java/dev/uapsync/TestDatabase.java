package dev.uapsync;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import dev.uapsync.store.SqlDialect;

import javax.sql.DataSource;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * A database of its own for one test: an H2 file in a temporary folder, or a new database
 * on the local MariaDB (127.0.0.1:3306, root, empty password) that is dropped afterwards.
 *
 * <p>
 * When MariaDB cannot be reached, a test skips with a message saying how to enable it,
 * except under {@code CI=true}, where it fails.
 */
public final class TestDatabase implements AutoCloseable {

	static final String MARIADB_SERVER = "jdbc:mysql://127.0.0.1:3306/";

	private final String url;

	private final String username;

	private final Runnable drop;

	private final SingleConnectionDataSource dataSource;

	private TestDatabase(String url, String username, Runnable drop) {
		this.url = url;
		this.username = username;
		this.drop = drop;
		this.dataSource = new SingleConnectionDataSource(url, username, "", true);
	}

	public static TestDatabase h2(Path folder) {
		return new TestDatabase("jdbc:h2:file:" + folder.resolve("uap").toAbsolutePath(), "sa", () -> {
		});
	}

	public static TestDatabase mariaDb() {
		String name = "uap_sync_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
		try (Connection connection = DriverManager.getConnection(MARIADB_SERVER + "test", "root", "");
				Statement statement = connection.createStatement()) {
			statement.execute("CREATE DATABASE " + name + " CHARACTER SET utf8mb4");
		}
		catch (SQLException ex) {
			String message = "MariaDB at 127.0.0.1:3306 (root, empty password) is not reachable (" + ex.getMessage()
					+ "); start it with: start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd";
			if ("true".equals(System.getenv("CI"))) {
				Assertions.fail(message);
			}
			Assumptions.abort(message + " (these tests skip outside CI and fail under CI=true)");
		}
		return new TestDatabase(MARIADB_SERVER + name, "root", () -> {
			try (Connection connection = DriverManager.getConnection(MARIADB_SERVER + "test", "root", "");
					Statement statement = connection.createStatement()) {
				statement.execute("DROP DATABASE IF EXISTS " + name);
			}
			catch (SQLException ex) {
				throw new IllegalStateException("Could not drop test database " + name, ex);
			}
		});
	}

	/**
	 * Returns the Spring properties that point the sync at this database.
	 */
	Map<String, Object> properties() {
		Map<String, Object> properties = new HashMap<>();
		properties.put("spring.datasource.url", this.url);
		properties.put("spring.datasource.username", this.username);
		properties.put("spring.datasource.password", "");
		return properties;
	}

	public JdbcTemplate jdbc() {
		return new JdbcTemplate(this.dataSource);
	}

	/**
	 * Returns a data source of its own, for work beside the sync (a second connection).
	 */
	DataSource dataSource() {
		return new DriverManagerDataSource(this.url, this.username, "");
	}

	/**
	 * Returns the JDBC URL of this database.
	 */
	public String url() {
		return this.url;
	}

	SqlDialect dialect() {
		return this.url.startsWith("jdbc:h2:") ? SqlDialect.H2 : SqlDialect.MYSQL;
	}

	@Override
	public void close() {
		this.dataSource.destroy();
		this.drop.run();
	}

}
