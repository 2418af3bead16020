package dev.uapsync.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

import javax.sql.DataSource;

import org.springframework.dao.DataAccessResourceFailureException;

/**
 * The lock that lets one sync at a time write {@code uap_user}: a lock the database holds
 * for one connection, which the process keeps open while it syncs. When the process ends
 * in any way, {@code kill -9} and power loss included, the database closes the connection
 * and drops the lock, at once and without a timeout. So a free lock proves that no live
 * process is running a sync on this database, and an execution the batch tables still
 * call STARTED can be recovered safely.
 *
 * <ul>
 * <li>MySQL and MariaDB: the named lock {@code GET_LOCK('uap-user-sync.<schema>', 0)}.
 * <li>H2: a row lock ({@code SELECT ... FOR UPDATE NOWAIT}) on the row of
 * {@code uap_sync_lock}, in a transaction kept open. (An H2 file database is, besides,
 * open in one process only.)
 * </ul>
 */
public final class SyncLock {

	private static final String H2_LOCK_ROW = "uapUserSyncJob";

	private final DataSource dataSource;

	private final SqlDialect dialect;

	public SyncLock(DataSource dataSource, SqlDialect dialect) {
		this.dataSource = dataSource;
		this.dialect = dialect;
	}

	/**
	 * Takes the lock if it is free, without waiting.
	 * @return the held lock, to be closed when the sync has ended, or empty when another
	 * connection holds it
	 */
	public Optional<Held> tryAcquire() {
		Connection connection = null;
		try {
			connection = this.dataSource.getConnection();
			boolean acquired = (this.dialect == SqlDialect.MYSQL) ? acquireNamedLock(connection)
					: acquireRowLock(connection);
			if (acquired) {
				Held held = new Held(connection, this.dialect);
				connection = null;
				return Optional.of(held);
			}
			return Optional.empty();
		}
		catch (SQLException ex) {
			throw new DataAccessResourceFailureException("Could not take the sync lock: " + ex.getMessage(), ex);
		}
		finally {
			closeQuietly(connection);
		}
	}

	private static boolean acquireNamedLock(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("SELECT GET_LOCK(" + mysqlLockName() + ", 0)")) {
			result.next();
			return result.getInt(1) == 1;
		}
	}

	private static String mysqlLockName() {
		// MySQL refuses lock names over 64 characters
		return "LEFT(CONCAT('uap-user-sync.', COALESCE(DATABASE(), '')), 64)";
	}

	private static boolean acquireRowLock(Connection connection) throws SQLException {
		connection.setAutoCommit(true);
		try (PreparedStatement insert = connection.prepareStatement(
				"INSERT INTO uap_sync_lock (name) SELECT ? WHERE NOT EXISTS (SELECT 1 FROM uap_sync_lock WHERE name = ?)")) {
			insert.setString(1, H2_LOCK_ROW);
			insert.setString(2, H2_LOCK_ROW);
			insert.executeUpdate();
		}
		catch (SQLException ex) {
			// another connection inserted the row first: it exists now, which is all we
			// need
		}
		connection.setAutoCommit(false);
		try (PreparedStatement select = connection
			.prepareStatement("SELECT name FROM uap_sync_lock WHERE name = ? FOR UPDATE NOWAIT")) {
			select.setString(1, H2_LOCK_ROW);
			select.executeQuery().close();
			return true;
		}
		catch (SQLException ex) {
			if (isLockTimeout(ex)) {
				connection.rollback();
				return false;
			}
			throw ex;
		}
	}

	private static boolean isLockTimeout(SQLException ex) {
		// H2's LOCK_TIMEOUT_1, which NOWAIT raises at once for a row another transaction
		// holds
		return ex.getErrorCode() == 50200;
	}

	private static void closeQuietly(Connection connection) {
		if (connection != null) {
			try {
				connection.close();
			}
			catch (SQLException ex) {
				// the lock was not taken; nothing depends on this connection
			}
		}
	}

	/**
	 * A held sync lock. Closing it releases the lock and returns the connection.
	 */
	public static final class Held implements AutoCloseable {

		private final Connection connection;

		private final SqlDialect dialect;

		private Held(Connection connection, SqlDialect dialect) {
			this.connection = connection;
			this.dialect = dialect;
		}

		/**
		 * Tells whether the lock is still held: the database may have closed the
		 * connection that holds it (an idle timeout, a proxy, a restart), and with it the
		 * lock, while this process went on.
		 * @return whether this process still holds the lock
		 */
		public boolean isHeld() {
			try {
				if (this.dialect != SqlDialect.MYSQL) {
					return this.connection.isValid(5);
				}
				try (Statement statement = this.connection.createStatement();
						ResultSet result = statement
							.executeQuery("SELECT IS_USED_LOCK(" + mysqlLockName() + ") = CONNECTION_ID()")) {
					return result.next() && result.getInt(1) == 1;
				}
			}
			catch (SQLException ex) {
				return false;
			}
		}

		@Override
		public void close() {
			try (Connection owned = this.connection) {
				if (this.dialect == SqlDialect.MYSQL) {
					try (Statement statement = owned.createStatement()) {
						statement.execute("SELECT RELEASE_LOCK(" + mysqlLockName() + ")");
					}
				}
				else {
					owned.rollback();
					owned.setAutoCommit(true);
				}
			}
			catch (SQLException ex) {
				// closing the connection drops the lock in the database anyway
			}
		}

	}

}
